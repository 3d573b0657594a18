"""The MTA pipe fast path: ``ingest -`` only *accepts*.

Postfix starts one process per message. Importing SQLAlchemy and the ORM costs
several times more than the work itself, so on SQLite the pipe stores the
message with one INSERT through the stdlib ``sqlite3`` module, committed before
exit 0 — the same "accept, then process" rule as every source — and leaves the
processing to someone else: the running daemon when one holds the daemon lock,
else a background drainer (:mod:`gateway.runtime.drain`). Any doubt (not SQLite,
schema not current, an unusual config) falls back to the full path, which
processes at once.

The write itself is :class:`store.accept.sqlite.SqliteInbox`, the SQLite backend
of the inbox-accept contract, shared with the SMTP writer and bulk ingest.
"""

from __future__ import annotations

import errno
import fcntl
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

from gateway.config import locate
from gateway.core.folders import private_folder
from gateway.core.sqlite_url import sqlite_path

__all__ = [
    "PipeTarget",
    "daemon_instance",
    "daemon_running",
    "hold_daemon_lock",
    "lock_path",
    "pipe_target",
    "quick_accept",
    "sqlite_path",
]

LOCK_NAME = "daemon.lock"
_NO_ROOM = (errno.ENOSPC, errno.EDQUOT)  # a full disk, a quota reached: for the time being


def lock_path(data_dir: Path) -> Path:
    return data_dir / LOCK_NAME


