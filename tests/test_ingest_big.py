"""Batch ingest of a big message file (issue #18): on SQLite it is stored from the
file, slimmed from its row and processed without ever being one ``bytes`` object in
the ingest process; what comes out (the row, the ticket, the attachment rows, the
download) is what reading it whole made, on either database."""

from __future__ import annotations

import dataclasses
import hashlib
import random
import tracemalloc
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from gateway.config.settings import DatabaseSettings, Settings
from gateway.core.clock import FakeClock
from gateway.core.i18n import Msg
from gateway.core.sqlite_url import sqlite_path
from gateway.pipeline.parse.attachment_data import stored_file
from gateway.pipeline.parse.message import parse_message
from gateway.receive import bulk
from gateway.receive.files import ALONE_ABOVE, FileInput, RawInput, read_inputs
from gateway.receive.parse_ahead import ParseAhead
from gateway.runtime.app import App, build
from store import ticket_query, tickets
from store.accept import message_file
from store.accept.message_file import FileKeys, MessageFile
from store.db import transaction
from store.models import InboxRaw, InboxRow
from tests.test_parse_slim import TEXT, attachment, b64, mixed


def _big_mail(size: int, seed: int = 2) -> tuple[bytes, bytes]:
    """A request with one attachment of ``size`` random bytes, and those bytes."""
    data = random.Random(seed).randbytes(size)
    head = (
        "From: Carol <carol@customer.test>\nTo: support@example.test\n"
        "Subject: the whole log\nMessage-ID: <big-log@customer.test>\n"
        "Date: Sun, 01 Mar 2026 09:00:00 +0000\n"
    )
    return mixed(TEXT, attachment(b64(data), name="log.bin"), head=head), data


def _small(n: int) -> bytes:
    return (
        f"From: dave{n}@customer.test\nTo: support@example.test\nSubject: small {n}\n"
        f"Message-ID: <small-{n}@customer.test>\nDate: Sun, 01 Mar 2026 09:0{n}:00 +0000\n\n"
        f"printer {n} is jammed\n"
    ).encode()


def _folder(tmp_path: Path, big: bytes) -> Path:
    """Two small mails, the big one, one more small one (it shares the big one's chunk)."""
    folder = tmp_path / "in"
    folder.mkdir()
    for n, raw in enumerate([_small(1), _small(2), big, _small(3)]):
        (folder / f"{n}.eml").write_bytes(raw)
    return folder


def _ingest(app: App, folder: Path, **kwargs: Any) -> tuple[bulk.IngestSummary, list[str]]:
    lines: list[Msg] = []
    summary = bulk.ingest(app.runner, [str(folder)], lines.append, **kwargs)
    return summary, [str(line) for line in lines]


def _facts(app: App) -> dict[str, Any]:
    """Every inbox row, ticket (as ``tickets show --json``) and attachment row."""
    with transaction(app.sessions) as s:
        rows = [
            (r.id, r.state, r.reason, r.size, r.raw_sha256, r.message_id, r.ticket_id)
            for r in s.scalars(select(InboxRow).order_by(InboxRow.id))
        ]
        ids = sorted(t["id"] for t in tickets.list_tickets(s))
        shown = [tickets.detail(s, i) for i in ids]
        files = [ticket_query.numbered_attachment(s, i, 1) for i in ids]
    for shown_ticket in shown:  # our own mails' Message-IDs are random per installation
        for m in (shown_ticket or {}).get("messages", []):
            if m["direction"] == "out":
                m["message_id"] = "(ours)"
    return {
        "rows": rows,
        "tickets": shown,
        "attachments": [(f.filename, f.size, f.sha256) for f in files if f is not None],
    }


