"""Security regressions of the SMTP listener, on the wire with raw sockets where
``smtplib`` would refuse to send the bad input.

SMTP smuggling (only ``<CR><LF>.<CR><LF>`` ends DATA), STARTTLS command
injection, overlong lines, recipient limits, AUTH only over TLS, and never
relaying: whatever a peer does, only the gateway's own addresses are accepted.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from pathlib import Path

import pytest

from gateway.config.settings import Settings
from gateway.core.errors import ConfigError
from gateway.receive.smtp import Recipients, hash_password, load_users
from gateway.runtime.app import App
from tests.support.cpu import least_cpu
from tests.support.databases import sqlite_only
from tests.support.pipeline import inbox_rows
from tests.support.smtp import listening, smtp_settings, trusting


class Wire:
    """A line-level SMTP client that sends exactly the bytes it is given."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.buf = b""
        assert self.reply().startswith(b"220")

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def reply(self) -> bytes:
        """One complete (possibly multi-line) reply."""
        while True:
            lines = self.buf.split(b"\r\n")
            for i, line in enumerate(lines[:-1]):
                if len(line) < 4 or line[3:4] != b"-":
                    self.buf = b"\r\n".join(lines[i + 1 :])
                    return b"\r\n".join(lines[: i + 1])
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError(f"closed; pending {self.buf!r}")
            self.buf += chunk

    def command(self, line: bytes) -> bytes:
        self.send(line + b"\r\n")
        return self.reply()

    def close(self) -> None:
        self.sock.close()


@sqlite_only
def test_bare_lf_dot_lf_does_not_end_data_and_the_message_is_refused(
    app: App, settings: Settings
) -> None:
    smuggled = (
        b"From: a@customer.test\r\nSubject: first\r\n\r\nhello\n.\n"
        b"MAIL FROM:<evil@attacker.test>\r\nRCPT TO:<support@example.test>\r\nDATA\r\n"
        b"From: ceo@example.test\r\nSubject: smuggled\r\n\r\nsend money\r\n\r.\r\n"
        b"more\n.\r\nstill data\r\n"
    )
    with listening(smtp_settings(settings), app.sessions, app.clock) as srv:
        wire = Wire(srv.port)
        try:
            wire.command(b"EHLO client.test")
            assert wire.command(b"MAIL FROM:<a@customer.test>").startswith(b"250")
            assert wire.command(b"RCPT TO:<support@example.test>").startswith(b"250")
            assert wire.command(b"DATA").startswith(b"354")
            # one message, with bare line ends: refused whole (tests/test_smtp_smuggling.py)
            assert wire.command(smuggled + b".").startswith(b"550 5.5.2")
            assert wire.command(b"NOOP").startswith(b"250")  # no second reply was queued
        finally:
            wire.close()
    assert inbox_rows(app) == []


@sqlite_only
def test_starttls_discards_commands_sent_in_the_clear_with_it(
    app: App, settings: Settings, tls_files: tuple[Path, Path]
) -> None:
    cert, key = tls_files
    with listening(
        smtp_settings(settings, tls_cert=cert, tls_key=key), app.sessions, app.clock
    ) as srv:
        wire = Wire(srv.port)
        try:
            wire.command(b"EHLO client.test")
            wire.send(b"STARTTLS\r\nMAIL FROM:<injected@attacker.test>\r\n")
            assert wire.reply().startswith(b"220")
            wire.sock = trusting(cert).wrap_socket(wire.sock, server_hostname="localhost")
            wire.buf = b""
            wire.command(b"EHLO client.test")
            # the injected MAIL was dropped: a transaction needs MAIL first
            assert wire.command(b"RCPT TO:<support@example.test>").startswith(b"503")
        except (ssl.SSLError, ConnectionError):
            pass  # failing the handshake over the injected bytes is just as safe
        finally:
            wire.close()
    assert inbox_rows(app) == []


@sqlite_only
def test_overlong_lines_are_refused_and_the_session_stays_usable(
    app: App, settings: Settings
) -> None:
    with listening(smtp_settings(settings), app.sessions, app.clock) as srv:
        wire = Wire(srv.port)
        try:
            wire.command(b"EHLO client.test")
            assert wire.command(b"NOOP " + b"x" * 5000).startswith(b"500")
            wire.command(b"MAIL FROM:<a@customer.test>")
            wire.command(b"RCPT TO:<support@example.test>")
            wire.command(b"DATA")
            long_line = b"Subject: x\r\n\r\n" + b"y" * 1200 + b"\r\n."
            assert wire.command(long_line) == b"500 5.5.2 Line too long (RFC 5321 4.5.3.1.6)"
            wire.command(b"MAIL FROM:<a@customer.test>")
            wire.command(b"RCPT TO:<support@example.test>")
            wire.command(b"DATA")
            assert wire.command(b"Subject: fine\r\n\r\nok\r\n.").startswith(b"250")
        finally:
            wire.close()
    assert len(inbox_rows(app)) == 1


