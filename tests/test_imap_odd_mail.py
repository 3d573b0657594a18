"""Mail as a support mailbox really holds it, read by the poller from a real Dovecot:
empty, 8-bit headers, a NUL, a bare CR, an mbox ``From `` line, ISO-2022-JP (with
Windows' extension characters) and raw Shift_JIS. Each is stored once, as the server
hands it out, and the folder is left empty; the mail becomes a ticket with its
Japanese read right, and an empty message is kept and ignored, never lost."""

from __future__ import annotations

import base64
import os
import pwd
import secrets

import pytest

from gateway.receive.imap import ImapPoller
from gateway.runtime.app import App
from tests.support.databases import sqlite_only
from tests.support.dovecot import Dovecot
from tests.support.jis import encode_cp50221
from tests.support.pipeline import all_tickets, inbox_raw, inbox_rows, show


def deliver_file(server: Dovecot, user: str, raw: bytes) -> None:
    """Put ``raw`` in the user's Maildir as a local delivery agent would (``new/``):
    APPEND cannot carry some of these (a NUL), and an MTA delivers them all."""
    with server.client(user) as c:
        c.select_folder("INBOX")  # makes the Maildir
    maildir = server.root / "home" / user / "Maildir"
    name = f"{secrets.token_hex(8)}.M1P1.test"
    path = maildir / "tmp" / name
    path.write_bytes(raw)
    nobody = pwd.getpwnam("nobody")
    os.chown(path, nobody.pw_uid, nobody.pw_gid)
    path.rename(maildir / "new" / name)


HEAD = (
    b"From: Tanaka <tanaka@customer.test>\r\nTo: support@example.test\r\n"
    b"Date: Sun, 1 Mar 2026 09:00:00 +0000\r\nMessage-ID: <odd@customer.test>\r\n"
)
JIS_SUBJECT = b"=?ISO-2022-JP?B?" + base64.b64encode(encode_cp50221("VPNが繋がりません")) + b"?="
JAPANESE = b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset="

# name: (the bytes delivered, what the server hands out if not those, subject, body words)
ODD = {
    "8bit-header": (
        HEAD + "Subject: VPNが繋がりません\r\n\r\n本文です\r\n".encode(),
        None,
        "VPNが繋がりません",
        "本文です",
    ),
    "nul": (  # Dovecot hands a NUL out as 0x80
        HEAD + b"Subject: with a NUL\r\n\r\nbefore\x00after\r\n",
        HEAD + b"Subject: with a NUL\r\n\r\nbefore\x80after\r\n",
        "with a NUL",
        "before",
    ),
    "bare-cr": (
        HEAD + b"Subject: with a bare CR\r\n\r\nline one\rline two\r\n",
        None,
        "with a bare CR",
        "line two",
    ),
    "mbox-from": (
        b"From tanaka@customer.test Sun Mar  1 09:00:00 2026\r\n"
        + HEAD
        + b"Subject: after an mbox From line\r\n\r\nbody\r\n",
        None,
        "after an mbox From line",
        "body",
    ),
    "iso-2022-jp": (
        HEAD
        + b"Subject: "
        + JIS_SUBJECT
        + b"\r\n"
        + JAPANESE
        + b"ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit\r\n\r\n"
        + encode_cp50221("お世話になっております。①番の端末です。")
        + b"\r\n",
        None,
        "VPNが繋がりません",
        "①番の端末です",
    ),
    "shift_jis": (  # an old mailer: the subject raw Shift_JIS, no encoded-word
        HEAD
        + b"Subject: "
        + "プリンタが壊れました".encode("cp932")
        + b"\r\n"
        + JAPANESE
        + b"Shift_JIS\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        + "印刷できません。㈱例え".encode("cp932")
        + b"\r\n",
        None,
        "プリンタが壊れました",
        "㈱例え",
    ),
}


def read_once(app: App, server: Dovecot, user: str) -> list[int]:
    """What two passes stored, and what is left in the folder after them."""
    with ImapPoller(server.account(user), app.settings, app.sessions, app.clock) as p:
        assert [p.poll_once(), p.poll_once()] == [1, 0]
        assert p.status.last_problem is None
    with server.client(user) as c:
        c.select_folder("INBOX", readonly=True)
        return list(c.search("ALL"))


@sqlite_only
@pytest.mark.parametrize("name", list(ODD))
def test_odd_mail_is_stored_once_as_served_and_becomes_a_ticket(
    app: App, dovecot: Dovecot, name: str
) -> None:
    raw, served, subject, words = ODD[name]
    user = dovecot.add_user()
    deliver_file(dovecot, user, raw)
    assert read_once(app, dovecot, user) == []
    [row] = inbox_rows(app)
    assert inbox_raw(app, row.id) == (served or raw)
    app.runner.process_pending()
    [ticket] = all_tickets(app)
    assert ticket["subject"] == subject
    assert words in show(app, ticket["id"])["messages"][0]["text"]


@sqlite_only
def test_an_empty_message_is_kept_and_ignored_never_lost(app: App, dovecot: Dovecot) -> None:
    user = dovecot.add_user()
    deliver_file(dovecot, user, b"")
    assert read_once(app, dovecot, user) == []
    [row] = inbox_rows(app)
    assert inbox_raw(app, row.id) == b""
    app.runner.process_pending()
    assert all_tickets(app) == []
    assert [r.state for r in inbox_rows(app)] == ["ignored"]
