"""``ticket-gateway db copy URL``: the configured database copied into an empty one, the
step of a move from SQLite to PostgreSQL (README "Moving to PostgreSQL").

The work is :mod:`store.db_copy`'s; this says what it did, per table, in the CLI's
language (``--json``: data), with every URL's password masked, and chooses the exit:
0 copied; 64 a URL that names no database the gateway runs on, or one in memory (gone
at exit); 65 a row the target refused; 73 a target that holds tables, refuses to be
written, or is not created yet; 75 a database that
cannot be reached now, or fails on the way (the target named by its URL); 78 a source
at another schema (as every command says it), or one that refuses to be read.

Both databases are open at once and the driver's reason names neither ("the disk under
the database is full"): every failure is said with the URL of the one that failed, told
apart by the errors the target's engine saw (:func:`_target_errors`).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING

from gateway.core.i18n import N_
from gateway.runtime.cli.common import (
    EX_CANTCREAT,
    EX_CONFIG,
    EX_DATAERR,
    EX_OK,
    EX_TEMPFAIL,
    EX_USAGE,
    Speaker,
    local_time,
    pad,
    print_json,
)
from gateway.runtime.cli.help_language import h

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.engine import ExceptionContext

    from gateway.config.settings import Settings
    from store.db_copy import Copied

# what a target URL may begin with: the backends the gateway runs on
TARGET_SCHEMES = ("sqlite:", "postgresql:", "postgresql+psycopg:")


def cmd_db_copy(args: argparse.Namespace, settings: Settings) -> int:
    from sqlalchemy.exc import DBAPIError

    from gateway.core.clock import SystemClock
    from gateway.core.db_errors import SQLSTATE_SAID, db_error
    from gateway.core.errors import TransientError
    from gateway.core.tokens import mask_url_passwords
    from gateway.runtime.reader import (
        newer_schema,
        older_schema,
        unreadable_database,
        unwritable_database,
    )
    from store import db_copy, migrate
    from store.db import is_transient, make_engine, ping

    said = Speaker(settings)
    url = str(args.url).strip()
    target_said = mask_url_passwords(url)
    if not url.startswith(TARGET_SCHEMES):
        said.warn(
            N_(
                "db copy copies into a PostgreSQL database (postgresql+psycopg://…) or an "
                "SQLite file (sqlite:///…), not {url}",
                url=target_said,
            )
        )
        return EX_USAGE
    if _in_memory(url):  # copied, then gone at exit: and said to be the new [database] url
        said.warn(
            N_(
                "{url} is a database in memory, gone when the command ends: db copy copies "
                "into a database that is kept (postgresql+psycopg://… or sqlite:///FILE); "
                "nothing was copied",
                url=target_said,
            )
        )
        return EX_USAGE
    if (refused := unreadable_database(settings)) is not None:
        raise refused  # named as every command names it (exit 78)
    # a member's copy of a database they may only read: read as the readers read it
    read_only = unwritable_database(settings) is not None
    source = make_engine(str(settings.database.url), read_only=read_only)
    target = make_engine(url)
    on_target = _target_errors(target)
    try:
        ping(target)  # said with its URL: the driver's reason names no database
    except TransientError as exc:
        source.dispose()
        target.dispose()
        # the URL's database, not the configured one: at connect by the server's words
        if exc.reason == SQLSTATE_SAID["3D000"]:
            said.warn(
                N_(
                    "{url} names a database that does not exist: create it first (createdb), "
                    "then copy again; nothing was copied",
                    url=target_said,
                )
            )
            return EX_CANTCREAT  # as a target's missing schema: made by a person, not time
        said.warn(
            N_(
                "cannot reach {url}: {error}; nothing was copied, try again later",
                url=target_said,
                error=exc.said,
            )
        )
        return EX_TEMPFAIL
    try:
        copied = db_copy.copy_database(source, target, SystemClock())
    except migrate.NewerSchema as exc:
        raise newer_schema(settings, exc) from None
    except db_copy.SourceNotCurrent as exc:
        raise older_schema(settings, exc.current or "-") from None
    except db_copy.TargetNotEmpty as exc:
        said.warn(
            N_(
                "{url} is not empty (it holds {tables}): db copy writes only into an empty "
                "database or schema; nothing was copied",
                url=target_said,
                tables=", ".join(exc.tables[:5]) + (", …" if len(exc.tables) > 5 else ""),
            )
        )
        return EX_CANTCREAT
    except db_copy.RowRefused as exc:
        said.warn(
            N_(
                "{url} refused a row of {table} ({error}); nothing was written there",
                url=target_said,
                table=exc.table,
                error=exc.error,
            )
        )
        return EX_DATAERR
    except DBAPIError as exc:
        if not on_target(exc):  # reading the configured database failed
            if is_transient(exc):  # unreachable, locked: said as every command says it
                raise TransientError(
                    f"database unavailable: {exc.orig or exc}", reason=db_error(exc)
                ) from exc
            said.warn(  # a table this role may not read, and the like
                N_(
                    "cannot read {url} ({error}); nothing was copied",
                    url=mask_url_passwords(str(settings.database.url)),
                    error=db_error(exc),
                )
            )
            return EX_CONFIG
        if is_transient(exc):  # its disk full, the connection lost: all rolled back
            said.warn(
                N_(
                    "{url} failed during the copy ({error}); nothing was written there, "
                    "try again later",
                    url=target_said,
                    error=db_error(exc),
                )
            )
            return EX_TEMPFAIL
        said.warn(  # no right to create tables or the extension there, and the like
            N_(
                "{url} refused the copy ({error}); nothing was written there",
                url=target_said,
                error=db_error(exc),
            )
        )
        return EX_CANTCREAT
    finally:
        source.dispose()
        target.dispose()
    source_said = mask_url_passwords(str(settings.database.url))
    if args.json:
        print_json(_as_json(copied, source_said, target_said))
    else:
        _say(said, copied, settings, source_said, target_said)
    return EX_OK


def _in_memory(url: str) -> bool:
    """An SQLite URL whose database lives in this process's memory: ``sqlite://``,
    ``sqlite:///:memory:``, a URI filename ``file::memory:`` or ``mode=memory``."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:  # not a URL at all: the driver says so when it is opened
        return False
    if parsed.get_backend_name() != "sqlite":
        return False
    database = parsed.database or ""
    memory = database in ("", ":memory:") or database.startswith("file::memory:")
    return memory or parsed.query.get("mode") == "memory"