@sqlite_only
def test_too_many_recipients_get_452(app: App, settings: Settings) -> None:
    with (
        listening(smtp_settings(settings, max_recipients=3), app.sessions, app.clock) as srv,
        smtplib.SMTP("127.0.0.1", srv.port) as client,
    ):
        client.ehlo()
        client.mail("a@customer.test")
        for i in range(3):
            assert client.rcpt(f"support+{i}@example.test")[0] == 250
        assert client.rcpt("support+4@example.test") == (452, b"4.5.3 Too many recipients")
        assert client.data(b"Subject: x\r\n\r\nx\r\n")[0] == 250
    assert len(inbox_rows(app)[0].envelope_to) == 3


@pytest.mark.parametrize(
    "address",
    [
        "support@example.test.attacker.test",
        "support@attacker.test",
        '"support@example.test"@attacker.test',
        "support%example.test@attacker.test",
        "attacker.test!support@example.test",
        "support+@example.test",
        "",
    ],
)
def test_only_our_own_mailboxes_are_accepted(address: str) -> None:
    recipients = Recipients((("support", "example.test"),))
    assert not recipients.accepts(address)
    assert recipients.accepts("support+1-abc@Example.TEST")


@sqlite_only
def test_injected_line_breaks_in_commands_are_separate_commands(
    app: App, settings: Settings
) -> None:
    with listening(smtp_settings(settings), app.sessions, app.clock) as srv:
        wire = Wire(srv.port)
        try:
            wire.command(b"EHLO client.test")
            wire.command(b"MAIL FROM:<a@customer.test>")
            wire.send(b"RCPT TO:<support@example.test>\rRCPT TO:<victim@elsewhere.test>\r\n")
            assert wire.reply().startswith((b"501", b"553"))  # a bare CR is not a line end
            assert wire.command(b"RCPT TO:<victim@elsewhere.test>").startswith(b"550 5.1.1")
        finally:
            wire.close()


def _users_file(folder: Path) -> Path:
    path = folder / "users"
    path.write_text(
        "# mta relay login\nrelay:" + hash_password("s3cret pass") + "\nplain:{PLAIN}open sesame\n",
        encoding="utf-8",
    )
    return path


def test_users_file_formats(tmp_path: Path) -> None:
    users = load_users(_users_file(tmp_path), "<test>")
    assert users.check("relay", b"s3cret pass") and users.check("relay", b"s3cret pass")
    assert users.check("plain", b"open sesame")
    assert not users.check("relay", b"open sesame") and not users.check("nobody", b"")
    for bad_line in ("relay:cleartext", "relay:{SCRYPT}not base64!$x", "relay:{PLAIN}", ":x"):
        bad = tmp_path / "bad"
        bad.write_text(f"# comment\n{bad_line}\n", encoding="utf-8")
        with pytest.raises(ConfigError, match=r"smtp.auth_users_file.*line 2"):
            load_users(bad, "<test>")


def test_a_users_file_saved_by_notepad_keeps_its_first_login(tmp_path: Path) -> None:
    """Windows Notepad starts the file with a UTF-8 byte-order mark; kept, it was part
    of the first line's login, which then never matched."""
    path = tmp_path / "users"
    path.write_bytes(b"\xef\xbb\xbfrelay:{PLAIN}open sesame\r\n")
    assert load_users(path, "<test>").check("relay", b"open sesame")


def test_an_unknown_login_costs_what_a_wrong_password_costs(tmp_path: Path) -> None:
    """An unknown login was refused at once and a known one after scrypt (tens of
    milliseconds): timing AUTH told anyone which logins exist. Both pay scrypt now."""
    users = load_users(_users_file(tmp_path), "<test>")

    def cost(login: str) -> float:
        # CPU, the least of three: scrypt burns it, and a loaded machine stretches the
        # wall time of either call at random (a tenth of the other's cost, once)
        refused, spent = least_cpu(lambda: users.check(login, b"wrong guess"))
        assert not refused
        return spent

    known, unknown = cost("relay"), cost("nobody")
    assert unknown >= known / 3, (known, unknown)  # was about known / 10,000


