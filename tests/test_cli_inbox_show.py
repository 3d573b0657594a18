"""``ticket-gateway inbox show ID``: one inbox row as text, for the admin looking at mail
the gateway holds without a ticket (an auto-reply ignored, a command refused, a shunted
row) where ``inbox list`` gives only its state and reason.

The row's state, source, reason and ticket, the mail's headers (decoded, one line each,
what a terminal would obey escaped), its text (an HTML-only mail as the parser's text,
never its markup) and its attachments by name and size (never their bytes), labelled in
the CLI's language; ``--json`` the same data. An unknown row is said, exit 69, as
``inbox retry`` and ``tickets show`` say theirs. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import subprocess
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.support.cli import Ran, run
from tests.support.config import SECRET_ENV, write_config
from tests.support.daemon import clean_env, console_script

EX_OK, EX_UNAVAILABLE = 0, 69
SECRET_BYTES = b"%PDF-1.4 the attachment's own bytes, never printed"


def _held_mail() -> bytes:
    """An auto-reply that belongs to no ticket (held: ignored), HTML only, with a subject
    carrying a C1 control (CSI: clears a terminal) and a bidi override (reverses the
    rest of the line), and a PDF attached."""
    m = EmailMessage()
    m["From"] = "Out Of Office <ooo@customer.test>"
    m["To"] = "support@example.test"
    m["Subject"] = "Away until Monday \x9b2J \u202eboss"
    m["Message-ID"] = "<held-1@customer.test>"
    m["Auto-Submitted"] = "auto-replied"
    m.set_content(
        "<html><body><p>I am <b>away</b> until Monday.</p>"
        "<script>alert('x')</script></body></html>",
        subtype="html",
    )
    m.add_attachment(SECRET_BYTES, maintype="application", subtype="pdf", filename="plan.pdf")
    return bytes(m)


@pytest.fixture
def site(
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Path:
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    config = write_config(tmp_path, url=db_url)
    (tmp_path / "held.eml").write_bytes(_held_mail())
    assert run(config, "ingest", str(tmp_path / "held.eml"), capsys=capsys).code == EX_OK
    return config


def _row(config: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    listed = run(config, "inbox", "list", "--json", capsys=capsys)
    [row] = json.loads(listed.out)
    assert row["state"] == "ignored" and row["ticket"] is None, row
    return dict(row)


def _show(config: Path, capsys: pytest.CaptureFixture[str], *args: str) -> Ran:
    return run(config, "inbox", "show", *args, capsys=capsys)


def test_a_held_mail_is_shown_as_text(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    row = _row(site, capsys)
    shown = _show(site, capsys, str(row["id"]))
    assert shown.code == EX_OK, shown
    out = shown.out
    assert f"Inbox #{row['id']}: ignored" in out, out
    assert str(row["reason"]) in out, out  # why it is held
    assert "From: Out Of Office <ooo@customer.test>" in out, out
    assert "To: support@example.test" in out, out
    assert "Subject: Away until Monday" in out, out
    assert "I am away until Monday." in out, out  # the HTML's text …
    assert "<b>" not in out and "<p>" not in out and "alert" not in out, out  # … not its markup
    assert "plan.pdf" in out and f"{len(SECRET_BYTES)} bytes" in out, out
    assert "never printed" not in out and "PDF-1.4" not in out, out


def test_what_a_terminal_would_obey_is_not_written(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The real console script on a real stream: the C1 control the parser drops, the
    bidi override the stream escapes (the CLI's one place: gateway.runtime.cli.terminal)."""
    row = _row(site, capsys)
    done = subprocess.run(
        [console_script(), "--config", str(site), "inbox", "show", str(row["id"])],
        capture_output=True,
        env=clean_env(**SECRET_ENV, LANG="C.UTF-8"),
        timeout=60,
        check=False,
    )
    assert done.returncode == EX_OK, done.stderr
    out = done.stdout.decode()
    assert "Subject: Away until Monday" in out and "boss" in out, out
    assert "\x9b" not in out and "\u202e" not in out, out
    assert "\\u202eboss" in out, out  # escaped: shown, not obeyed


def test_labels_are_in_the_clis_language(
    site: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    row = _row(site, capsys)
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    shown = _show(site, capsys, str(row["id"]))
    assert shown.code == EX_OK, shown
    assert f"受信 #{row['id']}" in shown.out and "件名: Away until Monday" in shown.out, shown
    assert "差出人: Out Of Office <ooo@customer.test>" in shown.out, shown
    assert "Subject:" not in shown.out and "From:" not in shown.out, shown


def test_json_holds_the_same(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    row = _row(site, capsys)
    shown = _show(site, capsys, str(row["id"]), "--json")
    assert shown.code == EX_OK, shown
    data = json.loads(shown.out)
    assert data["id"] == row["id"] and data["state"] == "ignored" and data["ticket"] is None
    assert data["reason"] == row["reason"]
    assert data["from"] == "Out Of Office <ooo@customer.test>"
    assert data["subject"].startswith("Away until Monday") and "\x9b" not in data["subject"]
    assert "I am away until Monday." in data["text"] and "<b>" not in data["text"]
    assert data["attachments"] == [
        {"filename": "plan.pdf", "size": len(SECRET_BYTES), "content_type": "application/pdf"}
    ]


def test_an_unknown_row_is_said_and_not_zero(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shown = _show(site, capsys, "999")
    assert shown.code == EX_UNAVAILABLE, shown
    assert "no inbox row #999" in shown.err and not shown.out, shown


def test_a_web_forms_row_shows_its_payload(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A row of a structured door (web, Slack) holds JSON, not mail: shown as it is."""
    from datetime import UTC, datetime

    from gateway.config.load import load_settings
    from gateway.runtime.app import build
    from store import inbox
    from store.db import transaction

    payload = b'{"entry": "vpn", "fields": {"subject": "VPN from the form"}}'
    app = build(load_settings(site))
    try:
        with transaction(app.sessions) as s:
            stored = inbox.accept(s, payload, source="web", now=datetime.now(UTC))
    finally:
        app.close()
    shown = _show(site, capsys, str(stored.inbox_id))
    assert shown.code == EX_OK, shown
    assert "source: web" in shown.out and payload.decode() in shown.out, shown
    assert "From:" not in shown.out, shown
