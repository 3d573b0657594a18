"""``tickets assign`` and ``tickets note``: the same changes as the reply
commands, through gateway.actions, with the CLI as actor and channel."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.app import MEMBERS, PLAIN_CATALOG
from tests.support.cli import run
from tests.support.config import members_toml, write_config
from tests.support.mails import mail


@pytest.fixture
def config(db_url: str, tmp_path: Path) -> str:
    cfg = write_config(
        tmp_path,
        url=db_url,
        secret_file=True,
        extra=f'[catalog]\npath = "{PLAIN_CATALOG}"\n' + members_toml(MEMBERS),
    )
    (tmp_path / "req.eml").write_bytes(mail())
    return str(cfg)


def _show(config: str, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    code, out, _ = run(config, "tickets", "show", "1", "--json", capsys=capsys)
    assert code == 0
    data: dict[str, object] = json.loads(out)
    return data


def test_assign_and_note(config: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(config, "ingest", str(tmp_path / "req.eml"), capsys=capsys)[0] == 0
    code, out, _ = run(config, "tickets", "assign", "1", "ops2", capsys=capsys)
    assert code == 0 and "assigned to ops2@example.test" in out
    code, out, _ = run(config, "tickets", "note", "1", "called", "the", "customer", capsys=capsys)
    assert code == 0
    data = _show(config, capsys)
    assert data["assignee"] == "ops2@example.test"
    events = [e for e in data["events"] if e["kind"] in ("assign", "note")]  # type: ignore[attr-defined]
    assert [(e["kind"], e["channel"]) for e in events][-2:] == [("assign", "cli"), ("note", "cli")]
    assert events[-1]["detail"] == {"text": "called the customer"}
    assert events[-1]["actor"].startswith("cli")


def test_assign_refuses_an_unknown_member_and_a_missing_ticket(
    config: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(config, "ingest", str(tmp_path / "req.eml"), capsys=capsys)
    code, _, err = run(config, "tickets", "assign", "1", "nobody", capsys=capsys)
    assert code == 65 and "unknown member 'nobody'" in err
    code, _, err = run(config, "tickets", "assign", "99", "ops", capsys=capsys)
    assert code == 69 and "no ticket #99" in err
    code, _, err = run(config, "tickets", "note", "99", "x", capsys=capsys)
    assert code == 69


def _notices(db_url: str, to: str) -> list[str]:
    """The plain-text parts of the member notices queued for ``to``."""
    import email
    import email.policy

    from sqlalchemy import select

    from store.db import make_engine, session_factory, transaction
    from store.models import OutboxRow

    engine = make_engine(db_url)
    try:
        with transaction(session_factory(engine)) as s:
            rows = s.scalars(select(OutboxRow).where(OutboxRow.kind == "ticket_notice")).all()
            raws = [r.raw for r in rows if to in r.recipients]
    finally:
        engine.dispose()
    texts = []
    for raw in raws:
        part = email.message_from_bytes(raw, policy=email.policy.default).get_body(("plain",))
        assert part is not None
        texts.append("".join(part.get_content().split()))  # however the lines were filled
    return texts


@pytest.mark.parametrize(
    ("member", "said"),
    [
        ("ops@example.test", "took this ticket from you; nobody has it now."),
        ("ops2@example.test", "がこのチケットをあなたから外しました。いまは担当者がいません。"),
    ],
)
def test_assign_dash_takes_the_ticket_from_its_member(
    config: str,
    db_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    member: str,
    said: str,
) -> None:
    """``-`` is nobody, as in ``tickets list --assignee -``: an assignment change like
    any other (an event, channel cli), and the member it was taken from is told, in
    their language."""
    assert run(config, "ingest", str(tmp_path / "req.eml"), capsys=capsys)[0] == 0
    assert run(config, "tickets", "assign", "1", member, capsys=capsys).code == 0
    code, out, err = run(config, "tickets", "assign", "1", "-", capsys=capsys)
    assert (code, out, err) == (0, "ticket #1: unassigned (was " + member + ")\n", "")
    data = _show(config, capsys)
    assert data["assignee"] is None
    assert run(config, "tickets", "show", "1", capsys=capsys).code == 0  # the event, shown
    last = [e for e in data["events"] if e["kind"] == "assign"][-1]  # type: ignore[attr-defined]
    assert (last["old"], last["new"], last["channel"]) == (member, None, "cli")
    listed = run(config, "tickets", "list", "--assignee", "-", "--json", capsys=capsys).out
    assert [t["id"] for t in json.loads(listed)] == [1]
    notices = _notices(db_url, member)
    assert any("".join(said.split()) in text for text in notices), notices
    # nobody has it: taking it from nobody changes nothing and records nothing
    code, out, _ = run(config, "tickets", "assign", "1", "-", capsys=capsys)
    assert (code, out) == (0, "ticket #1: nobody has it already\n")
    again = [e for e in _show(config, capsys)["events"] if e["kind"] == "assign"]  # type: ignore[attr-defined]
    assert again[-1] == last
