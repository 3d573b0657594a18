"""A PostgreSQL server on another machine is reached over verified TLS, or not at all.

libpq's default (``sslmode=prefer``) asks for TLS, and when the far end says no (a
man in the middle says it as easily as the server), goes on in plain text: the login
and then every mail and ticket cross the network readable. When neither the URL nor
``PGSSLMODE`` names a mode, a server on another host gets ``verify-full`` against the
system's CAs (``sslrootcert=system``), as every other connection of the gateway
verifies its certificate (IMAP, the relay, webhooks, Slack); a server on this machine
(a Unix socket, ``localhost``, a loopback address) is left as it was.

The far end here is a real socket on this machine's non-loopback address that speaks
PostgreSQL's first exchange: it answers the SSLRequest with ``N`` (no TLS) and records
whatever the client sends next in plain text.
"""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import suppress

import pytest
from sqlalchemy.exc import OperationalError

from store.db import make_engine
from store.pg_connect import connect_args

SSL_REQUEST = 80877103  # the code of PostgreSQL's SSLRequest


def _outside_address() -> str:
    """An address of this machine that is not a loopback one (the test's "other host")."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: the route's source address
            address = str(probe.getsockname()[0])
        except OSError:
            address = ""
    if not address or address.startswith("127."):
        pytest.skip("this machine has no address but loopback")
    return address


class NoTlsServer:
    """Answers one SSLRequest with ``N`` and keeps what the client sends after it."""

    def __init__(self, host: str) -> None:
        self.listener = socket.create_server((host, 0))
        self.host, self.port = host, self.listener.getsockname()[1]
        self.asked_tls = False
        self.plain = b""
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        with suppress(OSError):
            conn, _ = self.listener.accept()
            with conn:
                conn.settimeout(5)
                head = conn.recv(8)
                if len(head) == 8 and struct.unpack("!II", head) == (8, SSL_REQUEST):
                    self.asked_tls = True
                    conn.sendall(b"N")
                    with suppress(OSError):
                        self.plain = conn.recv(4096)  # the startup message, if any
                else:
                    self.plain = head

    def close(self) -> None:
        self.listener.close()
        self.thread.join(5)


@pytest.fixture
def far_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[NoTlsServer]:
    for name in ("PGSSLMODE", "PGSSLROOTCERT", "PGHOST", "PGREQUIRESSL"):
        monkeypatch.delenv(name, raising=False)
    server = NoTlsServer(_outside_address())
    yield server
    server.close()


def _try(url: str) -> None:
    engine = make_engine(url)
    try:
        with pytest.raises(OperationalError):
            engine.connect().close()
    finally:
        engine.dispose()


def test_a_server_on_another_host_that_offers_no_tls_never_gets_the_login(
    far_server: NoTlsServer,
) -> None:
    _try(f"postgresql+psycopg://gateway:pw@{far_server.host}:{far_server.port}/gateway")
    far_server.thread.join(5)
    assert far_server.asked_tls
    assert b"gateway" not in far_server.plain  # no startup message (user, database) in clear


def test_a_mode_the_url_names_is_the_operators_choice(far_server: NoTlsServer) -> None:
    """``?sslmode=disable`` (a network the operator trusts) is kept as written."""
    url = f"postgresql+psycopg://gateway:pw@{far_server.host}:{far_server.port}/gateway"
    _try(url + "?sslmode=prefer")
    far_server.thread.join(5)
    assert b"user\x00gateway" in far_server.plain


@pytest.mark.parametrize(
    ("url", "tls"),
    [
        ("postgresql+psycopg://u@db.example.test/g", {"sslmode": "verify-full"}),
        ("postgresql+psycopg://u@192.0.2.10:5432/g", {"sslmode": "verify-full"}),
        ("postgresql+psycopg://u@[2001:db8::5]/g", {"sslmode": "verify-full"}),
        ("postgresql+psycopg://u@127.0.0.1:5432/g", {}),
        ("postgresql+psycopg://u@localhost/g", {}),
        ("postgresql+psycopg://u@[::1]/g", {}),
        ("postgresql+psycopg://u@/g", {}),  # libpq's Unix socket
        ("postgresql+psycopg://u@/g?host=/var/run/postgresql", {}),
        ("postgresql+psycopg://u@/g?host=db.example.test", {"sslmode": "verify-full"}),
        ("postgresql+psycopg://u@db.example.test/g?sslmode=require", {}),
        (
            "postgresql+psycopg://u@db.example.test/g?sslrootcert=/etc/ssl/pg-ca.pem",
            {"sslmode": "verify-full", "sslrootcert": None},
        ),
        ("sqlite:///var/gateway.db", {}),
    ],
)
def test_which_connections_are_given_verified_tls(
    monkeypatch: pytest.MonkeyPatch, url: str, tls: dict[str, str | None]
) -> None:
    for name in ("PGSSLMODE", "PGSSLROOTCERT", "PGHOST", "PGREQUIRESSL"):
        monkeypatch.delenv(name, raising=False)
    args = connect_args(url)
    given = {k: args.get(k) for k in ("sslmode", "sslrootcert")}
    if tls.get("sslmode"):
        expected_root = tls.get("sslrootcert", "system")
        assert given == {"sslmode": "verify-full", "sslrootcert": expected_root}
    else:
        assert given == {"sslmode": None, "sslrootcert": None}


def test_the_environments_mode_is_the_operators_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGSSLMODE", "require")
    assert "sslmode" not in connect_args("postgresql+psycopg://u@db.example.test/g")


def test_a_server_without_tls_is_said_as_such_in_both_languages(
    far_server: NoTlsServer,
) -> None:
    """An operator whose server has no TLS learns that, not "database error
    OperationalError": the refusal names what is missing, in the reader's language."""
    from gateway.core.db_errors import db_error
    from gateway.core.i18n import translate
    from tests.test_db_errors import _said_in_both

    engine = make_engine(f"postgresql+psycopg://gw:pw@{far_server.host}:{far_server.port}/gw")
    try:
        with pytest.raises(OperationalError) as caught:
            engine.connect().close()
    finally:
        engine.dispose()
    said = db_error(caught.value)
    _said_in_both(said, str(caught.value.orig))
    assert "TLS" in translate(said, "en") and "sslmode" in translate(said, "en")


# libpq's words (libpq 18) for a certificate it does not accept, as psycopg raises them
CERTIFICATE_REFUSALS = [
    'connection to server at "db.example.test", port 5432 failed: SSL error: certificate '
    "verify failed",
    'connection to server at "192.0.2.2", port 5432 failed: server certificate for '
    '"other.example" does not match host name "192.0.2.2"',
    'connection to server at "db.example.test", port 5432 failed: root certificate file '
    '"/etc/ssl/pg-ca.pem" does not exist',
]


@pytest.mark.parametrize("text", CERTIFICATE_REFUSALS)
def test_a_certificate_refused_is_said_as_such_in_both_languages(text: str) -> None:
    import psycopg

    from gateway.core.db_errors import db_error
    from tests.test_db_errors import _said_in_both

    said = db_error(psycopg.OperationalError(text))
    _said_in_both(said, text)
    assert "database error" not in str(said)
