"""The command line on the tickets of someone taken out of ``[[members]]``: their
address stays the assignee, and ``tickets show`` marks it as no longer in the team (as
the pages do); ``tickets list --assignee ADDRESS`` still finds their tickets, so a
manager can hand them on; ``tickets answer`` without ``--as`` says the assignee left,
not that there is none."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.support.app import MEMBERS
from tests.support.cli import run
from tests.support.config import SECRET_ENV, members_toml, write_config
from tests.support.mails import mail

LEAVER = "ops2@example.test"
ANSWERS = Path(__file__).parent / "data" / "answers"
CATALOG = """
entries:
  - id: vpn
    name: {ja: VPN, en: VPN}
    keywords: [vpn]
    assignee: ops@example.test
  - id: other
    name: Other
    fallback: true
    manager: boss@example.test
"""


@pytest.fixture
def config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Path:
    """A site with one ticket given to the leaver while a member, then the config
    without them (as an operator edits it, before the restart)."""
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    (tmp_path / "catalog.yaml").write_text(CATALOG, encoding="utf-8")
    shutil.copytree(ANSWERS, tmp_path / "answers")
    site = '[catalog]\npath = "catalog.yaml"\n'
    path = write_config(tmp_path, extra=site + members_toml(MEMBERS))
    for n, subject in enumerate(("VPN down", "VPN slow")):
        message = tmp_path / f"req{n}.eml"
        message.write_bytes(mail(subject, date=datetime.now(UTC)))
        assert run(path, "ingest", str(message), capsys=capsys).code == 0
    return path


def _leave(config: Path) -> None:
    team = tuple(m for m in MEMBERS if m.email != LEAVER)
    site = '[catalog]\npath = "catalog.yaml"\n'
    write_config(config.parent, extra=site + members_toml(team))


def test_show_marks_an_assignee_who_left_and_list_finds_their_tickets(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(config, "tickets", "assign", "1", LEAVER, capsys=capsys).code == 0
    _leave(config)
    shown = run(config, "tickets", "show", "1", capsys=capsys)
    assert shown.code == 0
    [line] = [x for x in shown.out.splitlines() if x.startswith("  assignee:")]
    assert line.split(": ", 1)[1] == f"{LEAVER} (not in the team)"
    data = json.loads(run(config, "tickets", "show", "1", "--json", capsys=capsys).out)
    assert data["assignee"] == LEAVER  # the data stays the address
    listed = run(config, "tickets", "list", "--assignee", LEAVER, "--json", capsys=capsys)
    assert [t["id"] for t in json.loads(listed.out)] == [1]
    kept = run(config, "tickets", "show", "2", capsys=capsys)  # a member's: unmarked
    [line] = [x for x in kept.out.splitlines() if x.startswith("  assignee:")]
    assert line.split(": ", 1)[1] == "ops@example.test (Ops One)"  # named, as on the page


def test_a_saved_answer_is_not_sent_in_the_name_of_one_who_left(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(config, "tickets", "assign", "1", LEAVER, capsys=capsys).code == 0
    _leave(config)
    ran = run(config, "tickets", "answer", "1", "password-reset", capsys=capsys)
    assert ran.code == 65
    assert f"its assignee {LEAVER} is no longer in [[members]]" in ran.err
    assert "has no assignee" not in ran.err
    data = json.loads(run(config, "tickets", "show", "1", "--json", capsys=capsys).out)
    assert "answer" not in [e["kind"] for e in data["events"]]
    sent = run(
        config,
        "tickets",
        "answer",
        "1",
        "password-reset",
        "--as",
        "ops@example.test",
        capsys=capsys,
    )
    assert sent.code == 0, sent