def hold_daemon_lock(data_dir: Path) -> IO[str]:
    """Taken by ``run`` for its lifetime; the open file must be kept referenced."""
    private_folder(data_dir)  # private whatever the umask, its new parents too
    fd = os.open(lock_path(data_dir), os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
    if os.fstat(fd).st_mode & 0o777 != 0o600:  # made by an older version, or another umask
        os.fchmod(fd, 0o600)
    fh = os.fdopen(fd, "a+")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        fh.close()
        raise
    try:
        note_holder(fh)
    except OSError:
        fh.close()
        raise
    return fh


def note_holder(fh: IO[str]) -> None:
    """Write this process's pid and word (:mod:`gateway.core.instance`) into the held
    lock, in place of what was there (also once a lock is adopted after an exec)."""
    fh.seek(0)
    fh.truncate()
    from gateway.core.instance import this_instance  # not on the pipe's path

    try:  # unbuffered: nothing left to flush (and fail again) when the lock is closed
        # the pid for people; the word for status, which asks the pages for its proof
        os.write(fh.fileno(), f"{os.getpid()} {this_instance()}\n".encode())
    except OSError as exc:
        if exc.errno not in _NO_ROOM:
            raise
        # the lock is the flock, the pid only a note for people: a daemon (re)started on
        # a full disk runs and answers "try again later" until there is room, rather
        # than stop as at a configuration error, which nothing restarts


_UPGRADING = "upgrading"  # a line of the lock: the daemon migrates the schema at its start


def note_upgrade(data_dir: Path, current: str, head: str) -> None:
    """Said in the held lock before the daemon upgrades the schema at its start: a
    reading command (a monitoring check during the deploy) meeting the older schema
    then says the upgrade is under way, not that someone must run ``db upgrade``. A
    note that cannot be written only leaves that check saying the latter."""
    try:
        fd = os.open(lock_path(data_dir), os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC)
    except OSError:
        return
    try:
        os.write(fd, f"{_UPGRADING} {current} {head}\n".encode())
    except OSError:
        pass
    finally:
        os.close(fd)


def upgrade_under_way(data_dir: Path, at: str) -> tuple[str, str] | None:
    """(from, to) of the schema upgrade a running daemon noted (:func:`note_upgrade`),
    or None: no daemon runs, it noted none, this user may not read its lock, or the
    database is at ``at``, the end of the last one noted. The note stays as long as
    the daemon runs: a daemon of an older release that upgraded at its own start, still
    running when a newer release is installed beside it, is upgrading nothing."""
    if not daemon_running(data_dir):
        return None
    try:
        lines = lock_path(data_dir).read_text(encoding="ascii", errors="replace").splitlines()
    except OSError:
        return None
    noted = [w for w in (line.split() for line in lines[1:]) if len(w) == 3 and w[0] == _UPGRADING]
    if not noted or noted[-1][2] == at:
        return None
    return noted[-1][1], noted[-1][2]


def daemon_instance(data_dir: Path) -> str | None:
    """The word the daemon that last held the lock in ``data_dir`` wrote there
    (:mod:`gateway.core.instance`), or None (no lock, or one without it). Raises
    ``OSError`` for a lock this user may not read."""
    try:
        words = lock_path(data_dir).read_text(encoding="ascii", errors="replace").split()
    except FileNotFoundError:
        return None
    return words[1] if len(words) > 1 else None


def daemon_running(data_dir: Path) -> bool:
    """True while some process holds the daemon lock in ``data_dir``. A lock this user
    may not open (the daemon's, 0600, and an MTA piping as another user) is taken for a
    running daemon: a daemon made it, and ``status`` says when none holds it; asked
    after a commit, the question must not fail the command that stored the mail."""
    try:  # read-only, never created: a lock gone meanwhile means no daemon, and no file
        fd = os.open(lock_path(data_dir), os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    except PermissionError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def quick_accept(
    db_path: str,
    raw: bytes,
    *,
    source_ref: str,
    now: datetime,
    busy_timeout_ms: int = 5000,
    envelope_from: str | None = None,
) -> tuple[int, bool] | None:
    """Store ``raw`` as a pending inbox row; (id, duplicate), or None to take the full path.
    ``envelope_from``: the sender the MTA's envelope line named, kept on the row."""
    from store.accept.contract import Incoming  # here: every command asks pipe_target first
    from store.accept.sqlite import SqliteInbox

    box = SqliteInbox(db_path, busy_timeout_ms)
    try:
        if not box.current():
            return None
        [stored] = box.accept_many([Incoming(raw, "ingest", source_ref, envelope_from)], now=now)
    finally:
        box.close()
    return stored.inbox_id, stored.duplicate


@dataclass(frozen=True, slots=True)
class PipeTarget:
    db_path: str
    data_dir: Path
    locale: str = locate.DEFAULT_LOCALE  # [gateway] locale: the language of its line
    config: Path | None = None  # the file read (None: built-in defaults); a drainer reads it too


def pipe_target(argv: list[str], environ: Mapping[str, str]) -> PipeTarget | None:
    """Where ``ticket-gateway [--config P] ingest [-]`` would store, read without argparse
    or the settings reader (their imports cost more than the whole accept).

    Only the keys that decide the target are read, by the rules of
    :mod:`gateway.config.locate`, which the settings reader uses too (a test
    checks both agree on many configs). Anything unusual — other arguments, an
    unreadable config, a table or a key of where to store that the settings reader
    does not know, not SQLite — returns None and the full command runs,
    which also reports any problem. Whether a daemon runs is asked after the
    commit (:func:`daemon_running`): it decides who processes, not where to store.
    """
    config: str | None = None
    rest = list(argv)
    if rest[:1] == ["--config"] and len(rest) >= 2:
        config, rest = rest[1], rest[2:]
    elif rest and rest[0].startswith("--config="):
        config, rest = rest[0].split("=", 1)[1], rest[1:]
    if rest not in (["ingest"], ["ingest", "-"]) or config == "":
        return None  # an empty --config: the full command refuses it (a usage error)
    if config is None and locate.empty_config_variable(environ):
        return None  # the full command refuses it, naming the variable (75 to the MTA)
    if locate.relative_sqlite_in_env(environ):
        return None  # the same: a database in Postfix's queue folder is no site's
    path = locate.locate_config(config, environ)
    try:
        data = locate.read_config(path) if path is not None else {}
    except (OSError, ValueError):  # unreadable, not UTF-8, not TOML
        return None
    gateway, database = data.get("gateway", {}), data.get("database", {})
    if not isinstance(gateway, dict) or not isinstance(database, dict):
        return None
    if locate.unknown_names(data):  # ``[databse]`` is no "[database] absent": the full
        return None  # reader names it, and the MTA keeps the mail (75)
    raw_dir = gateway.get("data_dir")
    if raw_dir is not None and (not isinstance(raw_dir, str) or not raw_dir):
        return None
    base = locate.config_base(path)
    try:
        data_dir = locate.data_dir(raw_dir, base)
        url = locate.database_url(database, data_dir, base, environ)
    except (locate.NoSuchUser, locate.NotExpanded):  # the full reader refuses it, naming the key
        return None
    db_path = sqlite_path(url) if isinstance(url, str) else None
    if db_path is None:
        return None
    locale = gateway.get("locale")
    return PipeTarget(
        db_path,
        data_dir,
        locale if isinstance(locale, str) else locate.DEFAULT_LOCALE,
        Path(os.path.abspath(path)) if path is not None else None,
    )
