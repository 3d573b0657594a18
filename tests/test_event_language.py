"""Why the gateway recorded trouble on a ticket is said in its reader's language.

Five kinds of event kept why in English only, and showed it nowhere: ``no-ops-notice``
(the team not told: one sender's flood), ``action-state-refused`` (the state machine
refused an action's ``on_success`` state), ``action-reply-failed`` (the team's reply
template could not be filled in), ``delivery-failed`` and ``chat-failed`` (the relay's
or Slack's refusal). The ticket page said the kind (and ``chat-failed`` its post's kind
as stored, ``new_ticket``), ``tickets show`` the kind and a stored value. Each event
keeps the Msg now (``said``) beside its English text (``--json``), and both say it in
the reader's language; an event recorded before shows its text as it was stored.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.model import TicketState
from gateway.outbound.sender import Sender
from gateway.outbound.transport import transport_for
from gateway.tickets import changes
from store import tickets
from store.db import transaction
from store.models import TicketEvent
from tests.support import chat as c
from tests.support.actions import FAST, catalog_text, drain, worker
from tests.support.cli import run
from tests.support.config import write_config
from tests.support.hooks import HookServer
from tests.support.mails import mail
from tests.support.pipeline import deliver, show
from tests.support.sink import SinkHandler, local_relay, sink
from tests.support.slack_fake import FakeSlack
from tests.support.web import Rig, member_page, rig
from tests.test_actions_reply import team_templates
from tests.test_web_history import READERS, _history


def _pages(r: Rig, tid: int) -> tuple[str, str]:
    """The history of ticket ``tid`` as the ja and the en member read it (its text)."""
    ja, en = (_history(member_page(r, READERS[loc], f"/tickets/{tid}")) for loc in ("ja", "en"))
    return html.unescape("\n".join(ja)), html.unescape("\n".join(en))


def _shown(
    r: Rig, tid: int, folder: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, str, dict[str, Any]]:
    """``tickets show`` of the rig's database in ja and en, and its ``--json``."""
    folder.mkdir(exist_ok=True)
    config = write_config(folder, url=str(r.app.settings.database.url), locale="en")
    said = []
    for lang in ("ja_JP.UTF-8", "en_US.UTF-8"):
        monkeypatch.setenv("LC_ALL", lang)
        said.append(run(config, "tickets", "show", str(tid), capsys=capsys).out)
    data = json.loads(run(config, "tickets", "show", str(tid), "--json", capsys=capsys).out)
    return said[0], said[1], data


def _forget_the_msg(r: Rig, kind: str) -> None:
    """The events of ``kind`` as an older release recorded them: English text only."""
    with transaction(r.app.sessions) as s:
        for e in s.scalars(select(TicketEvent).where(TicketEvent.kind == kind)):
            e.detail = {k: v for k, v in e.detail.items() if k != "said"}


