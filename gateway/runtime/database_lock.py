"""One daemon per SQLite database, whatever its data folder.

``run`` holds ``daemon.lock`` in its data folder, and a second ``run`` on that folder is
refused. But the database is named apart from the folder (``[database] url``, or
``$TICKET_GATEWAY_DATABASE_URL``), and a config without ``data_dir`` keeps its data in
``./var`` of the folder it is run from: the same config started from another folder,
or a copy made for a test with the database left as it was, ran a second daemon on the
same file. Both took mail and processed it, each sent what it drained into its own
outbound maildir, each ``status`` saw only its own lock, two pollers read one mailbox,
and nothing said so.

So the daemon also holds a lock beside an SQLite database (``gateway.db-daemon``, as
the turnstile's files sit there), naming its data folder inside for the refusal. On
PostgreSQL several instances on one database are a supported setup ("Several
instances on one PostgreSQL database") and nothing is held.
"""

from __future__ import annotations

import errno
import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager

from gateway.config.settings import Settings
from gateway.core.errors import ConfigError
from gateway.core.i18n import N_
from gateway.core.os_errors import os_error
from gateway.core.sqlite_url import sqlite_path

SUFFIX = "-daemon"  # beside the database file, as the turnstile's -turnstile and -writelock


@contextmanager
def one_daemon_per_database(settings: Settings) -> Iterator[None]:
    """Held while the daemon runs. Raises :class:`ConfigError` (exit 78, not restarted:
    a second start would meet the same daemon) when another daemon holds it."""
    path = sqlite_path(settings.database.url)
    # a folder this user may not write: the start's own check names the database
    # ("cannot write the database …"), as before
    if path is None or not os.access(os.path.dirname(os.path.abspath(path)) or ".", os.W_OK):
        yield
        return
    lock = os.path.realpath(path) + SUFFIX  # two spellings of one file are one database
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError as exc:  # another user's lock file (root ran `run` first)
        said = N_("cannot write {path}: {error}", path=lock, error=os_error(exc))
        raise ConfigError(settings.source, "database.url", said) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # flock's EWOULDBLOCK: another daemon works on it
            raise _held(settings, path, _holder(fd)) from None
        try:  # a note for the refusal of a second daemon, not the lock itself
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()} {settings.gateway.data_dir}\n".encode(), 0)
        except OSError as exc:
            if exc.errno not in (errno.ENOSPC, errno.EDQUOT):  # a full disk: start anyway
                raise
        yield
    finally:
        os.close(fd)  # closing the file lets the lock go


def _holder(fd: int) -> str:
    """The data folder the holder wrote beside its pid, or "" (an older holder, or a
    full disk when it started)."""
    words = os.pread(fd, 8192, 0).decode("utf-8", errors="replace").strip().split(" ", 1)
    return words[1] if len(words) > 1 else ""


def _held(settings: Settings, path: str, folder: str) -> ConfigError:
    said = N_(
        "another ticket-gateway run works on the database {path} (its data folder: "
        "{folder}): one daemon per SQLite database; stop the other one, or give this one "
        "a database of its own",
        path=path,
        folder=folder or "?",
    )
    return ConfigError(settings.source, "database.url", said)
