"""``/cc add`` and ``tickets cc ID add`` for someone who watches the ticket already.

They were refused: exit 65 from the shell, a ``command-refused`` event and a
transcript listing the line as refused by mail, as if the writer had got something
wrong. README's rule for every change the ticket has made already ("The value a ticket
has already is no change for any of them": ``assign`` to its assignee,
``add-participant`` for someone on it) is exit 0, nothing written, said in one line;
``/cc add`` now follows it: no event, nobody told again, and the transcript says they
get the mails already. At the watcher cap, the one already watching is still "already",
not "at most N watchers".
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway.runtime.app import App
from tests.support.app import MEMBERS, PLAIN_CATALOG, reply_address
from tests.support.cli import run
from tests.support.config import members_toml, write_config
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, words_of

OPS = "ops@example.test"  # a member whose language is English
BOSS = "boss@customer.test"


@pytest.fixture
def config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    cfg = str(
        write_config(
            tmp_path,
            secret_file=True,
            extra=f'[catalog]\npath = "{PLAIN_CATALOG}"\n'
            + "[limits]\nmax_watchers = 2\n"
            + members_toml(MEMBERS),
        )
    )
    path = tmp_path / "req.eml"
    path.write_bytes(mail("VPN does not connect", message_id="<req@customer.test>"))
    assert run(cfg, "ingest", str(path), capsys=capsys).code == 0
    return cfg


def _watcher_events(config: str, capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    ran = run(config, "tickets", "show", "1", "--json", capsys=capsys)
    return [e for e in json.loads(ran.out)["events"] if e["kind"] == "watcher"]


def test_the_cli_says_already_and_exits_0(config: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(config, "tickets", "cc", "1", "add", BOSS, capsys=capsys).code == 0
    again = run(config, "tickets", "cc", "1", "add", "Boss <Boss@Customer.test>", capsys=capsys)
    assert again.code == 0, again
    assert f"ticket #1: {BOSS} gets the mails already: nothing changed" in again.out
    assert again.err == ""
    assert len(_watcher_events(config, capsys)) == 1  # nothing written the second time
    # at the cap: the one watching is still "already", a newcomer is refused
    assert run(config, "tickets", "cc", "1", "add", "x@partner.test", capsys=capsys).code == 0
    full = run(config, "tickets", "cc", "1", "add", BOSS, capsys=capsys)
    assert full.code == 0 and "already" in full.out, full
    newcomer = run(config, "tickets", "cc", "1", "add", "y@partner.test", capsys=capsys)
    assert newcomer.code == 65 and "at most 2 watchers" in newcomer.err


def _reply(app: App, tid: int, body: str) -> None:
    to = reply_address(app, tid, OPS)
    deliver(app, mail(f"Re: [#{tid}] VPN", body=body, sender=OPS, to=to), envelope_to=(to,))


def test_a_cc_add_by_mail_is_no_change_not_a_refusal(team: App) -> None:
    tid = deliver(team, mail("VPN does not connect", message_id="<a1@customer.test>")).ticket_id
    assert tid
    _reply(team, tid, f"/cc add {BOSS}\n")
    before = show(team, tid)
    _reply(team, tid, f"/cc add {BOSS}\n")
    after = show(team, tid)
    kinds = [e["kind"] for e in after["events"]]
    assert "command-refused" not in kinds, after["events"]
    assert kinds.count("watcher") == [e["kind"] for e in before["events"]].count("watcher") == 1
    transcript = outbox(team, "command_result")[-1]
    text = words_of(transcript)
    assert f"{BOSS} gets the mails already: nothing changed" in text, text
    assert "refused" not in text, text
