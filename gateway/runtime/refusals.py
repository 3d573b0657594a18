"""What refuses a command that makes a database, asked before anything is made.

``run``, ``ingest`` and ``db upgrade`` make what the config names and is not there yet:
the data folder, the reply-token key in it (``<data_dir>/secret``) and the SQLite
database's folder. Loading the config made them at once, before the rest of the file
was read, so a config with a mistake in ``[smtp]`` left a new key behind (which then
signed nothing: a later start with the fixed config kept it), and every refusal after
the load (the data folder moved away from the URL, a database a newer release upgraded,
a catalog with problems, a database holding tickets with no key beside it) left an
empty folder at the old or the default database path. Now the CLI reads the config
without making anything (``load_settings(make=False)``, every key checked), asks
:func:`refuse_before_making`, and only then reads it again to make what is missing:
a refused command leaves the disk as it found it.

On PostgreSQL the key's question is the server's (does the database hold tickets?), so
a first start asks it before anything is made: a server that answers nothing, or a
URL naming a database it lacks, is "try again later" (75: the MTA keeps the mail,
systemd restarts ``run``) with no data folder and no key made, as no key may be made
for a database nobody looked at (:func:`tickets_held`).
"""

from __future__ import annotations

from pathlib import Path

from gateway.config.secret import key_refused, key_to_make, sqlite_held
from gateway.config.sections import Section
from gateway.config.settings import Settings
from gateway.core.errors import ConfigError, GatewayError, TransientError
from gateway.core.sqlite_url import sqlite_path
from gateway.runtime.no_database import missing_file, moved_away
from gateway.runtime.reader import (
    catalog_holder,
    newer_schema,
    uncreatable_database,
    unreadable_database,
    unwritable_database,
)


def refuse_before_making(settings: Settings, *, whole: bool) -> None:
    """Raise what the command would stop with once it had made the data folder, the
    key or the database's folder: the same errors, in the same order, as
    :func:`gateway.runtime.app.build` and ``db upgrade`` raise them. ``whole``: the
    command builds the application (``run``, ``ingest``), so its catalog and its key
    count too; ``db upgrade`` needs neither. An SQLite database that cannot be read now
    (locked) is not refused here: the command says so when it opens it (75). A server's
    that cannot be reached is (TransientError, 75): the key waits for its answer."""
    if whole:
        catalog_holder(settings)  # CatalogError, or [catalog] path's ConfigError
    if (refused := database_refusal(settings, create=True)) is not None:
        raise refused
    for check in (_newer_schema, *([_key_refused] if whole else [])):
        if (refused := check(settings)) is not None:
            raise refused


def database_refusal(settings: Settings, *, create: bool) -> GatewayError | None:
    """What refuses the configured database before anything opens it, in the order
    :func:`gateway.runtime.app.build` raises it (and :func:`refuse_before_making` asks
    it, before anything is made); each check may rely on those before it. ``create``:
    the command makes the database when it is not there (``run``, ``ingest``,
    ``db upgrade``)."""
    checks = (
        # "unable to open database file" would read as "try again later"
        unreadable_database,
        # create: the data folder moved, the URL left behind: no new, empty database;
        # not: no database is made, NoDatabase before the engine makes the file
        moved_away if create else missing_file,
        # the folder to fix (exit 73), not the file's configuration
        uncreatable_database,
        # before anything opens it: "try again later" would be for ever
        unwritable_database,
    )
    for check in checks:
        if (refused := check(settings)) is not None:
            return refused
    return None


def _newer_schema(settings: Settings) -> GatewayError | None:
    """The database is there and a newer release upgraded it (read only; an SQLite
    file not there yet is not opened, which would make it); or the server cannot be
    reached, or lacks the database the URL names (TransientError)."""
    path = sqlite_path(settings.database.url)
    if path is not None and (path == ":memory:" or not Path(path).is_file()):
        return None
    from store import migrate  # only here: the MTA pipe's fast path never gets this far
    from store.db import make_engine

    engine = make_engine(settings.database.url, read_only=path is not None)
    try:
        migrate.check_known(migrate.current_revision(engine))
    except migrate.NewerSchema as exc:
        return newer_schema(settings, exc)
    except TransientError as exc:  # SQLite locked: said when the command opens it
        return exc if path is None else None  # a server: no key before it answers
    finally:
        engine.dispose()
    return None


def _key_refused(settings: Settings) -> ConfigError | None:
    """No key to be made beside a database that holds tickets signed with one
    (:func:`gateway.config.secret.made_or_refused`), said before its data folder is
    made."""
    gw = settings.gateway
    if gw.secret or not key_to_make(gw.secret_file, gw.data_dir):
        return None
    section = Section(settings.source, "gateway", {})
    return key_refused(section, gw.data_dir, settings.database.url, tickets_held)


def tickets_held(url: str) -> bool:
    """Whether the database at ``url`` holds a ticket (:data:`gateway.config.secret.
    TicketsHeld`): an SQLite file as the config reads it, a server's database in a
    read-only unit. One that cannot be reached raises TransientError."""
    if sqlite_path(url) is not None:
        return sqlite_held(url)
    from sqlalchemy import inspect, text

    from store.db import make_engine, session_factory, transaction

    engine = make_engine(url)
    try:
        with transaction(session_factory(engine), read_only=True) as session:
            if not inspect(session.connection()).has_table("tickets"):
                return False  # an empty schema: a new site
            return session.execute(text("SELECT 1 FROM tickets LIMIT 1")).first() is not None
    finally:
        engine.dispose()
