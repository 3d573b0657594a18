"""Every way a mailbox session fails, said in one line an operator can act on.

imapclient, imaplib, ssl and socket each raise their own exceptions with their
own wording; :func:`describe` turns all of them into a sentence that names the
server and says what to check, and that sentence is what the log, ``status``
and the health alert show. :class:`ImapError` carries it out of ``poll_once``.
"""

from __future__ import annotations

import re
import socket
import ssl

from imapclient.exceptions import (
    CapabilityError,
    IMAPClientAbortError,
    IMAPClientError,
    LoginError,
)

from gateway.config.settings import ImapSettings
from gateway.core.errors import GatewayError, TransientError


class ImapError(GatewayError):
    """A mailbox problem, worded for the operator: TLS, login, network, protocol."""


def describe(exc: BaseException, account: ImapSettings) -> str:
    """One line an operator can act on, for every way a mailbox session fails."""
    where = f"{account.host}:{account.port}"
    if isinstance(exc, GatewayError):
        suffix = "; messages stay on the server" if isinstance(exc, TransientError) else ""
        return f"{exc}{suffix}"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (
            f"TLS certificate of {where} is not trusted ({exc.verify_message}); "
            "set ca_file to the CA that signed it"
        )
    if isinstance(exc, ssl.SSLError):
        return f"TLS with {where} failed: {exc.reason or exc}"
    if isinstance(exc, ConnectionRefusedError):
        return f"cannot connect to {where}: connection refused (is the server down?)"
    if isinstance(exc, TimeoutError):
        return f"{where} did not answer within {account.timeout.total_seconds():g}s"
    if isinstance(exc, socket.gaierror):
        return f"cannot resolve {account.host}: {exc.strerror}"
    if isinstance(exc, OSError):
        return f"network error with {where}: {exc.strerror or exc}"
    if isinstance(exc, LoginError):
        return f"login as {account.username!r} refused by {where}: {_server_text(exc)}"
    if isinstance(exc, CapabilityError):
        return f"{where} lacks a required capability: {exc}"
    if isinstance(exc, IMAPClientAbortError):
        return f"connection to {where} lost: {_server_text(exc)}"
    if isinstance(exc, IMAPClientError):
        return f"{where} refused a command: {_server_text(exc)}"
    return f"unexpected {type(exc).__name__}: {exc}"


# Dovecot ends an internal error with when it happened ("… for more information.
# [2026-12-04 19:07:54]") and a refusal with how long it took ("Mailbox doesn't exist:
# Support (0.001 + 0.000 secs)."): without them, the same failure is the same problem,
# logged once
_WHEN = re.compile(
    r"\s*\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\]$|\s*\((?:\d+\.\d+ \+ )*\d+\.\d+ secs\)"
)


def _server_text(exc: BaseException) -> str:
    """imaplib puts bytes reprs into messages: b'[AUTHENTICATIONFAILED] ...'."""
    text = str(exc)
    for quote in ("'", '"'):
        if text.startswith(f"b{quote}") and text.endswith(quote):
            text = text[2:-1]
            break
    return _WHEN.sub("", text)
