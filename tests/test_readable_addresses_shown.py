"""An internationalised domain, kept as its A-label (``xn--…``), is shown in Unicode
where a person reads an address: the web pages and the CLI's text; ``--json`` keeps
the stored form, which scripts compare."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from tests.support.cli import run
from tests.support.config import write_config
from tests.support.mails import mail
from tests.support.pipeline import deliver
from tests.support.web import member_page, rig

SENDER = "tanaka@例え.jp"
KEPT = "tanaka@xn--r8jz45g.jp"


def test_the_pages_show_the_unicode_form(settings: Settings, clock: FakeClock) -> None:
    with rig(settings, clock) as r:
        tid = deliver(r.app, mail(sender=f"<{KEPT}>", cc="Sato <sato@xn--r8jz45g.jp>")).ticket_id
        page = member_page(r, "ops@example.test", f"/tickets/{tid}")
        board = member_page(r, "ops@example.test", "/tickets")
    for html in (page, board):
        assert SENDER in html and "xn--" not in html
    assert "sato@例え.jp" in page  # a participant


def test_the_cli_text_shows_the_unicode_form_and_json_the_kept_one(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(write_config(tmp_path, url=db_url, secret_file=True))
    (tmp_path / "a.eml").write_bytes(mail(sender=f"<{KEPT}>", date=datetime.now(UTC)))
    assert run(config, "ingest", str(tmp_path / "a.eml"), capsys=capsys)[0] == 0
    for command in (("tickets", "list"), ("tickets", "show", "1")):
        code, out, _ = run(config, *command, capsys=capsys)
        assert code == 0 and SENDER in out and "xn--" not in out, out
    code, out, _ = run(config, "tickets", "show", "1", "--json", capsys=capsys)
    assert json.loads(out)["requester"] == KEPT
