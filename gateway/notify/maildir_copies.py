"""The outbound maildir's copies of given outbox rows, found and removed (a person's
erasure, ``requesters forget``: :mod:`gateway.tickets.erasure` names the rows).

Each mail the sender writes there is named ``…Q<outbox id>R…``
(:func:`gateway.outbound.maildir.unique_name`),
in ``tmp/`` while it is written, in ``new/`` until a reader takes it, in ``cur/`` once
one has (with ``:2,…`` flags after the name). A file is taken for a row's copy only when
its name carries the row's id *and* its Message-ID is the row's: another database's
gateway writing to the same folder numbers its rows too.

A file under a copy's name that cannot be read or removed (no permission, a disk
error, a folder or a FIFO there) raises, for ``requesters forget`` (which promises the
copies gone: it stops, nothing erased); the retention's pass, which must not stop on
one such file for ever, passes a list that collects it instead (``problems``).
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Mapping
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path

from gateway.core.folders import sync_folder

SUBDIRS = ("tmp", "new", "cur")  # a maildir's folders (the maildir protocol's, as the sender's)
_ROW = re.compile(r"\.M\d+P\d+Q(\d+)R[0-9a-f]+\.")
HEAD_BYTES = 65_536  # a mail's header block is read, never its body


Problems = list[tuple[Path, OSError]]  # a file, and why it could not be read or removed


def copies(path: Path, rows: Mapping[int, str], problems: Problems | None = None) -> list[Path]:
    """The files in the maildir at ``path`` that are copies of ``rows`` (outbox id →
    Message-ID without brackets), in name order; none when the folder is not there.
    A file under a row's name that cannot be read raises, or with ``problems`` is
    added there and passed over."""
    found: list[Path] = []
    if not rows:
        return found
    for sub in SUBDIRS:
        try:
            names = sorted(os.listdir(path / sub))
        except (FileNotFoundError, NotADirectoryError):
            continue
        for name in names:
            matched = _ROW.search(name)
            if matched is None or int(matched.group(1)) not in rows:
                continue
            wanted = rows[int(matched.group(1))]
            try:
                carried = _message_id(path / sub / name)
            except OSError as exc:
                if problems is None:
                    raise
                problems.append((path / sub / name, exc))
                continue
            if carried == wanted.strip("<>"):
                found.append(path / sub / name)
    return found


def remove(files: list[Path], problems: Problems | None = None) -> int:
    """Unlink ``files`` (one gone meanwhile counts as removed by someone else, not by
    us), then sync their folders so a power cut does not bring them back; how many went.
    One that cannot be removed raises, or with ``problems`` is added there."""
    removed = 0
    for f in files:
        try:
            f.unlink()
            removed += 1
        except FileNotFoundError:
            continue
        except OSError as exc:
            if problems is None:
                raise
            problems.append((f, exc))
    for folder in sorted({f.parent for f in files}):
        sync_folder(folder)
    return removed


def _message_id(file: Path) -> str | None:
    """The file's Message-ID; None when it is no copy of ours (a link, gone meanwhile).
    OSError when it cannot be read: no permission, a disk error, no regular file (a
    FIFO is opened without waiting for a writer, never read: the pass does not hang)."""
    try:
        fd = os.open(file, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # a link (O_NOFOLLOW): not a copy we wrote
            return None
        raise
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(file))
        head = fh.read(HEAD_BYTES)
    block = re.split(rb"\r?\n\r?\n", head, maxsplit=1)[0]
    value = BytesHeaderParser(policy=compat32).parsebytes(block + b"\n\n").get("Message-ID")
    return None if value is None else str(value).strip().strip("<>")