@sqlite_only
def test_auth_only_over_tls_and_required_outside_trusted_networks(
    app: App, settings: Settings, tls_files: tuple[Path, Path], tmp_path: Path
) -> None:
    cert, key = tls_files
    cfg = smtp_settings(
        settings,
        tls_cert=cert,
        tls_key=key,
        trusted_networks=("10.0.0.0/8",),
        auth_users_file=_users_file(tmp_path),
    )
    with (
        listening(cfg, app.sessions, app.clock) as srv,
        smtplib.SMTP("localhost", srv.port) as client,
    ):
        client.ehlo()
        assert not client.has_extn("auth")
        assert client.docmd("AUTH", "PLAIN AHJlbGF5AHMzY3JldCBwYXNz")[0] == 538  # needs TLS
        assert client.mail("a@customer.test") == (530, b"5.7.0 Authentication required")
        client.starttls(context=trusting(cert))
        client.ehlo()
        assert client.has_extn("auth")
        with pytest.raises(smtplib.SMTPAuthenticationError):
            client.login("relay", "wrong")
        client.login("relay", "s3cret pass")  # smtplib tried PLAIN and LOGIN above: 4 AUTHs
        with pytest.raises(smtplib.SMTPRecipientsRefused):  # AUTH never makes us a relay
            client.sendmail("a@customer.test", ["victim@elsewhere.test"], b"Subject: x\r\n\r\n")
        assert (
            client.sendmail("a@customer.test", ["support@example.test"], b"Subject: x\r\n\r\nx\r\n")
            == {}
        )
    assert len(inbox_rows(app)) == 1


@sqlite_only
def test_trusted_networks_send_without_auth_and_no_auth_is_offered_without_users(
    app: App, settings: Settings, tls_files: tuple[Path, Path], tmp_path: Path
) -> None:
    cert, key = tls_files
    with_users = smtp_settings(
        settings, tls_cert=cert, tls_key=key, auth_users_file=_users_file(tmp_path)
    )
    with (
        listening(with_users, app.sessions, app.clock) as srv,
        smtplib.SMTP("127.0.0.1", srv.port) as client,
    ):  # loopback is trusted by default
        assert client.sendmail("a@customer.test", ["support@example.test"], b"S: 1\r\n") == {}
    without = smtp_settings(settings, tls_cert=cert, tls_key=key)
    with (
        listening(without, app.sessions, app.clock) as srv,
        smtplib.SMTP("localhost", srv.port) as client,
    ):
        client.starttls(context=trusting(cert))
        client.ehlo()
        assert not client.has_extn("auth")
        # HELP lists what may be used: DATA (which our own DATA once dropped), not AUTH
        commands = client.help().decode().split(": ", 1)[1].split()
        assert "DATA" in commands and "AUTH" not in commands, commands
        assert client.docmd("HELP", "DATA") == (250, b"2.0.0 Syntax: DATA")
        assert client.docmd("AUTH", "PLAIN AHJlbGF5AHMzY3JldCBwYXNz")[0] == 535


@sqlite_only
def test_auth_guessing_is_cut_off_after_four_tries(
    app: App, settings: Settings, tls_files: tuple[Path, Path], tmp_path: Path
) -> None:
    cert, key = tls_files
    cfg = smtp_settings(settings, tls_cert=cert, tls_key=key, auth_users_file=_users_file(tmp_path))
    with (
        listening(cfg, app.sessions, app.clock) as srv,
        smtplib.SMTP("localhost", srv.port) as client,
    ):
        client.starttls(context=trusting(cert))
        client.ehlo()
        for guess in ("a", "b", "c", "d"):
            assert client.docmd("AUTH", "PLAIN " + _plain("relay", guess))[0] == 535
        assert client.docmd("AUTH", "PLAIN " + _plain("relay", "s3cret pass"))[0] == 421


@sqlite_only
def test_auth_guessing_over_many_sessions_is_braked_per_client(
    app: App, settings: Settings, tls_files: tuple[Path, Path], tmp_path: Path
) -> None:
    """Four tries a session was no limit: a guesser opened the next session, and each
    try cost an scrypt on the listener's event loop (every other session waited the
    while). Past AUTH_FAILURES_PER_HOUR failed tries from one client in a clock hour,
    AUTH is refused at once with a temporary 454, the right password too (an MTA tries
    again later; nothing is lost), until the hour is over."""
    from datetime import timedelta

    from gateway.receive.smtp.limits import AUTH_FAILURES_PER_HOUR

    cert, key = tls_files
    cfg = smtp_settings(settings, tls_cert=cert, tls_key=key, auth_users_file=_users_file(tmp_path))

    def session(*passwords: str) -> list[int]:
        with smtplib.SMTP("localhost", srv.port) as client:
            client.starttls(context=trusting(cert))
            client.ehlo()
            return [client.docmd("AUTH", "PLAIN " + _plain("relay", p))[0] for p in passwords]

    with listening(cfg, app.sessions, app.clock) as srv:
        failed = 0
        while failed < AUTH_FAILURES_PER_HOUR:
            tries = min(4, AUTH_FAILURES_PER_HOUR - failed)
            assert session(*(f"guess{failed + n}" for n in range(tries))) == [535] * tries
            failed += tries
        braked = session("s3cret pass")
        app.clock.advance(timedelta(hours=1))
        again = session("s3cret pass")
    assert braked == [454]
    assert again == [235]


def _plain(user: str, password: str) -> str:
    import base64

    return base64.b64encode(f"\0{user}\0{password}".encode()).decode()
