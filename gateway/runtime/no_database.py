"""No gateway's database where a command looked: what it says, and nothing made.

Only ``run``, ``ingest`` (the MTA's pipe too) and ``db upgrade`` create a database. Every
other command reads one, or changes what must be in it (a ticket, an inbox row), so one
run from the wrong folder without ``--config``, or with a config whose database moved,
found a new, empty database under ``./var`` and said "no ticket #3": the admin believed
the ticket gone. RT's ``rt``, Zammad's console and osTicket's CLI fail loudly there, and
so does this: :func:`missing_file` before anything opens the SQLite file (opening it
makes it, and its folder), :func:`no_database` when a database has no table at all (an
empty PostgreSQL schema, an empty SQLite file). It names the database, the config it
came from (or that none was found, and where), and what to do; the CLI exits 66.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import make_url

from gateway.config.load import DEFAULTS
from gateway.config.locate import ENV_CONFIG, ENV_DATABASE_URL, LOCAL_CONFIG
from gateway.config.settings import Settings
from gateway.core.errors import ConfigError, NoDatabase
from gateway.core.i18n import N_, Msg
from gateway.core.sqlite_url import sqlite_path
from gateway.receive.pipe import daemon_running


def missing_file(settings: Settings) -> NoDatabase | None:
    """The configured SQLite file is not there (nor, perhaps, its folder): the error to
    stop with, before the engine makes either. None for a file that is there, for an
    in-memory database and for PostgreSQL (:func:`no_database` after connecting)."""
    path = sqlite_path(settings.database.url)
    if path is None or path == ":memory:" or Path(path).exists():
        return None
    return no_database(settings)


def found_database(settings: Settings) -> bool:
    """Whether the configured database is there with something in it, so that a reading
    command may make what its settings left unmade (the data folder, the secret): the
    SQLite file exists; a PostgreSQL schema has a table. Only the URL from the
    environment and no config, in a folder that is no site's, made ``./var`` there
    before the command found no gateway in PostgreSQL. One that cannot be reached now
    is not found: nothing is made, and the command says what it meets when it connects."""
    if sqlite_path(settings.database.url) is not None:
        return missing_file(settings) is None
    from store import migrate  # only here: the CLI's light commands never get this far
    from store.db import make_engine

    engine = make_engine(settings.database.url)
    try:
        return not migrate.is_empty(engine)
    except Exception:  # noqa: BLE001 - down, refused, no such database: nothing to make for
        return False
    finally:
        engine.dispose()


def no_database(settings: Settings) -> NoDatabase:
    """What a command says when there is no gateway's database where ``settings`` say."""
    where = _where(settings)
    if ENV_DATABASE_URL in os.environ:  # it, not the config, named the database
        found = N_(
            "no gateway database at {where} (named by ${variable}); nothing was created",
            where=where,
            variable=ENV_DATABASE_URL,
        )
    elif settings.source == DEFAULTS:  # no config file found
        found = N_(
            "no gateway database at {where}: no config file was found (no --config, no "
            "${variable}, no {file} in {folder}), so the built-in defaults were used; "
            "nothing was created",
            where=where,
            variable=ENV_CONFIG,
            file=str(LOCAL_CONFIG),
            folder=str(Path.cwd()),
        )
    else:
        found = N_(
            "no gateway database at {where}, the database the config {config} names; "
            "nothing was created",
            where=where,
            config=str(Path(settings.source).absolute()),
        )
    todo: Msg = N_(
        "name the site's config with --config PATH or ${variable}, or run the command in "
        "the site's folder; `ticket-gateway run`, `ingest` and `db upgrade` create a new "
        "database",
        variable=ENV_CONFIG,
    )
    return NoDatabase(where, (found, todo))


def moved_away(settings: Settings) -> ConfigError | None:
    """The SQLite file to be made (``run``, ``ingest``, ``db upgrade``) is not there, but
    the data folder holds a database of that name: the data folder was moved (copied
    elsewhere, the old one removed) and ``data_dir`` follows it while ``[database] url``
    still names the old path. A new, empty database there made every ticket seem gone
    (the reply-token key, moved with the folder, still read): refused, naming both."""
    path = sqlite_path(settings.database.url)
    if path is None or path == ":memory:" or os.path.lexists(path):
        return None
    wanted = Path(path).absolute()
    found = settings.gateway.data_dir.absolute() / wanted.name
    if found == wanted or not _is_sqlite(found):
        return None
    said = N_(
        "the database {wanted} is not there, but the data folder holds {found}: was the "
        "data folder moved? point the URL at it (sqlite:///{found}); no new, empty "
        "database is made",
        wanted=str(wanted),
        found=str(found),
    )
    return ConfigError(settings.source, "database.url", said)


def _is_sqlite(path: Path) -> bool:
    """A regular file that starts as every SQLite database does."""
    try:
        with path.open("rb") as f:
            return path.is_file() and f.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def being_made(settings: Settings, exc: NoDatabase) -> Msg | None:
    """Why there is no database, when a daemon holds the lock in the data folder: its
    first start is making it (a monitoring check run during the deploy asked before it
    was there), a temporary state, not the wrong folder or config. None otherwise."""
    if not daemon_running(settings.gateway.data_dir):
        return None
    return N_("the daemon is starting and has not made its database {where} yet", where=exc.where)


def _where(settings: Settings) -> str:
    """The database as a person knows it: the file, or the URL without its password."""
    path = sqlite_path(settings.database.url)
    if path is not None:
        return str(Path(path).absolute())
    return make_url(settings.database.url).render_as_string(hide_password=True)
