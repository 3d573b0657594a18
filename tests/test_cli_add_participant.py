"""``tickets add-participant ID EMAIL`` took the gateway's own address (or a reply
address of ours, ``mailer-daemon@…``, ``no-reply@…``) as a participant, to whom every
answer of the ticket would go: our own mail sent back to us, or to a sender that never
reads it. ``tickets cc add`` and ``/cc add`` refuse such an address; so does this now,
saying why (exit 65), and the ticket's people stay as they were."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.support.cli import run
from tests.support.config import SECRET_ENV, write_config
from tests.support.mails import mail

EX_DATAERR = 65


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("LANG", "C.UTF-8")
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    return write_config(tmp_path)


@pytest.mark.parametrize(
    "address",
    [
        "support@example.test",  # [gateway] address
        "SUPPORT@example.test",
        "support+1-0123456789abcdef@example.test",  # a reply address of ours
        "mailer-daemon@customer.test",
        "no-reply@customer.test",
    ],
)
def test_an_address_that_never_reads_answers_cannot_join(
    config: Path, capsys: pytest.CaptureFixture[str], address: str
) -> None:
    message = config.parent / "req.eml"
    message.write_bytes(mail("VPN down", date=datetime.now(UTC)))
    assert run(config, "ingest", str(message), capsys=capsys).code == 0
    before = json.loads(run(config, "tickets", "show", "1", "--json", capsys=capsys).out)
    ran = run(config, "tickets", "add-participant", "1", address, capsys=capsys)
    assert ran.code == EX_DATAERR, ran
    assert "cannot join it" in ran.err
    after = json.loads(run(config, "tickets", "show", "1", "--json", capsys=capsys).out)
    assert after["participants"] == before["participants"]


def test_a_colleague_still_joins(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    message = config.parent / "req.eml"
    message.write_bytes(mail("VPN down", date=datetime.now(UTC)))
    assert run(config, "ingest", str(message), capsys=capsys).code == 0
    assert (
        run(config, "tickets", "add-participant", "1", "bob@customer.test", capsys=capsys)[0] == 0
    )
    shown = json.loads(run(config, "tickets", "show", "1", "--json", capsys=capsys).out)
    assert "bob@customer.test" in json.dumps(shown["participants"])
