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
