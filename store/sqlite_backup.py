"""A copy of the embedded SQLite database, taken while the daemon runs.

``cp gateway.db`` is no backup of a database in WAL mode that is open: the newest
commits are in ``gateway.db-wal`` until a checkpoint copies them over, and a copy made
while a checkpoint writes may hold half of it. SQLite's backup API copies the database
as one reader sees it, the log included: one read transaction, which in WAL mode waits
for no writer and makes none wait. The copy is written beside its target under a
temporary name, synced, and renamed over it, so a backup that fails half-way (a full
disk) leaves the last good one in place; it is the owner's alone (0600), as the
database is (:func:`store.db.private_database`): every mail is in it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

from gateway.core.folders import sync_folder

BUSY_TIMEOUT = 5.0  # seconds to wait for a lock (a schema change, a starting daemon)


def backup(source: Path, target: Path) -> None:
    """Copy the database at ``source`` to ``target`` (replaced if it exists). Raises
    ``FileNotFoundError`` without a database, ``OSError`` when ``target`` cannot be
    written (its disk full included), ``sqlite3.Error`` when the database cannot be
    read now."""
    if not source.is_file():
        raise FileNotFoundError(2, os.strerror(2), str(source))
    temporary = target.with_name(f".{target.name}.{os.getpid()}.partial")
    _private_new(temporary)
    try:
        try:
            _copy(source, temporary)
        except sqlite3.Error as exc:  # the source is only read: a full disk is the copy's
            if getattr(exc, "sqlite_errorcode", None) != sqlite3.SQLITE_FULL:
                raise
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target)) from exc
        with open(temporary, "rb") as written:  # on disk before it takes the name
            os.fsync(written.fileno())
        os.replace(temporary, target)
    except BaseException:
        for leftover in (temporary, *_beside(temporary)):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
        raise
    sync_folder(target.parent)


def _private_new(temporary: Path) -> None:
    """An empty file at ``temporary``, new and 0600 whatever the umask. One left there
    (a crash, a reused pid, or planted in a shared folder such as /tmp) is removed, not
    opened: its mode would be kept (every mail readable by all), and a symbolic link
    would be followed, the file it names emptied and then written."""
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        os.fchmod(fd, 0o600)  # a umask such as 0277 took the write bit SQLite needs
    finally:
        os.close(fd)


def _copy(source: Path, temporary: Path) -> None:
    # mode=rw: never create a database where there was none (checked above, but a
    # folder emptied meanwhile must not get an empty one)
    src = sqlite3.connect(f"file:{quote(str(source))}?mode=rw", uri=True, timeout=BUSY_TIMEOUT)
    try:
        dst = sqlite3.connect(temporary)
        try:
            src.backup(dst)  # every page in one step: one consistent read of the source
            # the copy stands alone: no -wal or -shm file beside it once it is closed
            dst.execute("PRAGMA journal_mode=DELETE").fetchone()
        finally:
            dst.close()
    finally:
        src.close()


def _beside(path: Path) -> tuple[Path, ...]:
    return tuple(path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal"))
