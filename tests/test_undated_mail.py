"""A mail without a ``Date`` header (the README's own quick-start mail, a script's, a
monitoring alert's) is shown at the time it arrived: ``tickets show`` and the ticket
page said no time at all for it ("--- in  alice@…", "Received · · alice@…").
``--json`` keeps ``date`` as the mail says it (null) and adds ``received_at``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from tests.support.cli import run
from tests.support.config import write_config
from tests.support.pipeline import deliver
from tests.support.web import member_page, rig

UNDATED = (
    b"From: alice@customer.test\r\nTo: support@example.test\r\n"
    b"Subject: Printer jam\r\n\r\nThe printer on 3F jams.\r\n"
)


def test_show_says_when_an_undated_mail_arrived(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, url=db_url, secret_file=True)
    (tmp_path / "a.eml").write_bytes(UNDATED)
    assert run(config, "ingest", str(tmp_path / "a.eml"), capsys=capsys).code == 0
    data = json.loads(run(config, "tickets", "show", "1", "--json", capsys=capsys).out)
    first = data["messages"][0]
    assert first["date"] is None and first["received_at"] is not None
    shown = run(config, "tickets", "show", "1", capsys=capsys).out
    [line] = [x for x in shown.splitlines() if x.startswith("--- in ")]
    assert "--- in  " not in line and " JST alice@customer.test" in line, line


def test_the_ticket_page_says_when_an_undated_mail_arrived(
    settings: Settings, clock: FakeClock
) -> None:
    with rig(settings, clock) as r:
        tid = deliver(r.app, UNDATED).ticket_id
        html = member_page(r, "ops@example.test", f"/tickets/{tid}")
    assert "Received ·  · " not in html, html
    assert "Received · Mon, Mar 2, 2026, 10:00 JST · " in html, html
