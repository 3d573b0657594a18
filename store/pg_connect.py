"""How the gateway connects to PostgreSQL: libpq's keepalives, the server's, and its cap
on a transaction left idle; NUL in text.

A backend whose client vanished, or a client that hangs inside a transaction, keeps its
row and advisory locks; a link that dies without a word leaves a query waiting for
hours. Every engine made for PostgreSQL (:func:`store.db.make_engine`, and
:func:`lock_holder_engine` for the advisory locks' connections) gets these settings,
so that each is found in about a minute and a door answers 451 meanwhile. Kept apart
from :mod:`store.db`, which sets engines up per backend and owns the unit of work.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event, make_url
from sqlalchemy.pool import NullPool

from gateway.core.hosts import is_loopback
from gateway.core.text import nul_replaced

# The server's side of the keepalives below, on every connection to PostgreSQL: a backend
# whose client's machine vanished (no FIN) keeps its transaction, its row locks (FOR
# UPDATE), its advisory locks (a mailbox's poller, a runner's rows) and its slot until the
# server gives up on the client: after the kernel's two hours by default; with these,
# after about a minute. Set once per new connection (_server_settings), not per checkout.
SERVER_KEEPALIVES: dict[str, int] = {
    "tcp_keepalives_idle": 30,  # seconds
    "tcp_keepalives_interval": 10,
    "tcp_keepalives_count": 3,
}
# A client that hangs (not dies: a stopped process, a deadlocked thread, a stuck NFS
# read) inside a transaction keeps its row locks, and the other instances wait on them
# for ever: keepalives see a live client. The server ends a transaction left idle (no
# statement running) this long; the client's next statement is then a database outage
# (TransientError: 451, exit 75). The longest the gateway itself is idle between two
# statements of one transaction is a row's stage, within [limits] processing_budget
# (30 s), so the cap is ten times that, or twice a longer budget (make_engine's
# longest_step). Everything else waits outside transactions: the lock holders commit
# after each statement, network calls (relay, Slack, webhooks) run between units.
IDLE_IN_TRANSACTION = timedelta(minutes=5)
# libpq's own side of it, on every connection we make to PostgreSQL: a link that dies
# without a word (a NAT or firewall that forgets the connection, a cable or VPN that
# goes: packets dropped, no RST) is found in about half a minute, so a door answers
# 451 and the mail waits at the sender. Without them a query waiting for its answer
# waits for the kernel's keepalive (two hours), and one whose data is unacknowledged
# for its retransmissions (about 15 minutes). A URL's own values win (?keepalives_idle=).
PG_CONNECT_ARGS: dict[str, int] = {
    "connect_timeout": 5,  # seconds
    "keepalives": 1,
    "keepalives_idle": 10,  # seconds of silence before the first probe …
    "keepalives_interval": 5,  # … then one probe every 5 s …
    "keepalives_count": 3,  # … and dead after 3 unanswered (or tcp_user_timeout): ~30 s
    "tcp_user_timeout": 30_000,  # ms that sent data may stay unacknowledged
}


def connect_args(url: str | URL) -> dict[str, Any]:
    """What the driver is given beside ``url``: on PostgreSQL :data:`PG_CONNECT_ARGS`
    and, to a server on another machine, :func:`verified_tls`, less the parameters the
    URL's query sets itself (SQLAlchemy lets ``connect_args`` override the query, so
    the URL's would be lost)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return {}
    ours = {**PG_CONNECT_ARGS, **verified_tls(parsed, os.environ)}
    return {key: value for key, value in ours.items() if key not in parsed.query}


# What a connection to a server on another machine gets when neither the URL nor the
# environment names an sslmode: libpq's own default, "prefer", goes on in plain text
# when the far end says it has no TLS, which a man in the middle says as easily as the
# server (the login, then every mail, crossed the network readable), and checks no
# certificate when it has. "system": the system's CAs (libpq 16 and later; psycopg's
# binary wheel has it), as the gateway's other connections verify theirs.
VERIFIED_TLS = {"sslmode": "verify-full", "sslrootcert": "system"}