def _event(data: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(e for e in data["events"] if e["kind"] == kind)


def test_a_team_not_told_of_a_flood_says_why(
    settings: Settings,
    clock: FakeClock,
    tmp_path: Path,
    capsys: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    limited = replace(settings, limits=replace(settings.limits, ops_notices_per_hour=1))
    with rig(limited, clock) as r:
        for n in range(2):
            tid = deliver(r.app, mail(f"request {n}", sender="flood@outside.test")).ticket_id
        assert tid
        ja, en = _pages(r, tid)
        cli_ja, cli_en, data = _shown(r, tid, tmp_path / "cli", capsys, monkeypatch)
        _forget_the_msg(r, "no-ops-notice")
        old_ja, _ = _pages(r, tid)
    english = "2 notices caused by flood@outside.test in the last hour (limit 1)"
    assert _event(data, "no-ops-notice")["detail"]["reason"] == english  # --json: English
    assert f"Team not notified (limit) | {english}" in en, en
    assert "flood@outside.test" in ja and "上限 1 件" in ja, ja
    assert "notices caused" not in ja and "notices caused" not in cli_ja
    assert "上限 1 件" in cli_ja and "no-ops-notice: " in cli_ja, cli_ja
    assert f"no-ops-notice: new ticket not sent: {english}" in cli_en, cli_en
    assert english in old_ja  # recorded before: as it was stored


def test_an_undelivered_mail_says_what_the_relay_answered(
    settings: Settings,
    clock: FakeClock,
    tmp_path: Path,
    capsys: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with rig(settings, clock) as r:
        tid = deliver(r.app, mail("VPN", sender="gone@customer.test")).ticket_id
        assert tid
        relay = local_relay(r.app.settings)
        with sink(relay.port, SinkHandler(answer="550 5.1.1 mailbox unavailable")):
            sent = Sender(relay, r.app.clock, r.app.sessions, lambda: transport_for(relay))
            assert sent.drain().failed
        ja, en = _pages(r, tid)
        cli_ja, cli_en, data = _shown(r, tid, tmp_path / "cli", capsys, monkeypatch)
        _forget_the_msg(r, "delivery-failed")
        old_ja, _ = _pages(r, tid)
    english = "the relay answered 550 5.1.1 mailbox unavailable"
    assert _event(data, "delivery-failed")["detail"]["error"] == english
    assert f"gone@customer.test: {english}" in en, en
    assert "gone@customer.test: 中継サーバーの応答: 550 5.1.1 mailbox unavailable" in ja, ja
    # (the ticket's outgoing mail is listed too: the English member's notice of it)
    cli_ja_events = "\n".join(line for line in cli_ja.splitlines() if "delivery-failed" in line)
    assert "relay answered" not in ja and "relay answered" not in cli_ja_events
    assert "中継サーバーの応答: 550" in cli_ja and "gone@customer.test" in cli_ja, cli_ja
    assert "delivery-failed acknowledgement: gone@customer.test: " + english in cli_en, cli_en
    assert english in old_ja


@pytest.fixture
def refusing(fake: FakeSlack) -> FakeSlack:
    """Slack that refuses every post for good (the bot is not in the channel)."""
    fake.refuse["chat.postMessage"] = "not_in_channel"
    return fake


def test_a_failed_chat_post_says_what_slack_answered(
    settings: Settings,
    clock: FakeClock,
    refusing: FakeSlack,
    tmp_path: Path,
    capsys: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with rig(c.chat_settings(settings, refusing), clock) as r:
        tid = deliver(r.app, mail("VPN does not connect", "since this morning")).ticket_id
        assert tid and c.poster(r.app).drain().failed
        ja, en = _pages(r, tid)
        cli_ja, cli_en, data = _shown(r, tid, tmp_path / "cli", capsys, monkeypatch)
        _forget_the_msg(r, "chat-failed")
        old_ja, _ = _pages(r, tid)
    english = "Slack refused it: not_in_channel"
    assert _event(data, "chat-failed")["detail"]["error"] == english
    assert f"Chat post failed | {english}" in en, en
    assert "Slack が投稿を拒否しました: not_in_channel" in ja, ja
    assert "new_ticket" not in ja and "refused it" not in ja  # not the post's kind, as stored
    assert "Slack が投稿を拒否しました: not_in_channel" in cli_ja and "refused it" not in cli_ja
    assert english in cli_en, cli_en
    assert english in old_ja


@pytest.fixture
def hooks() -> Iterator[HookServer]:
    server = HookServer(reply={"ok": True}).start()  # no "account" in the answer
    yield server
    server.stop()


def test_an_actions_refused_state_and_unsent_reply_say_why(
    settings: Settings,
    clock: FakeClock,
    hooks: HookServer,
    tmp_path: Path,
    capsys: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The run succeeds on a ticket closed while it ran: its ``pending`` is refused, and
    its reply (a close as resolved leaves the requester their answer) cannot be filled
    in with what the webhook answered."""
    (tmp_path / "hook.secret").write_bytes(b"hook-secret-0123456789\n")
    action = f"""
        type: webhook
        url: {hooks.url()}
        secret_file: hook.secret
        on_success: {{state: pending, reply: account_created}}
        """
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(catalog_text(action), encoding="utf-8")
    team = team_templates(tmp_path / "team", "Account {{ result.account }} is ready.\n")
    configured = replace(
        settings, gateway=replace(settings.gateway, templates_dir=team), actions=FAST
    )
    with rig(configured, clock, catalog=catalog) as r:
        tid = deliver(r.app, mail("New account please", "User ID: taro.yamada\n")).ticket_id
        assert tid
        closer = worker(r.app)
        runs_it = closer.execute

        def closed_while_it_runs(action: Any, run: Any, *stop: Any) -> Any:
            with transaction(r.app.sessions) as s:  # a member closes it meanwhile
                t = tickets.get(s, tid or 0)
                assert t is not None
                changes.change_state(
                    s, t, TicketState.CLOSED, clock.now(), actor="ops", channel="cli"
                )
            return runs_it(action, run, *stop)

        monkeypatch.setattr(closer, "execute", closed_while_it_runs)
        [done] = closer.drain()
        assert done.recorded and show(r.app, tid)["state"] == "closed"
        ja, en = _pages(r, tid)
        cli_ja, cli_en, data = _shown(r, tid, tmp_path / "cli", capsys, monkeypatch)
        _forget_the_msg(r, "action-state-refused")
        _forget_the_msg(r, "action-reply-failed")
        old_ja, _ = _pages(r, tid)
    refused = "the ticket was closed while the action ran; it stays closed"
    assert _event(data, "action-state-refused")["detail"]["reason"] == refused
    assert refused in en and refused in cli_en, en
    assert "完了のままにしました" in ja and "完了のままにしました" in cli_ja, ja
    assert "stays closed" not in ja and "stays closed" not in cli_ja
    error = _event(data, "action-reply-failed")["detail"]["error"]
    assert "account" in error  # the template's error, as Jinja said it
    assert "Action reply not sent | " in en and "account_created" in en, en
    assert "reply account_created could not be filled in" in cli_en, cli_en
    for said in (ja, cli_ja):
        assert "account_created" in said and "could not be filled" not in said, said
        assert "自動処理の応答で埋められませんでした" in said, said
    assert refused in old_ja and error in old_ja  # recorded before: as stored
    for said in (ja, en, cli_ja, cli_en):  # once: no note saying it again under the event
        assert said.count(error) == 1, said


def test_a_refused_command_and_a_forged_mail_say_why(
    settings: Settings,
    clock: FakeClock,
    tmp_path: Path,
    capsys: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``command-refused`` and ``security`` kept their reason in English too, shown
    nowhere: the page said "Command refused" and nothing more."""
    from tests.test_ops_scenarios import eml

    gw = replace(settings.gateway, per_person_domains=("example.test",))
    with rig(replace(settings, gateway=gw), clock) as r:
        assert deliver(r.app, eml(r.app, "request.eml")).ticket_id == 1
        deliver(r.app, eml(r.app, "requester_raise.eml", token_for="alice@customer.test"))
        deliver(r.app, eml(r.app, "forged_close.eml"))
        ja, en = _pages(r, 1)
        cli_ja, cli_en, data = _shown(r, 1, tmp_path / "cli", capsys, monkeypatch)
        _forget_the_msg(r, "command-refused")
        _forget_the_msg(r, "security")
        old_ja, _ = _pages(r, 1)
    only = "requesters may lower the priority, not raise it"
    assert _event(data, "command-refused")["detail"]["reason"] == only
    assert f"Command refused | /priority urgent: {only}" in en, en
    assert "/priority urgent: 依頼者は優先度を下げることはできますが" in ja, ja
    assert f"command-refused: /priority urgent: {only}" in cli_en, cli_en
    assert "command-refused: /priority urgent: 依頼者は優先度を" in cli_ja, cli_ja
    forged = _event(data, "security")["detail"]["reason"]
    assert forged.startswith("the mail was not sent to the reply address issued to ops@")
    assert f"/close spam, /assign boss: {forged}" in en and forged in cli_en, en
    assert "/close spam, /assign boss: このメールは、このチケットについて" in ja, ja
    assert "このメールは、このチケットについて" in cli_ja, cli_ja
    kinds = ("command-refused", "security")  # the events' lines (a mail keeps its language)
    lines = "\n".join(line for line in cli_ja.splitlines() if any(k in line for k in kinds))
    for said in (ja, lines):
        assert "not raise it" not in said and "was not sent to the reply" not in said, said
    assert only in old_ja and forged in old_ja


REFUSES = """
    import sys
    sys.stdin.read()
    sys.exit(65)
"""


def test_an_action_run_and_a_held_action_say_why(
    settings: Settings,
    clock: FakeClock,
    tmp_path: Path,
    capsys: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An ``action`` event kept the attempt's error in English, and ``action-held`` why
    an imported request starts nothing as an English f-string; neither was shown."""
    from datetime import UTC, datetime

    from tests.support.actions import argv_yaml, script

    argv = script(tmp_path, "create.py", REFUSES)
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(catalog_text(f"type: command\nargv: {argv_yaml(argv)}\nretries: 0"))
    with rig(replace(settings, actions=FAST), clock, catalog=catalog) as r:
        ran = deliver(r.app, mail("account", "User ID: taro\n")).ticket_id
        assert ran and len(drain(r.app)) == 1
        dated = datetime(2019, 5, 1, tzinfo=UTC)
        held = deliver(r.app, mail("account", "User ID: old\n", date=dated), bulk=True).ticket_id
        assert held
        ja, en = _pages(r, ran)
        held_ja, held_en = _pages(r, held)
        cli_ja, cli_en, data = _shown(r, ran, tmp_path / "cli", capsys, monkeypatch)
        held_cli_ja, held_cli_en, held_data = _shown(r, held, tmp_path / "cli", capsys, monkeypatch)
        _forget_the_msg(r, "action")
        _forget_the_msg(r, "action-held")
        old_ja, _ = _pages(r, ran)
        old_held_ja, _ = _pages(r, held)
    assert _event(data, "action")["detail"]["error"] == "exit 65"
    assert "Action run | Failed: exit 65" in en and "action failed: exit 65" in cli_en, en
    assert "自動処理の実行 | 失敗: 終了コード 65 で終わりました" in ja, ja
    assert "action failed: 終了コード 65 で終わりました" in cli_ja, cli_ja
    old = "an imported message dated 2019-05-01, too old to act on"
    assert _event(held_data, "action-held")["detail"]["reason"] == old
    assert f"Action held | Accounts: {old}" in held_en, held_en
    assert f"action-held account: {old}" in held_cli_en, held_cli_en
    for said in (held_ja, held_cli_ja):
        assert "取り込んだ 2019-05-01 付けのメッセージで、自動処理を始めるには古すぎます" in said
        assert "too old" not in said, said
    assert "exit 65" in old_ja and old in old_held_ja