def _target_errors(target: Engine) -> Callable[[BaseException], bool]:
    """A check of whether an error came from ``target``: its engine's ``handle_error``
    keeps each driver error it sees (a statement, a commit, a connection lost)."""
    from sqlalchemy import event

    seen: list[BaseException] = []

    def saw(context: ExceptionContext) -> None:
        seen.append(context.original_exception)

    event.listen(target, "handle_error", saw)

    def came_from(exc: BaseException) -> bool:
        orig = getattr(exc, "orig", None)
        return any(e is orig or e is exc for e in seen)

    return came_from


def _as_json(copied: Copied, source: str, target: str) -> dict[str, object]:
    return {
        "source": source,
        "target": target,
        "snapshot_at": copied.snapshot_at.isoformat(),
        "revision": copied.revision,
        "tables": dict(copied.counts),
    }


def _say(said: Speaker, copied: Copied, settings: Settings, source: str, target: str) -> None:
    when = local_time(copied.snapshot_at, settings.gateway.timezone)
    said.note(
        N_(
            "copied {source} as it was at {time} into {target} (schema {revision}):",
            source=source,
            time=when,
            target=target,
            revision=copied.revision,
        )
    )
    width = max(len(name) for name, _ in copied.counts)
    for name, count in copied.counts:
        print(f"  {pad(name, width)}  {count:>9}")
    said.note(
        N_(
            "what the gateway stored after {time} is not in the copy: to move, stop every "
            "instance, copy again, set [database] url to {target}, and start them",
            time=when,
            target=target,
        )
    )


def register(d: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``db copy`` under the ``db`` group (:mod:`gateway.runtime.cli.db`)."""
    c = d.add_parser("copy", help=h(N_("copy every ticket and row into an empty database at URL")))
    c.add_argument(
        "url",
        metavar="URL",
        help=h(N_("the empty database: postgresql+psycopg://… or sqlite:///…")),
    )
    c.add_argument("--json", action="store_true")
    c.set_defaults(handler=cmd_db_copy)
