"""Arguments whose bytes are not UTF-8 (text typed or pasted in Shift_JIS or Latin-1 on
a UTF-8 terminal): Python reads each such byte as a lone surrogate.

``tickets list --search``, ``--requester`` and ``--catalog`` sent it to the database
driver, which cannot encode it (a traceback, exit 1), and ``tickets note`` stored it,
after which every ``tickets show`` of that ticket on a UTF-8 terminal ended in
UnicodeEncodeError. Text arguments are now refused as the usage error they are (exit 2,
naming the argument); an argument that names a file keeps whatever bytes the file
system holds.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.runtime.cli.main import main
from tests.support.cli import run
from tests.support.config import SECRET_ENV, write_config
from tests.support.mails import mail

BAD = "caf\udce9"  # b"caf\xe9" (Latin-1) as Python reads it from a UTF-8 argv


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("LANG", "C.UTF-8")
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    return write_config(tmp_path)


@pytest.mark.parametrize(
    "args",
    [
        ("tickets", "list", "--search", BAD),
        ("tickets", "list", "--requester", BAD),
        ("tickets", "list", "--catalog", BAD),
        ("tickets", "note", "1", "see", BAD),
        ("tickets", "cc", "1", "add", BAD + "@x.test"),
    ],
)
def test_text_that_is_not_utf8_is_a_usage_error(
    config: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...]
) -> None:
    message = config.parent / "req.eml"
    message.write_bytes(mail("VPN down", date=datetime.now(UTC)))
    assert run(config, "ingest", str(message), capsys=capsys).code == 0
    with pytest.raises(SystemExit) as exited:
        main(["--config", str(config), *args])
    assert exited.value.code == 2
    assert "not text in utf-8" in capsys.readouterr().err
    shown = run(config, "tickets", "show", "1", "--json", capsys=capsys)
    assert [e for e in json.loads(shown.out)["events"] if e["kind"] == "note"] == []


def test_a_file_name_keeps_its_bytes(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    message = config.parent / f"{BAD}.eml"
    message.write_bytes(mail("VPN down", date=datetime.now(UTC)))
    assert run(config, "catalog", "match", str(message), capsys=capsys).code == 0
    # (ingest of such a name, said on a strict UTF-8 terminal: test_cli_control_chars)
