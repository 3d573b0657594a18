"""The inbox-accept contract: one duplicate rule, the same answers from both backends."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.core.errors import TransientError
from gateway.core.sniff import header_message_id
from gateway.core.sqlite_url import sqlite_path
from gateway.runtime.app import App
from store import inbox
from store.accept.contract import BYTES_ONLY, RESEND, DuplicateRule, Incoming
from store.accept.generic import SessionInbox, accept_many, open_inbox
from store.accept.sqlite import STREAM_ABOVE, STREAM_PIECE, SqliteInbox
from store.db import transaction
from store.models import InboxRow
from tests.support.mails import mail

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
A = mail(message_id="<a@customer.test>", body="first\n")
A_RESENT = mail(message_id="<a@customer.test>", body="first, via another relay\n")
B = mail(message_id="<b@customer.test>")
NO_ID = b"From: x@customer.test\r\nSubject: no id\r\n\r\nhello\r\n"
# ids with a space inside their brackets, alike up to it: read as their first word,
# both were "abc", and an IMAP rescan took the second mail for the first (never stored)
SPACED_1 = b"Message-ID: <abc def@customer.test>\r\nSubject: one\r\n\r\nhello\r\n"
SPACED_2 = b"Message-ID: <abc ghi@customer.test>\r\nSubject: two\r\n\r\nhello\r\n"
SPACED_1_FOLDED = b"Message-ID: <abc\r\n def@customer.test>\r\nSubject: one\r\n\r\nhi\r\n"

# (what is sent, the rule, whether each item is a duplicate, which earlier item it
# shares a row with: the index of the first item of that row)
CASES = [
    ([A, A, B], BYTES_ONLY, [False, True, False], [0, 0, 2]),
    ([A, A_RESENT], BYTES_ONLY, [False, False], [0, 1]),
    ([A, A_RESENT], RESEND, [False, True], [0, 0]),
    ([A_RESENT, A, B, B], RESEND, [False, True, False, True], [0, 0, 2, 2]),
    ([NO_ID, NO_ID], RESEND, [False, True], [0, 0]),
    ([SPACED_1, SPACED_2], RESEND, [False, False], [0, 1]),
    ([SPACED_1, SPACED_1_FOLDED], RESEND, [False, True], [0, 0]),
]


@pytest.mark.parametrize(
    ("head", "found"),
    [
        (b"Message-ID: <a@customer.test>\r\n", "a@customer.test"),
        (b"message-id:<a@customer.test>\n", "a@customer.test"),
        (b"Message-ID: a@customer.test\n", "a@customer.test"),
        (b"Message-ID: <abc def@customer.test>\n", "abc def@customer.test"),
        (b"Message-ID: <abc\r\n  def@customer.test>\r\n", "abc def@customer.test"),
        (b"Message-ID:\r\n <a@customer.test>\r\n", "a@customer.test"),  # folded at once
        (b"Message-ID: (by relay) <a@customer.test>\n", "a@customer.test"),
        (b"Message-ID: <>\n", None),
        (b"Message-ID: \n", None),
        (b"Subject: x\n", None),
    ],
)
def test_the_header_message_id_is_what_the_brackets_hold(head: bytes, found: str | None) -> None:
    assert header_message_id(head + b"\r\nbody\r\n") == found


def _run(
    app: App, backend: str, items: list[Incoming], rule: DuplicateRule
) -> list[tuple[bool, int]]:
    if backend == "generic":
        with transaction(app.sessions) as s:
            got = accept_many(s, items, now=NOW, rule=rule)
    else:
        path = sqlite_path(app.settings.database.url)
        if path is None:
            pytest.skip("the stdlib backend is for SQLite")
        box = SqliteInbox(path)
        try:
            got = box.accept_many(items, now=NOW, rule=rule)
        finally:
            box.close()
    return [(a.duplicate, a.inbox_id) for a in got]


@pytest.mark.parametrize("backend", ["generic", "sqlite"])
@pytest.mark.parametrize(("raws", "rule", "duplicate", "same_as"), CASES)
def test_both_backends_apply_one_rule(
    app: App,
    backend: str,
    raws: list[bytes],
    rule: DuplicateRule,
    duplicate: list[bool],
    same_as: list[int],
) -> None:
    got = _run(app, backend, [Incoming(r, "smtp") for r in raws], rule)
    assert [d for d, _ in got] == duplicate
    assert [got[i][1] for i in same_as] == [rid for _, rid in got]
    again = _run(app, backend, [Incoming(r, "smtp") for r in raws], rule)
    assert all(d for d, _ in again)  # a second delivery of the batch stores nothing
    assert [rid for _, rid in again] == [rid for _, rid in got]


@pytest.mark.parametrize("backend", ["generic", "sqlite"])
def test_message_id_rule_limited_to_one_source(app: App, backend: str) -> None:
    """An IMAP rescan recognises a Message-ID only when this mailbox stored it."""
    first = _run(app, backend, [Incoming(A, "imap", "u@h:993/INBOX/1/7")], BYTES_ONLY)
    rescan = DuplicateRule(message_id=True, message_id_from="u@h:993/INBOX/")
    other_box = DuplicateRule(message_id=True, message_id_from="u@h:993/Archive/")
    assert _run(app, backend, [Incoming(A_RESENT, "imap", "x")], rescan) == [(True, first[0][1])]
    [(dup, _)] = _run(app, backend, [Incoming(A_RESENT, "imap", "y")], other_box)
    assert not dup


def test_rows_are_the_same_whichever_backend(app: App) -> None:
    path = sqlite_path(app.settings.database.url)
    if path is None:
        pytest.skip("the stdlib backend is for SQLite")
    item = Incoming(A, "smtp", "peer", "x@customer.test", ("support@example.test",))
    other = Incoming(B, "smtp", "peer", "x@customer.test", ("support@example.test",))
    with transaction(app.sessions) as s:
        [g] = accept_many(s, [item], now=NOW)
    box = SqliteInbox(path)
    try:
        [d] = box.accept_many([other], now=NOW)
    finally:
        box.close()
    columns = [
        c
        for c in InboxRow.__table__.columns.keys()  # noqa: SIM118
        if c not in ("id", "raw", "raw_sha256", "size", "message_id")
    ]
    with transaction(app.sessions) as s:
        rows = {r.id: r for r in s.scalars(select(InboxRow))}
        assert {c: getattr(rows[g.inbox_id], c) for c in columns} == {
            c: getattr(rows[d.inbox_id], c) for c in columns
        }


def test_open_inbox_picks_the_backend(app: App) -> None:
    box = open_inbox(app.settings.database.url, app.sessions)
    try:
        sqlite = sqlite_path(app.settings.database.url) is not None
        assert isinstance(box, SqliteInbox if sqlite else SessionInbox)
        [a] = box.accept_many([Incoming(A, "ingest")], now=NOW)
        assert not a.duplicate
    finally:
        box.close()


@pytest.mark.parametrize("size", [STREAM_ABOVE, STREAM_ABOVE + 1, 3 * STREAM_PIECE + 7])
def test_a_big_message_is_stored_byte_for_byte(app: App, size: int) -> None:
    """Above STREAM_ABOVE the SQLite backend writes the bytes into a reserved blob a
    piece at a time: what is read back is what came, to the last byte, around each
    piece's edge too."""
    path = sqlite_path(app.settings.database.url)
    if path is None:
        pytest.skip("the stdlib backend is for SQLite")
    head = mail(message_id=f"<big{size}@customer.test>")
    raw = head + bytes(range(256)) * ((size - len(head)) // 256) + b"x" * ((size - len(head)) % 256)
    assert len(raw) == size
    box = SqliteInbox(path)
    try:
        [a] = box.accept_many([Incoming(raw, "ingest")], now=NOW)
    finally:
        box.close()
    with transaction(app.sessions) as s:
        assert inbox.pending_raw(s, a.inbox_id) == raw


@pytest.mark.parametrize("how", ["removed", "replaced"])
def test_a_database_file_removed_under_the_writer_is_try_again_later(
    app: App, how: str, tmp_path: Path
) -> None:
    """SQLite writes on into a file deleted (or copied over) while it is open, so a
    250 after that would be a mail lost with the old file: the writer answers "try
    again later" instead, and once a database is back at the path it stores there."""
    path = sqlite_path(app.settings.database.url)
    if path is None:
        pytest.skip("the stdlib backend is for SQLite")
    item = Incoming(A, "smtp", "peer", "x@customer.test", ("support@example.test",))
    other = Incoming(B, "smtp", "peer", "x@customer.test", ("support@example.test",))
    box = SqliteInbox(path)
    try:
        box.accept_many([item], now=NOW)
        kept = tmp_path / "kept.db"
        with sqlite3.connect(path) as src, sqlite3.connect(kept) as dst:
            src.backup(dst)  # what a restore would bring back
        for name in (path, f"{path}-wal", f"{path}-shm"):  # the data folder's files, gone
            Path(name).unlink(missing_ok=True)
        if how == "replaced":
            shutil.copy(kept, path)
        with pytest.raises(TransientError, match="removed or replaced"):
            box.accept_many([other], now=NOW)
        if how == "removed":
            shutil.copy(kept, path)
        [stored] = box.accept_many([other], now=NOW)  # the file at the path now
        assert not stored.duplicate
    finally:
        box.close()
    with sqlite3.connect(path) as con:
        assert con.execute("SELECT count(*) FROM inbox").fetchone() == (2,)
