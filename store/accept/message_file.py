"""A message left in its file and stored from there, a piece at a time (issue #18).

Batch ``ingest`` meets message files of tens of megabytes (a 25 MB attachment
is a 34 MB file). Read whole, such a file was the biggest thing the ingest
process held; a backend that writes a row a piece at a time (SQLite's
incremental blob I/O, :mod:`store.accept.sqlite`) need not have it whole at all.

The file is read twice, a piece at a time each time: once for the keys the
duplicate rule looks at (the digest of every byte, the Message-ID of the header
block: what :func:`store.accept.contract.candidates` takes of bytes in memory),
then once more to store it. The second read is hashed too and must give the
same size and digest, or :class:`MessageFileError` is raised and the caller's
transaction stores nothing: a file that changes under us is never stored as one
thing and recorded, deduplicated or parsed as another.

Stdlib only, like the contract that imports it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from gateway.core.i18n import N_, Msg
from gateway.core.os_errors import os_error
from gateway.core.sniff import header_message_id

PIECE = 1 << 20  # bytes read from the file at a time: what storing a big file costs

_BLANK_LINES = (b"\n\n", b"\r\n\r\n")  # where header_message_id ends the header block


@dataclass(frozen=True, slots=True)
class MessageFile:
    """A message to store from its file instead of from memory."""

    path: str
    size: int  # when it was found (fstat); what is stored is what is read when storing


class MessageFileError(Exception):
    """A message file could not be read, or changed while it was stored; nothing of
    the batch it was in was stored."""

    def __init__(self, path: str, problem: Msg) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


@dataclass(frozen=True, slots=True)
class FileKeys:
    """What the duplicate rule and the inbox row take of a message file."""

    size: int
    sha256: str
    message_id: str | None


def file_keys(message: MessageFile) -> FileKeys:
    """Size, digest and header Message-ID of the file, read a piece at a time. The
    header block is kept only up to its end (the whole file when it has none: then
    :func:`header_message_id` of the bytes would have searched all of them too)."""
    digest = hashlib.sha256()
    size = 0
    head = bytearray()
    head_end = -1
    for piece in _pieces(message.path):
        digest.update(piece)
        size += len(piece)
        if head_end < 0:
            seen = len(head)
            head += piece
            head_end = _header_end(head, max(0, seen - 8))
    head_bytes = bytes(head[:head_end] if head_end >= 0 else head)
    return FileKeys(size, digest.hexdigest(), header_message_id(head_bytes))


def _header_end(head: bytearray, since: int) -> int:
    """Where a prefix of the message may be cut with the same header_message_id as the
    whole: past its first blank line (found whole, not cut by the prefix's end);
    -1 while no such line has been read."""
    found = [i for i in (head.find(b, since) for b in _BLANK_LINES) if i >= 0]
    first = min(found, default=-1)
    # a CRLF CRLF may still start before a LF LF found at the very end: 4 bytes more
    return first + 4 if 0 <= first <= len(head) - 4 else -1


def stream_file(message: MessageFile, keys: FileKeys, write: Callable[[bytes], object]) -> None:
    """Hand the file's bytes to ``write`` a piece at a time, or raise
    :class:`MessageFileError` when they are not the ones ``keys`` describes (the
    caller then rolls back whatever ``write`` wrote)."""
    digest = hashlib.sha256()
    size = 0
    for piece in _pieces(message.path):
        size += len(piece)
        if size > keys.size:
            raise MessageFileError(message.path, N_("changed while it was being stored"))
        digest.update(piece)
        write(piece)
    if size != keys.size or digest.hexdigest() != keys.sha256:
        raise MessageFileError(message.path, N_("changed while it was being stored"))


def read_whole(message: MessageFile, keys: FileKeys) -> bytes:
    """The file's bytes in one object, checked against ``keys``: for a backend that
    binds a message as one parameter anyway (PostgreSQL, :mod:`store.accept.generic`)."""
    try:
        with open(message.path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise MessageFileError(message.path, os_error(exc)) from exc
    if len(data) != keys.size or hashlib.sha256(data).hexdigest() != keys.sha256:
        raise MessageFileError(message.path, N_("changed while it was being stored"))
    return data


def _pieces(path: str) -> Iterator[bytes]:
    try:
        with open(path, "rb") as fh:
            while piece := fh.read(PIECE):
                yield piece
    except OSError as exc:
        raise MessageFileError(path, os_error(exc)) from exc
