"""A server (or a box in the path) that strips STARTTLS never gets the password.

``tls = "starttls"`` must not fall back to a plain-text login when the offer of
STARTTLS is missing, refused, or answered by a session that never turns to TLS, nor
when the greeting says the session is authenticated already (``PREAUTH``): whatever
the plain-text side says, no LOGIN or AUTHENTICATE is sent and nothing is read.
Where the server answered (no offer, a refusal, PREAUTH) the operator is told that
TLS did not start and what can help; it was said as "lacks a required capability"
or imaplib's "command STARTTLS illegal in state AUTH".
"""

from __future__ import annotations

import socket
import threading

import pytest

from gateway.receive.imap import ImapError, ImapPoller
from gateway.runtime.app import App
from tests.support.databases import sqlite_only
from tests.support.dovecot import PASSWORD, Dovecot

OFFER = "IMAP4rev1 AUTH=PLAIN LOGIN"


class Stripper:
    """A plain-text IMAP server on a loopback port, answering as a stripping box would;
    it keeps every line a client sent."""

    def __init__(self, greeting: str, starttls: str | None) -> None:
        self.greeting, self.starttls = greeting, starttls
        self.heard: list[bytes] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            with conn, conn.makefile("rwb") as io:
                io.write(self.greeting.encode() + b"\r\n")
                io.flush()
                for line in io:
                    self.heard.append(line)
                    tag, _, command = line.decode(errors="replace").strip().partition(" ")
                    verb = command.split(" ", 1)[0].upper()
                    if verb == "CAPABILITY":
                        offer = OFFER + (" STARTTLS" if self.starttls is not None else "")
                        io.write(f"* CAPABILITY {offer}\r\n{tag} OK done\r\n".encode())
                    elif verb == "STARTTLS" and self.starttls is not None:
                        io.write(f"{tag} {self.starttls}\r\n".encode())
                    elif verb == "LOGOUT":
                        io.write(f"* BYE\r\n{tag} OK bye\r\n".encode())
                    else:
                        io.write(f"{tag} OK done\r\n".encode())
                    io.flush()

    def close(self) -> None:
        self._listener.close()


@pytest.fixture
def user(dovecot: Dovecot) -> str:
    return dovecot.add_user()


CASES = {
    # the offer taken out of the greeting and of CAPABILITY
    "not offered": ("* OK IMAP4rev1 ready", None),
    "in the greeting only": (f"* OK [CAPABILITY {OFFER} STARTTLS] ready", None),
    # offered, then refused
    "refused": ("* OK ready", "BAD not now"),
    "no": ("* OK ready", "NO TLS unavailable"),
    # accepted, then the session goes on in plain text: no handshake
    "never turned": ("* OK ready", "OK begin TLS now"),
    # authenticated already, in plain text
    "preauth": ("* PREAUTH IMAP4rev1 logged in as support", "OK begin TLS now"),
}


@sqlite_only
@pytest.mark.parametrize("case", list(CASES))
def test_a_stripped_starttls_never_logs_in_in_plain_text(
    app: App, dovecot: Dovecot, user: str, case: str
) -> None:
    box = Stripper(*CASES[case])
    try:
        account = dovecot.account(user, tls="starttls", port=box.port)
        with pytest.raises(ImapError) as refused:
            ImapPoller(account, app.settings, app.sessions, app.clock).poll_once()
    finally:
        box.close()
    heard = b"".join(box.heard)
    assert PASSWORD.encode() not in heard
    for verb in (b"LOGIN", b"AUTHENTICATE", b"SELECT", b"EXAMINE", b"FETCH"):
        assert verb not in heard.upper(), (case, heard)
    said = str(refused.value)
    assert f"127.0.0.1:{box.port}" in said, said
    if case != "never turned":  # that one waits for a handshake: a timeout
        assert said.startswith(f"127.0.0.1:{box.port} did not start TLS (STARTTLS): "), said
        assert said.endswith(
            '; nothing was sent in plain text, the password neither; set tls = "implicit" '
            "(port 993) if the server offers it, or find what removes STARTTLS (a firewall "
            "or proxy in the path may)"
        ), said