def verified_tls(url: URL, environ: Mapping[str, str]) -> dict[str, str]:
    """:data:`VERIFIED_TLS` for a server on another machine, unless the URL or
    ``PGSSLMODE`` (``PGREQUIRESSL``, its old name) chooses a mode, which is the
    operator's choice (``sslmode=disable`` on a network they trust); the CAs too when
    the URL or ``PGSSLROOTCERT`` names a file. A server on this machine (a Unix socket,
    ``localhost``, a loopback address; a name is never looked up) is left as it was."""
    if "sslmode" in url.query or environ.get("PGSSLMODE") or environ.get("PGREQUIRESSL"):
        return {}
    hosts = _hosts(url, environ)
    if all(_this_machine(host) for host in hosts):
        return {}
    if "sslrootcert" in url.query or environ.get("PGSSLROOTCERT") or not _knows_system_cas():
        return {"sslmode": VERIFIED_TLS["sslmode"]}  # an older libpq: ~/.postgresql/root.crt
    return dict(VERIFIED_TLS)


def _knows_system_cas() -> bool:
    """Whether the libpq in use reads ``sslrootcert=system`` (16 and later); an older
    one would look for a file named "system"."""
    from psycopg import pq

    return bool(pq.version() >= 160000)


def _hosts(url: URL, environ: Mapping[str, str]) -> list[str]:
    """The hosts libpq will try: the URL's, else its ``?host=``, else ``PGHOST``; a
    comma-separated list is several ("": libpq's Unix socket)."""
    query = url.query.get("host")
    written = url.host or (query if isinstance(query, str) else ",".join(query or ()))
    return (written or environ.get("PGHOST", "")).split(",")


def _this_machine(host: str) -> bool:
    host = host.strip()
    return not host or host.startswith(("/", "@")) or is_loopback(host.strip("[]"))


def lock_holder_engine(engine: Engine) -> Engine:
    """An engine of ``engine``'s PostgreSQL database for a connection that holds
    session-level advisory locks: NullPool, so closing the connection really closes it
    and the server drops its locks; the same connect arguments and server keepalives
    as :func:`store.db.make_engine`'s. Its connections wait outside any transaction: the default
    idle-transaction cap is more than enough."""
    holder = create_engine(engine.url, poolclass=NullPool, connect_args=connect_args(engine.url))
    on_postgres_connect(holder, IDLE_IN_TRANSACTION)
    return holder


def on_postgres_connect(engine: Engine, idle_in_transaction: timedelta) -> None:
    if engine.dialect.name == "postgresql":
        ms = max(1, idle_in_transaction // timedelta(milliseconds=1))
        ours = {**SERVER_KEEPALIVES, "idle_in_transaction_session_timeout": ms}
        event.listen(engine, "connect", _server_settings(_set_server_settings(ours)))


def _set_server_settings(ours: dict[str, int]) -> str:
    """Ours where the connection's own value is the server's (default, configuration
    file): a value the URL gives (options=-c tcp_keepalives_idle=60), or PGOPTIONS, or
    ALTER ROLE/DATABASE … SET, wins. One statement, in one round trip."""
    return (
        "SELECT set_config(name, ours.value, false) FROM (VALUES "
        + ", ".join(f"('{name}', '{int(value)}')" for name, value in ours.items())
        + ") AS ours(name, value) JOIN pg_settings USING (name)"
        " WHERE pg_settings.source NOT IN ('client', 'user', 'database', 'database user')"
    )


def _server_settings(statement: str) -> Callable[[Any, Any], None]:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        """:data:`SERVER_KEEPALIVES` and the idle-transaction cap on a new connection,
        outside any transaction (one rolled back would take the settings with it)."""
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        try:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute(statement)
            finally:
                cursor.close()
        finally:
            dbapi_connection.autocommit = autocommit

    return on_connect


def text_without_nul(dbapi_connection: Any, _record: Any) -> None:
    """PostgreSQL's text cannot hold NUL (psycopg refused the statement: a Message-ID with
    one kept a mail out). Every string sent here has NUL as U+FFFD (:func:`nul_replaced`,
    which the doors apply already, so SQLite stores the same); raw bytes are kept (bytea),
    and a lookup is changed as its stored value was."""
    from psycopg.types.string import StrBinaryDumper, StrDumperUnknown

    class TextDumper(StrDumperUnknown):
        def dump(self, obj: str) -> Any:
            return super().dump(nul_replaced(obj))

    class BinaryDumper(StrBinaryDumper):
        def dump(self, obj: str) -> Any:
            return super().dump(nul_replaced(obj))

    dbapi_connection.adapters.register_dumper(str, TextDumper)
    dbapi_connection.adapters.register_dumper(str, BinaryDumper)
