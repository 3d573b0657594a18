"""What a command that only reads opens: settings → catalog → engine → sessions.

``tickets list``, ``tickets show`` and ``status`` are called from scripts and shell
loops, so they must not pay for what only changes need: the runner's chain and the
parser, the tickets service's mail hooks (notify, Jinja2), the web, chat and action
doors (their import cost three times the command's own work). :func:`open_reader`
wires the parts they read with, exactly as :func:`gateway.runtime.app.build` wires
them (the same catalog, the same engine, the schema brought to head the same way),
and :func:`gateway.runtime.app.build` uses the same two steps. Its sessions carry no
hooks: a command that changes something opens the whole application.
``tests/test_cli_light.py`` names the modules a read command must not import.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from gateway.catalog.load import CatalogHolder, catalog_path, configured_unreadable
from gateway.config.settings import Settings
from gateway.core.clock import Clock, SystemClock
from gateway.core.errors import CatalogError, ConfigError, DatabaseNotCreated, TransientError
from gateway.core.i18n import N_, Msg
from gateway.core.os_errors import os_error
from gateway.core.sqlite_url import sqlite_path
from gateway.receive.pipe import upgrade_under_way
from gateway.runtime.no_database import missing_file, no_database
from store import migrate
from store.db import make_engine, session_factory
from store.revision import HEAD
from store.sqlite_access import uncreatable, unreadable, unwritable


@dataclass(frozen=True, slots=True)
class Reader:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]  # hook-free: for units of work that change nothing
    clock: Clock
    catalog: CatalogHolder

    def close(self) -> None:
        self.engine.dispose()


def open_reader(settings: Settings, clock: Clock | None = None) -> Reader:
    """The parts a reading command uses; raises CatalogError (a catalog with problems)
    and TransientError (the database down) as :func:`gateway.runtime.app.build` does,
    and NoDatabase where there is none: a reader never creates one."""
    catalog = catalog_holder(settings)
    engine = open_database(settings, clock := clock or SystemClock())
    return Reader(settings, engine, session_factory(engine), clock, catalog)


def open_database(settings: Settings, clock: Clock) -> Engine:
    """The database as a reading command opens it, without the catalog: ``status``
    still reports the rest when the catalog has problems. Raises ConfigError,
    TransientError and NoDatabase as :func:`open_reader` does."""
    # unreadable: "unable to open database file" would read as "try again later"; missing:
    # a reader makes no database (where one cannot be made either, none is there to read)
    if (refused := unreadable_database(settings) or missing_file(settings)) is not None:
        raise refused
    read_only = unwritable_database(settings) is not None  # read it all the same
    engine = make_engine(
        settings.database.url, longest_step=settings.limits.processing_budget, read_only=read_only
    )
    if read_only:
        schema_readable(settings, engine)
    else:
        schema_current(settings, engine, clock, create=False)
    return engine


def uncreatable_database(settings: Settings) -> DatabaseNotCreated | None:
    """The SQLite database not made yet and not to be made by this user (its folder
    not writable, read-only storage): exit 73 for a command that makes one (``run``,
    ``ingest``, ``db upgrade``), not a traceback (:func:`store.sqlite_access.uncreatable`);
    every other command stops at "no gateway database" first."""
    path = sqlite_path(settings.database.url)
    found = uncreatable(path) if path is not None else None
    if path is None or found is None:
        return None
    return DatabaseNotCreated(str(Path(path).absolute()), found)


def unwritable_database(settings: Settings) -> ConfigError | None:
    """An SQLite database this user may not write (:mod:`store.sqlite_access`), as the
    configuration error a command that writes stops with (exit 78): the file and what
    refused named, not "try again later" for ever."""
    return _refused(settings, unwritable, N_("cannot write the database {file} ({where}: {error})"))


def unreadable_database(settings: Settings) -> ConfigError | None:
    """An SQLite database this user may not read at all (:func:`store.sqlite_access.
    unreadable`), as the configuration error every command stops with (exit 78): the
    file and what refused named. A database not made yet is none."""
    return _refused(settings, unreadable, N_("cannot read the database {file} ({where}: {error})"))


def _refused(
    settings: Settings, check: Callable[[str], OSError | None], problem: Msg
) -> ConfigError | None:
    """``problem`` (its ``file``, ``where`` and ``error`` filled in) when ``check`` finds
    what refuses this user the configured SQLite database."""
    path = sqlite_path(settings.database.url)
    found = check(path) if path is not None else None
    if path is None or found is None:
        return None
    said = Msg(
        problem.msgid,
        {
            "file": str(Path(path).absolute()),
            "where": str(found.filename),
            "error": os_error(found),
        },
    )
    return ConfigError(settings.source, "database.url", said)


def schema_readable(settings: Settings, engine: Engine) -> None:
    """A database read without writing must be at head already: it cannot be upgraded."""
    current = migrate.current_revision(engine)
    if current == HEAD:
        return
    empty = current is None and migrate.is_empty(engine)
    engine.dispose()
    if empty:  # an empty file: no gateway's database, not one to upgrade
        raise no_database(settings)
    try:
        migrate.check_known(current)
    except migrate.NewerSchema as exc:
        raise newer_schema(settings, exc) from None
    path = sqlite_path(settings.database.url) or ""
    problem = N_(
        "cannot upgrade the database {file} (schema {current}, this version needs {head}): "
        "this user may not write it; run `ticket-gateway db upgrade` as its owner",
        file=str(Path(path).absolute()),
        current=current or "-",
        head=HEAD,
    )
    raise ConfigError(settings.source, "database.url", problem)


def catalog_holder(settings: Settings, text: str | None = None) -> CatalogHolder:
    """The configured catalog (``text``: the one a daemon has in use); one that cannot
    be read at all is ``[catalog] path``'s ConfigError (:func:`configured_unreadable`)."""
    try:
        return CatalogHolder(
            catalog_path(settings),
            settings.members,
            templates_dir=settings.gateway.templates_dir,
            text=text,
            working_days=settings.business_hours is not None,
            calendars=settings.calendars.names,
            config=settings.source if settings.catalog.path is not None else None,
        )
    except CatalogError as exc:
        if (mistake := configured_unreadable(settings, exc)) is not None:
            raise mistake from None
        raise


