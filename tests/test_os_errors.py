"""The operating system's English ("No such file or directory", "Connection refused")
never reaches a reader inside our translated messages: real failures of real files,
sockets, name lookups and TLS handshakes are said from gateway.core.os_errors' tables
in Japanese and English, and one no row names by its errno name."""

from __future__ import annotations

import errno
import os
import re
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.core.i18n import LOCALES, Msg, translate
from gateway.core.os_errors import CERT_SAID, CLASS_SAID, EAI_SAID, ERRNO_SAID, os_error
from tests.support.cli import run
from tests.support.config import write_config
from tests.support.smtp import self_signed

# three English words in a row: a sentence (a code like ENOTUNIQ or a path is not one)
ENGLISH = re.compile(r"[A-Za-z]{2,}(?:[ ,']+[A-Za-z]{2,}){2,}")
KANA_OR_KANJI = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _said(exc: BaseException) -> dict[str, str]:
    return {loc: translate(os_error(exc), loc) for loc in LOCALES}


def _caught(action: object) -> BaseException:
    try:
        action()  # type: ignore[operator]
    except (OSError, ssl.SSLError) as exc:
        return exc
    raise AssertionError("no error")


def _japanese(text: str) -> None:
    assert KANA_OR_KANJI.search(text), text
    assert not ENGLISH.search(text), text


@pytest.mark.parametrize(
    "said",
    [*ERRNO_SAID.values(), *EAI_SAID.values(), *CERT_SAID.values(), *(r[2] for r in CLASS_SAID)],
    ids=str,
)
def test_every_row_is_said_in_each_language(said: Msg) -> None:
    _japanese(translate(said, "ja"))
    assert translate(said, "en") == said.msgid and not KANA_OR_KANJI.search(said.msgid)


def test_real_file_failures_are_said_in_the_readers_language(tmp_path: Path) -> None:
    missing = _caught(lambda: (tmp_path / "nope").read_bytes())
    folder = _caught(lambda: open(tmp_path, "wb"))  # noqa: SIM115
    (tmp_path / "file").write_text("x")
    not_folder = _caught(lambda: (tmp_path / "file" / "inner").read_bytes())
    for exc in (missing, folder, not_folder):
        assert isinstance(exc, OSError) and exc.strerror
        said = _said(exc)
        _japanese(said["ja"])
        assert exc.strerror not in said["ja"] and exc.strerror not in said["en"]
        assert said["en"] == ERRNO_SAID[exc.errno].msgid
    assert _said(missing)["ja"] != _said(folder)["ja"] != _said(not_folder)["ja"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file of mode 000")
def test_permission_denied_is_said(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("x")
    secret.chmod(0)
    exc = _caught(secret.read_bytes)
    said = _said(exc)
    _japanese(said["ja"])
    assert "Permission denied" not in said["en"] and said["en"] == "permission denied"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def test_a_refused_connection_is_said() -> None:
    exc = _caught(lambda: socket.create_connection(("127.0.0.1", _closed_port()), timeout=5))
    said = _said(exc)
    _japanese(said["ja"])
    assert "Connection refused" not in said["en"] and "refused" in said["en"]


def test_an_unknown_host_is_said() -> None:
    exc = _caught(lambda: socket.getaddrinfo("no-such-host.invalid", 25))
    assert isinstance(exc, socket.gaierror)
    said = _said(exc)
    _japanese(said["ja"])
    assert str(exc.strerror) not in said["en"]


def test_an_errno_no_row_names_is_said_by_its_name() -> None:
    for code in (errno.ENOTUNIQ, errno.EREMCHG, errno.ENOLINK):
        assert code not in ERRNO_SAID
        said = _said(OSError(code, os.strerror(code)))
        name = errno.errorcode[code]
        assert all(name in text and os.strerror(code) not in text for text in said.values())
        _japanese(said["ja"])


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[int]:
    """A TLS server on a loopback port presenting a self-signed certificate."""
    cert, key = self_signed(tmp_path)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(5)

    def serve() -> None:
        try:
            conn, _ = listener.accept()
            with conn, ctx.wrap_socket(conn, server_side=True) as tls:
                tls.recv(1)
        except OSError:
            pass  # the client refused the handshake: what the test wants

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    listener.close()
    thread.join(5)


def test_an_untrusted_certificate_is_said(tls_server: int) -> None:
    def handshake() -> None:
        ctx = ssl.create_default_context()
        with (
            socket.create_connection(("127.0.0.1", tls_server), timeout=5) as raw,
            ctx.wrap_socket(raw, server_hostname="localhost"),
        ):
            pass

    exc = _caught(handshake)
    assert isinstance(exc, ssl.SSLCertVerificationError)
    said = _said(exc)
    _japanese(said["ja"])
    assert "certificate" in said["en"] and str(exc.verify_message) not in said["en"]


@pytest.mark.parametrize("locale", LOCALES)
def test_the_cli_says_a_missing_file_in_its_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, locale: str
) -> None:
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)  # the CLI speaks [gateway] locale then
    config = write_config(tmp_path, secret_file=True, locale=locale)
    ran = run(config, "catalog", "match", str(tmp_path / "nope.eml"), capsys=capsys)
    assert ran.code != 0
    assert "No such file or directory" not in ran.err
    assert translate(ERRNO_SAID[errno.ENOENT], locale) in ran.err
    if locale == "ja":
        _japanese(ran.err.replace(str(tmp_path), ""))


def test_a_tls_failure_is_said_with_its_code_not_as_an_errno() -> None:
    """An SSLError's errno is OpenSSL's SSL_ERROR_SSL (1), which is also EPERM."""
    wrong = ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number")
    wrong.reason = "WRONG_VERSION_NUMBER"
    said = _said(wrong)
    assert said["en"] == "the TLS handshake failed (WRONG_VERSION_NUMBER)"
    _japanese(said["ja"].replace("WRONG_VERSION_NUMBER", ""))


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(
    ("command", "english"),
    [('get-token "unclosed', "No closing quotation"), ("get-token \\", "No escaped character")],
)
def test_a_token_command_that_cannot_be_split_is_said_in_the_language(
    tmp_path: Path, locale: str, command: str, english: str
) -> None:
    from tests.support.config import config_error

    toml_command = command.replace("\\", "\\\\").replace('"', '\\"')
    error = config_error(
        tmp_path,
        f'[[imap]]\nhost = "imap.example.test"\nusername = "support"\n'
        f'oauth2_token_command = "{toml_command}"\n',
    )
    said = translate(error.message, locale)
    assert english not in said and error.key == "imap[0].oauth2_token_command"
    if locale == "ja":
        _japanese(said)


def test_a_wrapped_failure_is_said_by_its_cause() -> None:
    """smtplib turns a timeout into SMTPServerDisconnected("Connection unexpectedly
    closed: timed out"): said as the timeout it was; without a cause, as a hang-up."""
    import smtplib

    def wrapped() -> None:
        try:
            raise TimeoutError("timed out")
        except OSError as e:
            raise smtplib.SMTPServerDisconnected(f"Connection unexpectedly closed: {e}") from None

    exc = _caught(wrapped)
    assert _said(exc)["en"] == "timed out"
    bare = _said(smtplib.SMTPServerDisconnected("Connection unexpectedly closed"))
    assert bare["en"] == "the server closed the connection"
    _japanese(bare["ja"])
