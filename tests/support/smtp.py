"""The SMTP listener under test on a loopback port, a raw client, and throwaway TLS material.

``listening`` runs the real ``SmtpListener`` with the real inbox writer, so a test
talks to it with ``smtplib`` (or raw sockets) exactly as an MTA would.
"""

from __future__ import annotations

import socket
import ssl
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from gateway.config.settings import Settings
from gateway.core.clock import Clock
from gateway.receive.smtp import SmtpListener
from gateway.receive.writer import InboxWriter
from store.accept.contract import InboxAcceptor
from store.accept.generic import SessionInbox


def crlf(raw: bytes) -> bytes:
    """What smtplib puts on the wire, so what the inbox must hold byte for byte."""
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def raw_session(port: int, commands: bytes) -> bytes:
    """One SMTP session of raw bytes (smtplib sends only what it can encode: no NUL, no
    byte outside ASCII in a command), ended by its QUIT; the replies."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(commands)
        replies = b""
        while not replies.endswith(b" Bye\r\n") and (chunk := conn.recv(65536)):
            replies += chunk
    return replies


def smtp_settings(settings: Settings, **changes: Any) -> Settings:
    """``settings`` with ``[smtp]`` changed; port 0 lets the kernel choose a free one."""
    return replace(settings, smtp=replace(settings.smtp, **{"port": 0, **changes}))


@contextmanager
def listening(
    settings: Settings,
    sessions: sessionmaker[Session],
    clock: Clock,
    direct: InboxAcceptor | None = None,
) -> Iterator[SmtpListener]:
    """The listener and its inbox writer, started; stopped (with a short grace) after."""
    writer = InboxWriter(direct or SessionInbox(sessions), clock)
    writer.start()
    listener = SmtpListener(settings, writer, hostname="gateway.test")
    listener.start()
    try:
        yield listener
    finally:
        listener.stop(grace=1.0)
        writer.stop()


def self_signed(folder: Path, name: str = "localhost") -> tuple[Path, Path]:
    """A throwaway certificate for localhost/127.0.0.1, or for the host ``name`` alone
    (EC: generated in milliseconds)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "2",
            "-subj",
            f"/CN={name}",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1"
            if name == "localhost"
            else f"subjectAltName=DNS:{name}",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def expired_self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for localhost/127.0.0.1 that expired in 2020 (``openssl req`` cannot
    backdate one; ``openssl ca`` can, given a throwaway database)."""
    cert, key, csr = folder / "expired.pem", folder / "expired-key.pem", folder / "expired.csr"
    (folder / "index").write_text("")
    (folder / "serial").write_text("01\n")
    (folder / "ext").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    (folder / "ca.cnf").write_text(
        f"[ca]\ndefault_ca=x\n[x]\ndatabase={folder}/index\nserial={folder}/serial\n"
        "policy=p\n[p]\ncommonName=supplied\n"
    )
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run = ["openssl", "req", "-new", *ec, "-keyout", str(key), "-out", str(csr)]
    subprocess.run([*run, "-subj", "/CN=localhost"], check=True, capture_output=True)
    sign = ["openssl", "ca", "-batch", "-selfsign", "-keyfile", str(key), "-in", str(csr)]
    dates = ["-startdate", "20200101000000Z", "-enddate", "20200102000000Z"]
    where = ["-extfile", str(folder / "ext"), "-outdir", str(folder)]
    config = ["-md", "sha256", "-config", str(folder / "ca.cnf")]
    subprocess.run(
        [*sign, "-out", str(cert), *dates, *where, *config], check=True, capture_output=True
    )
    return cert, key


def trusting(cert: Path) -> ssl.SSLContext:
    """A client context that trusts exactly ``cert`` (and verifies the host name)."""
    return ssl.create_default_context(cafile=str(cert))


def server_context(tls_files: tuple[Path, Path]) -> ssl.SSLContext:
    """A server context presenting the self-signed certificate from ``tls_files``."""
    cert, key = tls_files
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx


class Wire:
    """Exact bytes out, one reply line at a time in."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.buf = b""
        assert self.line().startswith(b"220")

    def line(self) -> bytes:
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError(f"closed; pending {self.buf!r}")
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line

    def reply(self) -> bytes:
        """The last line of one (possibly multi-line) reply."""
        while (line := self.line())[3:4] == b"-":
            pass
        return line

    def command(self, data: bytes) -> bytes:
        self.sock.sendall(data + b"\r\n")
        return self.reply()

    def envelope(self, *recipients: bytes) -> None:
        assert self.command(b"MAIL FROM:<a@customer.test>").startswith(b"250")
        for recipient in recipients or (b"support@example.test",):
            assert self.command(b"RCPT TO:<" + recipient + b">").startswith(b"250")
        assert self.command(b"DATA").startswith(b"354")