def schema_current(
    settings: Settings,
    engine: Engine,
    clock: Clock,
    before: Callable[[str | None, str], None] | None = None,
    *,
    create: bool = True,
) -> None:
    """Bring the schema to head (``before``: told ``(current, head)`` first); the engine
    is disposed of when that fails. A schema ahead of this release is a configuration
    error (exit 78), not an upgrade that Alembic fails with a traceback. ``create=False``:
    a database with no table is :class:`NoDatabase` (:mod:`gateway.runtime.no_database`),
    not made the gateway's."""
    try:
        migrate.ensure_current(engine, clock.now(), before=before, create=create)
    except migrate.NewerSchema as exc:
        engine.dispose()
        raise newer_schema(settings, exc) from None
    except migrate.NoSchema:
        engine.dispose()
        raise no_database(settings) from None
    except migrate.OlderSchema as exc:
        engine.dispose()
        if (under_way := upgrade_under_way(settings.gateway.data_dir, exc.current)) is not None:
            raise upgrading(under_way) from None  # the new release's daemon, starting
        raise older_schema(settings, exc.current) from None
    except BaseException:
        engine.dispose()
        raise


class SchemaAhead(ConfigError):
    """The database is at a schema this release does not know (a newer release upgraded
    it): a configuration to fix here, which ``ingest -`` answers 75 all the same (an
    MTA bounces a message at 78; it keeps it at 75 until this machine is upgraded)."""


def _where(settings: Settings) -> str:
    """The database as a person knows it: the file, or the URL without its password."""
    path = sqlite_path(settings.database.url)
    if path is not None:
        return str(Path(path).absolute())
    return make_url(settings.database.url).render_as_string(hide_password=True)


def newer_schema(settings: Settings, exc: migrate.NewerSchema) -> ConfigError:
    """What every command says of a database a newer release upgraded: nothing of this
    release can work on it, and nothing takes it back; this machine is behind."""
    problem = N_(
        "the database {where} is at schema {current}, newer than this release knows (its "
        "newest is {head}): a newer release upgraded it (another instance on the same "
        "database, or one rolled back here); upgrade ticket-gateway on this machine too",
        where=_where(settings),
        current=exc.current,
        head=HEAD,
    )
    return SchemaAhead(settings.source, "database.url", problem)


def upgrading(under_way: tuple[str, str]) -> TransientError:
    """What a reading command says while the daemon upgrades the schema at its start:
    try again later (75), not a configuration to fix (see :func:`older_schema`)."""
    current, head = under_way
    said = N_(
        "the daemon is upgrading the database schema ({current} -> {head})",
        current=current,
        head=head,
    )
    return TransientError(
        f"the daemon is upgrading the database schema ({current} -> {head})", reason=said
    )


def older_schema(settings: Settings, current: str) -> ConfigError:
    """What a command that may not upgrade says of a database at an older schema: the
    upgrade is the administrator's step (instances of the older release on it stop)."""
    problem = N_(
        "the database {where} is at schema {current}, older than this release's {head}: "
        "run `ticket-gateway db upgrade` (or start the daemon, which upgrades it at its "
        "start) once every instance of the older release is stopped; other commands do "
        "not upgrade it",
        where=_where(settings),
        current=current,
        head=HEAD,
    )
    return ConfigError(settings.source, "database.url", problem)


def schema_moved(settings: Settings, current: str) -> ConfigError:
    """What a running daemon stops with when the database's revision changed under it
    (:mod:`gateway.runtime.schema_watch`): a newer release's, said as a start says it;
    one this release knows (an older one: a downgrade) asks for the matching release."""
    try:
        migrate.check_known(current)
    except migrate.NewerSchema as exc:
        return newer_schema(settings, exc)
    problem = N_(
        "the database {where} is now at schema {current}, not {head} as when this instance "
        "started: another release changed it; run the release that matches it on this machine",
        where=_where(settings),
        current=current,
        head=HEAD,
    )
    return ConfigError(settings.source, "database.url", problem)
