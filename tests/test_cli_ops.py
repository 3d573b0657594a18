"""``tickets assign`` and ``tickets note``: the same changes as the reply
commands, through gateway.tickets.changes, with the CLI as actor and channel."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway.runtime.cli.main import main
from tests.conftest import PLAIN_CATALOG
from tests.mails import mail


@pytest.fixture
def config(db_url: str, tmp_path: Path) -> str:
    (tmp_path / "secret.key").write_text("x" * 40)
    cfg = tmp_path / "gateway.toml"
    cfg.write_text(
        f'[gateway]\naddress = "support@example.test"\nsecret_file = "secret.key"\n'
        f'data_dir = "{tmp_path / "var"}"\n[database]\nurl = "{db_url}"\n'
        f'[catalog]\npath = "{PLAIN_CATALOG}"\n'
        '[[members]]\nemail = "ops@example.test"\nname = "Ops One"\n'
        '[[members]]\nemail = "ops2@example.test"\n'
        '[[members]]\nemail = "boss@example.test"\nrole = "manager"\n'
    )
    (tmp_path / "req.eml").write_bytes(mail())
    return str(cfg)


def run(config: str, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["--config", config, *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def _show(config: str, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    code, out, _ = run(config, "tickets", "show", "1", "--json", capsys=capsys)
    assert code == 0
    data: dict[str, object] = json.loads(out)
    return data


def test_assign_and_note(config: str, tmp_path: Path,
                         capsys: pytest.CaptureFixture[str]) -> None:
    assert run(config, "ingest", str(tmp_path / "req.eml"), capsys=capsys)[0] == 0
    code, out, _ = run(config, "tickets", "assign", "1", "ops2", capsys=capsys)
    assert code == 0 and "assigned to ops2@example.test" in out
    code, out, _ = run(config, "tickets", "note", "1", "called", "the", "customer",
                       capsys=capsys)
    assert code == 0
    data = _show(config, capsys)
    assert data["assignee"] == "ops2@example.test"
    events = [e for e in data["events"] if e["kind"] in ("assign", "note")]  # type: ignore[attr-defined]
    assert [(e["kind"], e["channel"]) for e in events][-2:] == [("assign", "cli"),
                                                                ("note", "cli")]
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