def test_a_big_file_is_ingested_as_before(
    app: App, settings: Settings, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw, data = _big_mail(6_000_000)
    assert len(raw) >= ALONE_ABOVE
    folder = _folder(tmp_path, raw)
    summary, lines = _ingest(app, folder)
    assert (summary.stored, summary.unreadable, summary.transient) == (4, 0, False), lines
    assert all(": done, ticket #" in line for line in lines), lines
    facts = _facts(app)
    with transaction(app.sessions) as s:
        row = s.scalars(select(InboxRow).where(InboxRow.size == len(raw))).one()
        stored = s.get(InboxRaw, row.id)
        assert stored is not None and bytes(stored.raw) == raw  # byte for byte
        assert row.raw_sha256 == hashlib.sha256(raw).hexdigest()
        assert row.message_id == "big-log@customer.test" and row.state == "done"
        assert row.ticket_id is not None
        found = ticket_query.numbered_attachment(s, row.ticket_id, 1)
    reference = parse_message(raw, slim_above=None)
    [listed] = reference.attachments
    assert found is not None
    assert (found.filename, found.size, found.sha256) == (
        listed.filename,
        len(data),
        hashlib.sha256(data).hexdigest(),
    )
    assert stored_file(found.source, found.raw, found.sha256) == data  # the download
    [shown] = [t for t in facts["tickets"] if t["subject"] == "the whole log"]
    assert shown["messages"][0]["text"] == reference.text
    assert shown["messages"][0]["attachments"] == [
        {"filename": listed.filename, "size": len(data), "content_type": listed.content_type}
    ]
    if sqlite_path(settings.database.url) is None:
        return  # elsewhere the file is read whole, as it always was
    # the same folder read whole, the way it was before: the same rows and tickets
    monkeypatch.setattr(bulk, "ALONE_ABOVE", 1 << 40)
    url = f"sqlite:///{tmp_path}/read-whole.db"
    whole = build(dataclasses.replace(settings, database=DatabaseSettings(url=url)), clock)
    try:
        _ingest(whole, folder)
        assert _facts(whole) == facts
    finally:
        whole.close()


@pytest.mark.parametrize("workers", [None, 0], ids=["workers", "inline"])
def test_a_big_file_is_never_in_memory_whole(app: App, tmp_path: Path, workers: int | None) -> None:
    """A 27 MB message file (20 MB attachment): the ingest's peak allocation stays a
    few windows (reading it whole made one 27 MB object, and a parse copies of it)."""
    if sqlite_path(app.settings.database.url) is None:
        pytest.skip("PostgreSQL binds the message whole: only SQLite streams it")
    raw, data = _big_mail(20_000_000, seed=3)
    folder = _folder(tmp_path, raw)
    del raw
    tracemalloc.start()
    try:
        ahead = None if workers is None else ParseAhead(workers=workers)
        summary, lines = _ingest(app, folder, ahead=ahead)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert summary.stored == 4 and all(": done, ticket #" in line for line in lines), lines
    with transaction(app.sessions) as s:
        row = s.scalars(select(InboxRow).where(InboxRow.message_id == "big-log@customer.test"))
        ticket_id = row.one().ticket_id
        assert ticket_id is not None
        found = ticket_query.numbered_attachment(s, ticket_id, 1)
    assert found is not None and found.sha256 == hashlib.sha256(data).hexdigest()
    size = (folder / "2.eml").stat().st_size
    assert peak < size // 4, f"peak {peak / 1e6:.1f} MB for a {size / 1e6:.0f} MB file"


def test_a_big_file_that_changes_while_stored_is_not_stored(
    app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Changed between the read for its keys and the write (on SQLite), or read whole
    (elsewhere: nothing to catch): never stored under a digest it does not have. The
    small mail of its chunk is stored all the same; a second ingest stores the file
    as it is now."""
    raw, _ = _big_mail(5_000_000)
    folder = _folder(tmp_path, raw)
    big = folder / "2.eml"
    keys_of = message_file.file_keys

    def then_changed(message: MessageFile) -> FileKeys:
        keys = keys_of(message)
        big.write_bytes(raw.replace(b"the whole log", b"the whole LOG"))
        return keys

    monkeypatch.setattr(message_file, "file_keys", then_changed)
    summary, lines = _ingest(app, folder)
    if sqlite_path(app.settings.database.url) is None:
        assert summary.stored == 4  # never handed over as a file: read whole
        return
    assert (summary.stored, summary.unreadable) == (3, 1), lines
    assert f"{big}: cannot read: changed while it was being stored" in lines
    assert sum(": done, ticket #" in line for line in lines) == 3
    monkeypatch.setattr(message_file, "file_keys", keys_of)
    summary, lines = _ingest(app, folder)
    assert summary.stored == 1, lines
    with transaction(app.sessions) as s:
        row = s.scalars(select(InboxRow).where(InboxRow.size == len(raw))).one()
        assert row.raw_sha256 == hashlib.sha256(big.read_bytes()).hexdigest()


def _kinds(items: Sequence[object]) -> list[str]:
    return [type(i).__name__ for i in items]


def test_big_files_are_left_on_disk_only_when_asked(tmp_path: Path) -> None:
    raw, _ = _big_mail(ALONE_ABOVE)
    folder = _folder(tmp_path, raw)
    left = list(read_inputs([str(folder)], on_disk_above=ALONE_ABOVE))
    assert _kinds(left) == ["RawInput", "RawInput", "ChunkBreak", "FileInput", "RawInput"]
    [on_disk] = [i for i in left if isinstance(i, FileInput)]
    assert (on_disk.path, on_disk.size, on_disk.is_mail) == (str(folder / "2.eml"), len(raw), True)
    read = list(read_inputs([str(folder)]))
    assert _kinds(read) == ["RawInput", "RawInput", "ChunkBreak", "RawInput", "RawInput"]
    assert [i.raw for i in read if isinstance(i, RawInput)][2] == raw
