"""Raw messages from files, folders, maildirs, mbox files and stdin.

Only reading happens here; storing is the caller's (the ``ingest`` command's)
job. Each yielded item names where it came from so the summary line and the
inbox row can say so. A caller whose store can take a message from its file a
piece at a time asks for big message files to be left on disk (a
:class:`FileInput` instead of a :class:`RawInput`): they are then never read
whole here (issue #18).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from gateway.core.i18n import N_, Msg
from gateway.core.os_errors import os_error
from gateway.core.sniff import SNIFF_BYTES, looks_like_mail
from gateway.receive.folders import (
    NAME_IT,
    NotListed,
    PassedOver,
    folder_files,
    moved_to_cur,
)
from gateway.receive.mbox import (
    begins_an_mbox,
    envelope_sender,
    mbox_messages,
    piped_message,
    writer_escaped,
)
from gateway.receive.mbox_file import BEING_WRITTEN, CHANGED, Changed, Held, LockedLines
from gateway.receive.stdin import NO_STDIN, standard_input


@dataclass(frozen=True, slots=True)
class RawInput:
    ref: str  # "path", "path#3" for the 3rd message of an mbox, "-" for stdin
    raw: bytes
    is_mail: bool
    explicit: bool = True  # named on the command line (not found inside a folder)
    # the sender stdin's envelope line or an mbox message's From_ line names ("" for <>)
    envelope_from: str | None = None


@dataclass(frozen=True, slots=True)
class FileInput:
    """A message file left on disk (``read_inputs(on_disk_above=…)``): stored from the
    file a piece at a time (:class:`store.accept.message_file.MessageFile`), never
    held whole by the ingest."""

    ref: str
    path: str
    size: int  # when it was found; the store reads it again, and checks what it reads
    is_mail: bool  # from its first bytes, all that the sniff looks at
    explicit: bool = True


Mail = RawInput | FileInput  # an input that may be mail


@dataclass(frozen=True, slots=True)
class UnreadableInput:
    ref: str
    problem: str | Msg  # ours in the reader's language; the system's words as it said them


@dataclass(frozen=True, slots=True)
class ChunkBreak:
    """Said before a file of :data:`ALONE_ABOVE` bytes or more is read: the chunk so
    far is stored and processed first, so that a big message is never in memory
    together with a chunk's worth of others (:func:`chunked` consumes it)."""


Item = RawInput | FileInput | UnreadableInput | PassedOver | ChunkBreak
Input = RawInput | FileInput | UnreadableInput | PassedOver  # what a chunk holds


def read_inputs(specs: list[str], *, on_disk_above: int | None = None) -> Iterator[Item]:
    """Every input of ``specs`` in order; message files of ``on_disk_above`` bytes or
    more (None: none) as :class:`FileInput`, left on disk. An mbox and standard
    input are always read."""
    named = frozenset(os.path.realpath(s) for s in specs if s != "-")
    for spec in specs or ["-"]:
        if spec == "-":
            raw = standard_input()  # a pipe(8) with flag F: the envelope line goes (.mbox)
            if raw is None:
                yield UnreadableInput("-", NO_STDIN)
            else:
                mail = piped_message(raw, escaped=writer_escaped(os.environ))
                yield RawInput("-", mail, looks_like_mail(mail), envelope_from=envelope_sender(raw))
            continue
        path = Path(spec)
        if path.is_dir():
            yield from _folder(path, on_disk_above, named)
        elif path.is_file():
            yield from _file(path, explicit=True, on_disk_above=on_disk_above)
        elif path.exists():  # a pipe, a socket, a device: reading it may never end
            yield UnreadableInput(spec, N_("not a regular file"))
        else:
            yield UnreadableInput(spec, N_("no such file or folder"))


def _item(ref: str, raw: bytes, explicit: bool = True) -> RawInput:
    return RawInput(ref, raw, looks_like_mail(raw), explicit)


def _folder(
    root: Path, on_disk_above: int | None, named: frozenset[str] = frozenset()
) -> Iterator[Item]:
    """Every message file below ``root``, in a stable order; maildir ``tmp/`` skipped,
    and every folder not read said (:mod:`.folders`), the one named too when it holds
    no message file at all (a maildir's ``new/`` named when the mail was in ``cur/``
    said nothing and exited 0). What is passed over here but ``named`` on the command
    line too (``ingest Maildir Maildir/.Customers``) is read as named, and its line,
    which tells to name it, is not said."""
    files = 0
    for found in folder_files(root):
        if isinstance(found, PassedOver):
            if found.why not in NAME_IT or os.path.realpath(found.ref) not in named:
                yield found
        elif isinstance(found, NotListed):
            files += 1  # said as unreadable: not "no message file"
            yield UnreadableInput(str(found.path), os_error(found.error))
        elif not _special(found):
            files += 1
            if not found.exists():  # moved by a reader since its folder was listed?
                found = moved_to_cur(found) or found
            yield from _file(found, explicit=False, on_disk_above=on_disk_above)
    if not files:
        yield PassedOver(str(root), NO_FILES)


