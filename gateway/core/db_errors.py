"""A database driver's failure said in the reader's language.

SQLite's and psycopg's messages are English ("database is locked", "connection
refused"); put into a translated CLI line, page or mail they leave an English
sentence in Japanese text. Whatever shows a person why the database is unavailable
says it with :func:`db_error`, which looks the failure up in the tables below (a
comment per row): SQLite by its extended error code, PostgreSQL by its SQLSTATE,
and, for what a driver gives no code (psycopg's failures to connect), by the
driver's text. One that no row names is said as a short code (``SQLITE_TOOBIG``,
``SQLSTATE 42P01``), never the driver's prose. ``str()`` of the result is the
English, for logs; the driver's own text stays in the log lines that log the error.
"""

from __future__ import annotations

from collections.abc import Mapping

from gateway.core.errors import TicketVanished
from gateway.core.i18n import N_, Msg

# SQLite's result code names (sqlite3.Error.sqlite_errorname), extended first: the
# extended name is looked up, then its primary part (SQLITE_IOERR of SQLITE_IOERR_SHMOPEN).
SQLITE_SAID: Mapping[str, Msg] = {
    "SQLITE_BUSY": N_("the database is busy with another writer"),  # "database is locked"
    "SQLITE_LOCKED": N_("the database is busy with another writer"),  # a table locked in-process
    "SQLITE_READONLY": N_("the database can only be read, not written"),  # ro file, folder or mount
    "SQLITE_READONLY_DBMOVED": N_("the database file was moved or removed while open"),
    "SQLITE_IOERR": N_("the database file cannot be read or written (disk error)"),  # EIO, ENOSPC
    "SQLITE_FULL": N_("the disk under the database is full"),  # "database or disk is full"
    "SQLITE_CANTOPEN": N_("the database file cannot be opened"),  # missing folder, permission
    "SQLITE_NOTADB": N_("the file is not a database"),  # a url naming another kind of file
    "SQLITE_CORRUPT": N_("the database file is damaged"),  # "disk image is malformed"
    "SQLITE_PERM": N_("access to the database was refused"),  # an authorizer or mode refused
    "SQLITE_NOMEM": N_("out of memory"),  # SQLite could not allocate
    "SQLITE_PROTOCOL": N_("the database is busy with another writer"),  # a WAL lock race
}

# PostgreSQL's SQLSTATE (psycopg.Error.sqlstate), for errors the server sent.
SQLSTATE_SAID: Mapping[str, Msg] = {
    "57P01": N_("the database server was shut down by its administrator"),  # admin_shutdown
    "57P02": N_("the database server is restarting after a crash"),  # crash_shutdown
    "57P03": N_("the database server is starting up or shutting down"),  # cannot_connect_now
    "57014": N_("the database query was cancelled"),  # query_canceled (statement_timeout)
    "53300": N_("the database server has too many connections"),  # too_many_connections
    "53100": N_("the disk under the database server is full"),  # disk_full
    "53200": N_("the database server is out of memory"),  # out_of_memory
    "40001": N_("the database was busy with a conflicting change"),  # serialization_failure
    "40P01": N_("the database was busy with a conflicting change"),  # deadlock_detected
    "3D000": N_("the database named in the configuration does not exist"),  # invalid_catalog
    # invalid_schema_name: the URL's search_path (options=-csearch_path%3D…) names a
    # schema not made yet, "no schema has been selected to create in"
    "3F000": N_(
        "the schema the URL's search_path names does not exist: create it first (CREATE SCHEMA)"
    ),
    # insufficient_privilege: a table the role may not read, a schema it may not write
    "42501": N_("the database role is not allowed to do this"),
    "28P01": N_("the database server refused the password"),  # invalid_password
    "28000": N_("the database server refused the user"),  # invalid_authorization
    "25006": N_("the database can only be read, not written"),  # a read-only standby
    "08006": N_("the connection to the database server was lost"),  # connection_failure
    "08001": N_("cannot connect to the database server"),  # unable_to_establish
    "08000": N_("the connection to the database server was lost"),  # connection_exception
}

