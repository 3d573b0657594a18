"""A mail forwarded as an attachment, end to end: sent to the SMTP listener, processed
by the runner, saved by a member with ``tickets attachment``: the file is the mail the
sender attached, byte for byte (its DKIM signature verifies as it did), on SQLite and
PostgreSQL; and the ticket page's link hands out the same bytes."""

from __future__ import annotations

import re
import smtplib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from gateway.config.load import load_settings
from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App
from tests.support.cli import run
from tests.support.config import write_config
from tests.support.pipeline import all_tickets, deliver, inbox_raw, inbox_rows, show
from tests.support.scheduling import make_app
from tests.support.smtp import listening, smtp_settings
from tests.support.web import Rig, rig, sign_in

# what a vendor's server sent: DKIM-signed over these exact bytes (simple/simple), with
# a header folded by a tab, another without a space after its colon, raw UTF-8 inside
VENDOR = (
    b"DKIM-Signature: v=1; a=rsa-sha256; c=simple/simple; d=vendor.test; s=sel;\r\n"
    b"\th=From:To:Subject; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\r\n"
    b"\tb=c2lnbmF0dXJlIGJ5dGVzIHRoYXQgYSB2ZXJpZmllciB3b3VsZCBjaGVjaw==\r\n"
    b"From: Vendor <support@vendor.test>\r\n"
    b"To:ops@example.test\r\n"
    b"Subject: =?UTF-8?B?5o6l57aa44Ko44Op44O844Gu5Y6f5Zug?=\r\n"
    b"Message-ID: <case-7@vendor.test>\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n"
    b"\r\n"
    b"\xe6\x8e\xa5\xe7\xb6\x9a: fixed in 2.4.1\r\n"
    b"--b1x\r\n"  # a delimiter's shape of no enclosing multipart
    b"\r\n"
)


def _forward(inner: bytes) -> bytes:
    return (
        b"From: Alice <alice@customer.test>\r\nTo: support@example.test\r\n"
        b"Subject: Fw: phishing?\r\nMessage-ID: <fw-7@customer.test>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
        b"--b1\r\nContent-Type: text/plain\r\n\r\nIs this mail genuine?\r\n"
        b"--b1\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        + inner
        + b"\r\n--b1--\r\n"
    )


@pytest.fixture
def config(db_url: str, tmp_path: Path) -> Path:
    return write_config(tmp_path, url=db_url, secret_file=True)


@pytest.fixture
def app(config: Path) -> Iterator[App]:
    application = make_app(load_settings(config), FakeClock(datetime(2026, 3, 2, 1, tzinfo=UTC)))
    yield application
    application.close()


def test_a_forwarded_mail_is_downloaded_as_it_was_sent(
    app: App,
    config: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    raw = _forward(VENDOR)
    with (
        listening(smtp_settings(app.settings), app.sessions, app.clock) as srv,
        smtplib.SMTP("127.0.0.1", srv.port) as client,
    ):
        assert client.sendmail("alice@customer.test", ["support@example.test"], raw) == {}
    [row] = inbox_rows(app)
    assert inbox_raw(app, row.id) == raw
    [outcome] = app.runner.process_pending()
    tid = outcome.ticket_id
    assert tid is not None
    [listed] = show(app, tid)["messages"][0]["attachments"]
    assert listed["content_type"] == "message/rfc822" and listed["size"] == len(VENDOR)
    monkeypatch.chdir(tmp_path)
    saved = tmp_path / "saved.eml"
    ran = run(config, "tickets", "attachment", str(tid), "1", "-o", str(saved), capsys=capsys)
    assert ran.code == 0, ran.err
    assert saved.read_bytes() == VENDOR


def test_a_forward_kept_with_lf_line_ends_by_ingest_too(
    app: App,
    config: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A maildir or mbox keeps mail with LF line ends: the attached mail is its LF
    bytes, as they lie in the stored raw mail."""
    raw = _forward(VENDOR).replace(b"\r\n", b"\n")
    (tmp_path / "fw.eml").write_bytes(raw)
    assert run(config, "ingest", str(tmp_path / "fw.eml"), capsys=capsys).code == 0  # processed
    [ticket] = all_tickets(app)
    assert inbox_raw(app, inbox_rows(app)[0].id) == raw
    monkeypatch.chdir(tmp_path)
    args = ("tickets", "attachment", str(ticket["id"]), "1", "-o", "lf.eml")
    assert run(config, *args, capsys=capsys).code == 0
    assert (tmp_path / "lf.eml").read_bytes() == VENDOR.replace(b"\r\n", b"\n")


def test_the_ticket_page_hands_out_the_same_bytes(settings: Settings, clock: FakeClock) -> None:
    async def scenario(client: TestClient[Any, Any], r: Rig, tid: int) -> None:
        await sign_in(client, r, "ops@example.test")
        html = await (await client.get(f"/tickets/{tid}")).text()
        link = re.search(rf'href="(/tickets/{tid}/attachments/\d+)"', html)
        assert link
        got = await client.get(link.group(1))
        assert got.status == 200 and await got.read() == VENDOR

    with rig(settings, clock) as r:
        tid = deliver(r.app, _forward(VENDOR)).ticket_id or 0
        r.serve(lambda c: scenario(c, r, tid))
