"""A fault of ours at DATA (here: the SQLite turnstile's lock file cannot be opened, as
when the process is out of file descriptors) is answered as every other failure to
store: ``451 4.3.0`` once per accepted LMTP recipient, and the transaction ends, so
the sender's next MAIL starts a new one. aiosmtpd answered one line whatever LMTP's
recipients (the client then waited for the rest, or took the next replies for them),
and kept the transaction: the next MAIL got ``503 nested MAIL command``."""

from __future__ import annotations

import os

import pytest

from gateway.config.settings import Settings
from gateway.runtime.app import App
from store.accept.sqlite import SqliteInbox
from store.turnstile import Turnstile
from tests.support.databases import sqlite_only
from tests.support.pipeline import inbox_rows
from tests.support.smtp import Wire, listening, smtp_settings


@pytest.mark.parametrize("lmtp", [False, True], ids=["smtp", "lmtp"])
@sqlite_only
def test_a_fault_at_data_is_451_per_recipient_and_ends_the_transaction(
    app: App, settings: Settings, lmtp: bool
) -> None:
    path = settings.database.url.split("///", 1)[1]
    blocker = Turnstile(path).path
    os.mkdir(blocker)  # the lock file cannot be opened: a directory is in its place
    cfg = smtp_settings(settings, lmtp=lmtp, aliases=("help@example.test",))
    direct = SqliteInbox(path, busy_timeout_ms=200)
    message = b"Subject: x\r\n\r\nhi\r\n."
    with listening(cfg, app.sessions, app.clock, direct) as srv:
        wire = Wire(srv.port)
        try:
            wire.command(b"LHLO client.test" if lmtp else b"EHLO client.test")
            wire.envelope(b"support@example.test", b"help@example.test")
            replies = [wire.command(message)] + ([wire.reply()] if lmtp else [])
            assert all(r.startswith(b"451 4.3.0 ") for r in replies), replies
            assert wire.command(b"NOOP").startswith(b"250")  # nothing else was waiting
            os.rmdir(blocker)  # the fault is gone: the sender's retry is stored
            wire.envelope(b"support@example.test", b"help@example.test")
            replies = [wire.command(message)] + ([wire.reply()] if lmtp else [])
            assert all(r.startswith(b"250 2.0.0 ") for r in replies), replies
        finally:
            wire.sock.close()
    assert len(inbox_rows(app)) == 1