def _special(path: Path) -> bool:
    """A named pipe, a socket or a device among a folder's files: not a message file,
    and opening a pipe waits for a writer that never comes (the ingest hung). A link is
    followed; one that cannot be (a loop, a dangling one) is left to :func:`_file`,
    which says it cannot be read."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode)


def _file(path: Path, *, explicit: bool, on_disk_above: int | None = None) -> Iterator[Item]:
    try:
        with path.open("rb") as fh:
            mbox = begins_an_mbox(iter(lambda: fh.readline(FROM_LINE_MAX), b""))
            size = os.fstat(fh.fileno()).st_size
    except OSError as exc:
        yield UnreadableInput(str(path), os_error(exc))
        return
    if size == 0:  # an emptied mailbox (/var/mail/support): no message, nothing lost
        yield PassedOver(str(path), EMPTY)
        return
    if mbox:  # a file that only begins "From " is one message (or not mail)
        yield from _mbox(path, explicit)
        return
    if size >= ALONE_ABOVE:
        yield ChunkBreak()  # before the read: the chunk so far goes first
    if on_disk_above is not None and size >= on_disk_above:
        yield _on_disk(path, explicit)
        return
    try:
        raw = path.read_bytes()
    except OSError as exc:
        yield UnreadableInput(str(path), os_error(exc))
        return
    yield _item(str(path), raw, explicit)


def _on_disk(path: Path, explicit: bool) -> FileInput | UnreadableInput:
    """A big message file, looked at (its first bytes, its size) but not read."""
    try:
        with path.open("rb") as fh:
            head = fh.read(SNIFF_BYTES)
            size = os.fstat(fh.fileno()).st_size
    except OSError as exc:
        return UnreadableInput(str(path), os_error(exc))
    return FileInput(str(path), str(path), size, looks_like_mail(head), explicit)


# Policy: the longest first line read to tell an mbox (its From_ line) from a message
FROM_LINE_MAX = 1000  # RFC 5322's line limit; a From_ line is far shorter


def _mbox(path: Path, explicit: bool) -> Iterator[RawInput | UnreadableInput]:
    """The messages of an mbox file, split on real From_ lines (:mod:`.mbox`); a piece
    that is not mail counts as the mbox does: named on the command line (an error), or
    found in a folder (skipped, like a stray file). Either way it has its line. Each
    keeps the sender its From_ line names: a message with no From is theirs. Read under
    a shared lock let go whenever a message is handed on (:mod:`.mbox_file`): a
    delivery never waits while the messages are stored and processed."""
    try:
        with path.open("rb") as fh:
            lines = LockedLines(fh)
            try:
                for n, (raw, sender) in enumerate(mbox_messages(lines), start=1):
                    lines.release()
                    yield RawInput(f"{path}#{n}", raw, looks_like_mail(raw), explicit, sender)
            except Held:
                yield UnreadableInput(str(path), BEING_WRITTEN)
            except Changed:
                yield UnreadableInput(str(path), CHANGED)
            finally:
                lines.release()
    except OSError as exc:
        yield UnreadableInput(str(path), os_error(exc))


EMPTY = N_("empty, no message in it")
NO_FILES = N_("no message file in it")  # a folder, its subfolders too


CHUNK_MESSAGES = 64
CHUNK_BYTES = 16 * 2**20
# Policy: a message file this big starts a chunk of its own (issue #18: batch ingest's
# memory bounded by the larger of a chunk and the biggest message, not their sum).
ALONE_ABOVE = CHUNK_BYTES // 4


def chunked(
    items: Iterable[Item],
    max_items: int = CHUNK_MESSAGES,
    max_bytes: int = CHUNK_BYTES,
) -> Iterator[list[Input]]:
    """Groups to store in one transaction: one commit per group, not per message,
    with memory bounded by ``max_bytes`` however large the folder (and a ChunkBreak
    ends a chunk early: a big message comes next)."""
    for group in chunked_with_breaks(items, max_items, max_bytes):
        if not isinstance(group, ChunkBreak):
            yield group


def chunked_with_breaks(
    items: Iterable[Item],
    max_items: int = CHUNK_MESSAGES,
    max_bytes: int = CHUNK_BYTES,
) -> Iterator[list[Input] | ChunkBreak]:
    """:func:`chunked`, with each ChunkBreak passed on after the chunk it ended: a
    caller that reads one chunk ahead (batch ingest) must not read past a break,
    or the big message would be in memory beside the chunk before it."""
    chunk: list[Input] = []
    size = 0
    for item in items:
        if isinstance(item, ChunkBreak):
            if chunk:
                yield chunk
                chunk, size = [], 0
            yield item
            continue
        chunk.append(item)
        size += _weight(item)
        if len(chunk) >= max_items or size >= max_bytes:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def _weight(item: Input) -> int:
    """What an input counts for in a chunk's bytes: a file left on disk, what storing it
    writes in the chunk's transaction."""
    if isinstance(item, RawInput):
        return len(item.raw)
    return item.size if isinstance(item, FileInput) else 0