# The driver's own text, for failures it gives no code (psycopg's failures to connect
# come with sqlstate None; a sqlite3 error made by hand has no name). Lower-cased
# substrings; the first that the text contains wins.
TEXT_SAID: tuple[tuple[str, Msg], ...] = (
    ("database is locked", SQLITE_SAID["SQLITE_BUSY"]),  # SQLite's SQLITE_BUSY text
    ("attempt to write a readonly database", SQLITE_SAID["SQLITE_READONLY"]),  # SQLite
    ("database or disk is full", SQLITE_SAID["SQLITE_FULL"]),  # SQLite's SQLITE_FULL
    ("disk i/o error", SQLITE_SAID["SQLITE_IOERR"]),  # SQLite's SQLITE_IOERR
    ("unable to open database file", SQLITE_SAID["SQLITE_CANTOPEN"]),  # SQLITE_CANTOPEN
    ("file is not a database", SQLITE_SAID["SQLITE_NOTADB"]),  # SQLite's SQLITE_NOTADB
    ("disk image is malformed", SQLITE_SAID["SQLITE_CORRUPT"]),  # SQLite's SQLITE_CORRUPT
    ("connection refused", N_("the database server refused the connection (is it running?)")),
    ("could not translate host name", N_("the database server's host name is unknown")),  # libpq
    ("failed to resolve host", N_("the database server's host name is unknown")),  # psycopg 3
    ("the database system is starting up", SQLSTATE_SAID["57P03"]),  # FATAL before 57P03
    ("the database system is shutting down", SQLSTATE_SAID["57P03"]),  # the same, stopping
    ("the database system is in recovery mode", SQLSTATE_SAID["57P02"]),  # after a crash
    ("too many clients", SQLSTATE_SAID["53300"]),  # FATAL: sorry, too many clients already
    ("terminating connection due to administrator command", SQLSTATE_SAID["57P01"]),
    ("ssl syscall error", N_("the TLS connection to the database server was cut off")),
    # a server on another machine is reached over verified TLS (store.pg_connect)
    (
        "server does not support ssl",
        N_(
            "the database server offers no TLS, which a server on another machine must "
            "(or name the sslmode you mean in the database URL)"
        ),
    ),
    ("certificate verify failed", N_("the database server's TLS certificate is not trusted")),
    (
        "does not match host name",
        N_("the database server's TLS certificate is not for the host in the database URL"),
    ),
    ("root certificate file", N_("the CA file for the database server cannot be read")),
    ("server closed the connection unexpectedly", SQLSTATE_SAID["08006"]),  # a backend died
    ("password authentication failed", SQLSTATE_SAID["28P01"]),  # FATAL at connect
    ('role "', SQLSTATE_SAID["28000"]),  # FATAL: role "x" does not exist (not a database)
    ('" does not exist', SQLSTATE_SAID["3D000"]),  # FATAL: database "x" does not exist
    ("timeout expired", N_("connecting to the database server timed out")),  # connect_timeout
)


def db_error(exc: BaseException) -> Msg:
    """Why the database failed (``exc``: SQLAlchemy's error, or the driver's own), in
    our words: a row of the tables above, else a short code; never the driver's
    sentence. A :class:`Msg` whose ``str()`` is English, for logs."""
    orig = getattr(exc, "orig", None) or exc
    name = getattr(orig, "sqlite_errorname", None)
    if isinstance(name, str) and name:
        return _sqlite(name)
    sqlstate = getattr(orig, "sqlstate", None)
    if isinstance(sqlstate, str) and sqlstate in SQLSTATE_SAID:
        return SQLSTATE_SAID[sqlstate]
    if isinstance(sqlstate, str) and sqlstate:  # the server's code: its text is not looked at
        return N_("database error {code}", code="SQLSTATE " + sqlstate)
    text = str(orig).lower()
    for needle, said in TEXT_SAID:
        if needle in text:
            return said
    return N_("database error {code}", code=type(orig).__name__)


def _sqlite(name: str) -> Msg:
    """SQLite's result code said: its extended name, else its primary part, else named."""
    primary = "_".join(name.split("_")[:2])  # SQLITE_IOERR_SHMOPEN -> SQLITE_IOERR
    said = SQLITE_SAID.get(name) or SQLITE_SAID.get(primary)
    return said or N_("database error {code}", code=name)


def lost_a_race(exc: BaseException) -> bool:
    """A unique key another transaction took between this one's look and its write (on
    PostgreSQL: two instances processing one mail's two copies at once both found its
    Message-ID free): SQLSTATE 23505. Tried once more, the look finds what the other
    wrote. SQLite's writers run one at a time: there a unique violation is no race.
    Likewise the ticket a mail was threaded to, erased meanwhile (:class:`TicketVanished`):
    the second look files the mail as the new request it now is."""
    if isinstance(exc, TicketVanished):
        return True
    return getattr(getattr(exc, "orig", None), "sqlstate", None) == "23505"
