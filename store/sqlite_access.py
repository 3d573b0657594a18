"""An SQLite database this process may only read: found before anything opens it.

SQLite writes beside its database: the -wal and -shm files of WAL mode (made by the
first connection, removed by the last), and so do we (:mod:`store.turnstile`'s and the
drain lock's files). In a folder this user may not write (another user's data, as when
a member reads the gateway's database from a shell, or read-only storage) an ordinary
connection fails its first read with "attempt to write a readonly database", which the
unit of work takes for a locked database ("try again later", for ever).

What SQLite needs to read a WAL database it may not write (its "Read-Only Databases"):
the -wal and -shm files there already and readable (a writer has the database open:
``mode=ro`` reads through them, the -shm copied to memory), or the folder writable, or
``immutable=1``. Without a -wal file no connection has the database open and nothing
waits to be checkpointed, so the file alone is the database: it is read as immutable,
without locks. A writer that starts meanwhile may make that one read fail (never the
database: nothing is written), and the command is run again.

A database this user may not read at all (mode 000 on the file, or a folder on its way
it may not search) fails every connection with "unable to open database file", the
text SQLite also gives while a file is briefly out of reach: :func:`unreadable` finds
it first, so that it is named as the configuration it is, not retried for ever.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from gateway.core.errors import TransientError

# the lock files store.turnstile keeps beside the database: its path plus these
LOCK_SUFFIXES = ("-turnstile", "-writelock")


def gone(path: str) -> TransientError:
    """The outage of a database file removed or replaced under us. Here, with the
    standard library only: the turnstile says it too, and ``ingest -`` imports the
    turnstile but must not import SQLAlchemy (issue #18: 136 ms of a piped mail's
    250 when this lived in :mod:`store.sqlite_file`)."""
    return TransientError(f"database file {path} was removed or replaced")


def unwritable(path: str | Path) -> OSError | None:
    """Why this process may not write the SQLite database at ``path`` (the folder, the
    file, one of its -wal and -shm files or of our lock files beside it), or None. A
    missing file is made later, so only its folder counts then. ``os.access``, not a
    trial open: opening and closing the file would drop the POSIX locks this process's
    own connections hold on it."""
    file = Path(path).absolute()
    checks = (
        (file.parent, os.W_OK | os.X_OK),  # -wal, -shm and our lock files are made there
        (file, os.R_OK | os.W_OK),
        (file.with_name(file.name + "-wal"), os.R_OK | os.W_OK),  # left by another user
        (file.with_name(file.name + "-shm"), os.R_OK | os.W_OK),
        # the turnstile's lock files, which every write takes (another user's: an admin
        # who ran a command as root once); os.open(O_RDWR) would refuse them at each write
        *((file.with_name(file.name + suffix), os.R_OK | os.W_OK) for suffix in LOCK_SUFFIXES),
    )
    for where, mode in checks:
        if where.exists() and not os.access(where, mode):
            code = errno.EROFS if _read_only_storage(where) else errno.EACCES
            return OSError(code, os.strerror(code), str(where))
    return None


def unreadable(path: str | Path) -> OSError | None:
    """Why this process may not read the SQLite database at ``path`` (a folder on its
    way, the file, its -wal or -shm file), or None. A missing file is no refusal: ``run``
    and ``ingest`` make it (a folder they may not write is :func:`unwritable`'s)."""
    file = Path(path).absolute()
    for folder in reversed(file.parents):  # from / down, each one stat-able in turn
        if not folder.exists():
            return None  # nor the file: made later, with its folder
        if not folder.is_dir():  # an ordinary file on the way: no database to read, and
            return None  # none can be made (uncreatable says it, as "cannot create")
        if not os.access(folder, os.X_OK):  # its entries cannot be reached, the file's too
            return OSError(errno.EACCES, os.strerror(errno.EACCES), str(folder))
    for where in (file, file.with_name(file.name + "-wal"), file.with_name(file.name + "-shm")):
        if where.exists() and not os.access(where, os.R_OK):
            return OSError(errno.EACCES, os.strerror(errno.EACCES), str(where))
    return None


def uncreatable(path: str | Path) -> OSError | None:
    """Why the database file at ``path``, not there yet, cannot be made (its folder one
    this user may not write, or on read-only storage; an ordinary file on the way, as
    in ``notes.txt/gateway.db``), or None: it is there, or may be made. A reading command
    opens a missing file read-only, which SQLite refuses as "unable to open database
    file", a temporary failure; this says the lasting one."""
    file = Path(path).absolute()
    if file.exists():
        return None
    # the nearest thing on the way that is there: the folder, or what stands for it
    there = file.parent
    while not os.path.lexists(there) and there.parent != there:
        there = there.parent
    if not there.is_dir():  # an ordinary file (or a link to none) where a folder must be
        return OSError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(there))
    if os.access(there, os.W_OK | os.X_OK):
        return None
    code = errno.EROFS if _read_only_storage(there) else errno.EACCES
    return OSError(code, os.strerror(code), str(there))


def _read_only_storage(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def read_only_connect(path: str | Path) -> Callable[[Any, Any, list[Any], dict[str, Any]], None]:
    """A ``do_connect`` listener: each new connection opens the database at ``path``
    read-only, as immutable while no -wal file is there (see above), making no file."""
    file = Path(path).absolute()
    wal = file.with_name(file.name + "-wal")

    def do_connect(_dialect: Any, _record: Any, cargs: list[Any], cparams: dict[str, Any]) -> None:
        uri = f"file:{quote(str(file))}?mode=ro"
        cargs[:] = [uri if wal.exists() else uri + "&immutable=1"]
        cparams["uri"] = True

    return do_connect
