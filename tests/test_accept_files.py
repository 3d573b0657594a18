"""A message handed over as its file (:mod:`store.accept.message_file`): the same keys,
the same duplicate answers and the same row as its bytes, from either backend; and
a file that changes or vanishes while it is stored stores nothing."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.core.sniff import header_message_id
from gateway.core.sqlite_url import sqlite_path
from gateway.runtime.app import App
from store.accept import contract, message_file
from store.accept.contract import Incoming
from store.accept.generic import accept_many
from store.accept.message_file import MessageFile, MessageFileError, file_keys
from store.accept.sqlite import STREAM_PIECE, SqliteInbox
from store.db import transaction
from store.models import InboxRaw, InboxRow
from tests.support.mails import mail

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
HEAD = b"From: a@customer.test\r\nSubject: big\r\nMessage-ID: <file@customer.test>\r\n"

SHAPES = {
    "crlf": HEAD + b"\r\n" + b"body line\r\n" * 50,
    "lf": HEAD.replace(b"\r\n", b"\n") + b"\n" + b"body\n" * 50,
    "no blank line": HEAD * 3,
    "id only in the body": b"From: a@x.test\n\nMessage-ID: <body@x.test>\n",
    "crlf blank line after a lone lf": b"From: a@x.test\nX: y\r\n\r\nMessage-ID: <b@x.test>\n",
    "id after an lf blank line in a crlf head": HEAD + b"X: 1\n\nMessage-ID: <late@x.test>\r\n",
    "empty": b"",
}


@pytest.mark.parametrize("piece", [1, 2, 3, 5, 64, 1 << 20])
@pytest.mark.parametrize("raw", SHAPES.values(), ids=SHAPES.keys())
def test_the_keys_of_a_file_are_those_of_its_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, raw: bytes, piece: int
) -> None:
    """Read a piece at a time, with the header block's end at every edge of a piece."""
    monkeypatch.setattr(message_file, "PIECE", piece)
    path = tmp_path / "m.eml"
    path.write_bytes(raw)
    keys = file_keys(MessageFile(str(path), len(raw)))
    assert keys.size == len(raw)
    assert keys.sha256 == hashlib.sha256(raw).hexdigest()
    assert keys.message_id == header_message_id(raw)


def _big(tmp_path: Path, name: str = "big.eml", size: int = 3 * STREAM_PIECE + 11) -> Path:
    head = mail(subject="big", message_id=f"<{name}@customer.test>")
    body = bytes(range(32, 127)) * (size // 95 + 1)
    path = tmp_path / name
    path.write_bytes(head + body[: size - len(head)])
    return path


def _accept(app: App, backend: str, items: list[Incoming]) -> list[contract.Accepted]:
    if backend == "generic":
        with transaction(app.sessions) as s:
            return accept_many(s, items, now=NOW)
    path = sqlite_path(app.settings.database.url)
    if path is None:
        pytest.skip("the stdlib backend is for SQLite")
    box = SqliteInbox(path)
    try:
        return box.accept_many(items, now=NOW)
    finally:
        box.close()


def _row(app: App, inbox_id: int) -> tuple[int, str, str | None, bytes]:
    with transaction(app.sessions) as s:
        row = s.get(InboxRow, inbox_id)
        raw = s.scalar(select(InboxRaw.raw).where(InboxRaw.inbox_id == inbox_id))
        assert row is not None and raw is not None
        return row.size, row.raw_sha256, row.message_id, bytes(raw)


@pytest.mark.parametrize("backend", ["generic", "sqlite"])
def test_a_file_is_stored_as_its_bytes_would_be(app: App, tmp_path: Path, backend: str) -> None:
    path = _big(tmp_path)
    raw = path.read_bytes()
    [a, small] = _accept(
        app, backend, [Incoming(MessageFile(str(path), len(raw)), "ingest"), Incoming(mail(), "x")]
    )
    assert not a.duplicate and not small.duplicate
    assert _row(app, a.inbox_id) == (
        len(raw),
        hashlib.sha256(raw).hexdigest(),
        "big.eml@customer.test",
        raw,
    )
    # the same message again, as bytes or as its file: stored once
    [again, as_file] = _accept(
        app, backend, [Incoming(raw, "smtp"), Incoming(MessageFile(str(path), 0), "ingest")]
    )
    assert (again.duplicate, again.inbox_id) == (True, a.inbox_id)
    assert (as_file.duplicate, as_file.inbox_id) == (True, a.inbox_id)


@pytest.mark.parametrize("backend", ["generic", "sqlite"])
def test_a_file_that_changes_while_stored_stores_nothing(
    app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backend: str
) -> None:
    """Its keys read, then a byte changed before it is written: the batch is rolled
    back (nothing stored under a digest its bytes do not have); stored again, the
    file is what it is now."""
    path = _big(tmp_path)
    keys_of = message_file.file_keys

    def then_changed(message: MessageFile) -> message_file.FileKeys:
        keys = keys_of(message)
        data = bytearray(path.read_bytes())
        data[-5] ^= 1
        path.write_bytes(bytes(data))
        return keys

    monkeypatch.setattr(message_file, "file_keys", then_changed)
    item = Incoming(MessageFile(str(path), path.stat().st_size), "ingest")
    with pytest.raises(MessageFileError) as caught:
        _accept(app, backend, [Incoming(mail(), "x"), item])
    assert caught.value.path == str(path) and "changed" in str(caught.value.problem)
    with transaction(app.sessions) as s:
        assert s.scalars(select(InboxRow)).all() == []
    monkeypatch.setattr(message_file, "file_keys", keys_of)
    [a] = _accept(app, backend, [item])
    assert _row(app, a.inbox_id)[3] == path.read_bytes()


@pytest.mark.parametrize("backend", ["generic", "sqlite"])
def test_a_file_that_vanished_stores_nothing(app: App, tmp_path: Path, backend: str) -> None:
    item = Incoming(MessageFile(str(tmp_path / "gone.eml"), 10), "ingest")
    with pytest.raises(MessageFileError) as caught:
        _accept(app, backend, [Incoming(mail(), "x"), item])
    assert caught.value.path == str(tmp_path / "gone.eml")
    with transaction(app.sessions) as s:
        assert s.scalars(select(InboxRow)).all() == []


def test_a_stored_row_is_read_a_range_at_a_time(app: App, tmp_path: Path) -> None:
    path = sqlite_path(app.settings.database.url)
    if path is None:
        pytest.skip("blob I/O is SQLite's")
    raw = _big(tmp_path).read_bytes()
    box = SqliteInbox(path)
    try:
        [a] = box.accept_many([Incoming(raw, "ingest")], now=NOW)
        with box.stored(a.inbox_id) as stored:
            assert stored is not None
            assert (stored.size, stored.sha256) == (len(raw), hashlib.sha256(raw).hexdigest())
            for start, end in ((0, 10), (5, STREAM_PIECE + 9), (len(raw) - 3, len(raw))):
                assert stored.read(start, end) == raw[start:end]
        with box.stored(a.inbox_id + 1) as missing:
            assert missing is None
    finally:
        box.close()
