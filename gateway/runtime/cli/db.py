"""``ticket-gateway db upgrade`` and ``db backup``: the database's maintenance (``db copy``:
:mod:`gateway.runtime.cli.db_copy`)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from gateway.core.i18n import N_
from gateway.core.os_errors import os_error
from gateway.runtime.cli.common import EX_CANTCREAT, EX_NOINPUT, EX_OK, EX_USAGE, Speaker
from gateway.runtime.cli.help_language import h

if TYPE_CHECKING:
    from gateway.config.settings import Settings


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.runtime.no_database import moved_away
    from gateway.runtime.reader import newer_schema
    from store import migrate
    from store.db import make_engine

    if (moved := moved_away(settings)) is not None:
        raise moved  # as run and ingest: no new, empty database beside a moved one
    engine = make_engine(settings.database.url, longest_step=settings.limits.processing_budget)
    try:
        before = migrate.current_revision(engine)
        migrate.upgrade(engine)
        after = migrate.current_revision(engine)
    except migrate.NewerSchema as exc:
        raise newer_schema(settings, exc) from None
    finally:
        engine.dispose()
    said = Speaker(settings)
    if before == after:
        said.say(N_("database at revision {revision}", revision=after))
    else:
        said.say(
            N_("database at revision {revision} (was {before})", revision=after, before=before)
        )
    return EX_OK


def cmd_db_backup(args: argparse.Namespace, settings: Settings) -> int:
    """A copy of the embedded SQLite database, safe while the daemon runs
    (:mod:`store.sqlite_backup`); PostgreSQL has its own tools for that."""
    import sqlite3

    from gateway.core.db_errors import db_error
    from gateway.core.errors import TransientError
    from gateway.core.sqlite_url import sqlite_path
    from gateway.runtime.reader import unreadable_database
    from store.sqlite_backup import backup

    said = Speaker(settings)
    path = sqlite_path(str(settings.database.url))
    if path is None:
        said.warn(
            N_(
                "db backup copies the embedded SQLite database; back up PostgreSQL with its "
                "own tools (pg_dump, or the server's backups)"
            )
        )
        return EX_USAGE
    if (refused := unreadable_database(settings)) is not None:
        raise refused  # named as every command names it (exit 78)
    source, target = Path(path).absolute(), Path(args.file).absolute()
    if _same_files(source, target):  # the daemon would write on into the one replaced
        said.warn(N_("the backup cannot replace the database {path} itself", path=str(source)))
        return EX_USAGE
    try:
        backup(source, target)
    except FileNotFoundError as exc:
        if exc.filename != str(source):
            said.warn(N_("cannot write {path}: {error}", path=str(target), error=os_error(exc)))
            return EX_CANTCREAT
        said.warn(N_("no database at {path}: nothing to back up", path=str(source)))
        return EX_NOINPUT
    except sqlite3.Error as exc:  # locked, busy, the disk: try again later (75)
        raise TransientError(f"database unavailable: {exc}", reason=db_error(exc)) from exc
    except OSError as exc:
        said.warn(N_("cannot write {path}: {error}", path=str(target), error=os_error(exc)))
        return EX_CANTCREAT
    said.say(N_("copied the database {source} to {target}", source=str(source), target=str(target)))
    return EX_OK


def _same_files(source: Path, target: Path) -> bool:
    """Whether ``target`` is the database or one of SQLite's files beside it, by any
    name (a link, a relative path)."""
    real = target.resolve()
    return any(
        real == p.resolve() for p in (source, *(Path(f"{source}{s}") for s in ("-wal", "-shm")))
    )


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    d = sub.add_parser("db", help=h(N_("database maintenance"))).add_subparsers(
        required=True, metavar="ACTION"
    )
    d.add_parser("upgrade", help=h(N_("migrate the schema to the newest revision"))).set_defaults(
        handler=cmd_db_upgrade, creates_database=True
    )
    b = d.add_parser(
        "backup", help=h(N_("copy the SQLite database to FILE, safely while the daemon runs"))
    )
    b.add_argument("file", metavar="FILE", help=h(N_("the copy (replaced if it exists)")))
    b.set_defaults(handler=cmd_db_backup)
    from gateway.runtime.cli import db_copy

    db_copy.register(d)
