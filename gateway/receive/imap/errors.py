"""Every way a mailbox session fails, said in one line an operator can act on.

imapclient, imaplib, ssl and socket each raise their own exceptions with their
own wording; :func:`describe` turns all of them into a sentence that names the
server and says what to check, and that sentence is what the log, ``status``
and the health alert show: a Msg, so that ``status`` and the alert say it in
their reader's language (the log in English), with the server's own words in it
as they came. :class:`ImapError` carries it out of ``poll_once``.
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
from gateway.core.cert_fix import CertFix, cert_fix
from gateway.core.errors import GatewayError, TransientError
from gateway.core.i18n import N_, Msg
from gateway.core.os_errors import os_error


class ImapError(GatewayError):
    """A mailbox problem, worded for the operator: TLS, login, network, protocol.
    ``message`` says it in the reader's language; ``str()`` is its English, for logs."""

    def __init__(self, message: Msg) -> None:
        super().__init__(str(message))
        self.message = message


SERVER_TEXT_MAX = 500  # characters of a server's own words kept (a row keeps 2000)


def describe(exc: BaseException, account: ImapSettings) -> Msg:
    """One line an operator can act on, for every way a mailbox session fails: our words
    in the reader's language, the server's or the system's own text verbatim within."""
    where = f"{account.host}:{account.port}"
    if isinstance(exc, ImapError):
        return exc.message
    if isinstance(exc, TransientError):
        return N_("{error}; messages stay on the server", error=str(exc))
    if isinstance(exc, GatewayError):
        said = getattr(exc, "message", None)
        return said if isinstance(said, Msg) else N_("{error}", error=str(exc))
    if isinstance(exc, ssl.SSLCertVerificationError):
        return _unverified(exc, account, where)
    if isinstance(exc, ssl.SSLError):
        return N_("TLS with {where} failed: {reason}", where=where, reason=os_error(exc))
    if isinstance(exc, ConnectionRefusedError):
        return N_(
            "cannot connect to {where}: connection refused (is the server down?)", where=where
        )
    if isinstance(exc, TimeoutError):
        seconds = f"{account.timeout.total_seconds():g}"
        return N_("{where} did not answer within {seconds}s", where=where, seconds=seconds)
    if isinstance(exc, socket.gaierror):
        return N_("cannot resolve {host}: {reason}", host=account.host, reason=os_error(exc))
    if isinstance(exc, OSError):
        return N_("network error with {where}: {reason}", where=where, reason=os_error(exc))
    if isinstance(exc, LoginError):
        refused = N_(
            "login as {user} refused by {where}: {server}",
            user=repr(account.username),
            where=where,
            server=server_text(exc),
        )
        return _check_secret(refused, account)
    if isinstance(exc, CapabilityError):
        return N_("{where} lacks a required capability: {server}", where=where, server=str(exc))
    if isinstance(exc, IMAPClientAbortError):
        return N_("connection to {where} lost: {server}", where=where, server=server_text(exc))
    if isinstance(exc, IMAPClientError):
        return N_("{where} refused a command: {server}", where=where, server=server_text(exc))
    return N_("unexpected {kind}: {error}", kind=type(exc).__name__, error=str(exc))


def _check_secret(refused: Msg, account: ImapSettings) -> Msg:
    """A refused login, with where the secret it sent was read from: an operator with
    several mailboxes (and files) is told which one to fix, never the secret itself.
    The same order as ``auth.load_credentials`` reads them in."""
    if account.auth == "xoauth2":
        if account.oauth2_token_command:
            return N_(
                "{problem}; check the token oauth2_token_command {program} prints",
                problem=refused,
                program=repr(account.oauth2_token_command[0]),
            )
        return N_(
            "{problem}; check the token in oauth2_token_file {path}",
            problem=refused,
            path=str(account.oauth2_token_file),
        )
    if account.password_env:
        return N_(
            "{problem}; check the password in the environment variable {name} (password_env)",
            problem=refused,
            name=account.password_env,
        )
    return N_(
        "{problem}; check the password in password_file {path}",
        problem=refused,
        path=str(account.password_file),
    )


# OpenSSL's X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT: the server's own certificate signed
# itself, so there is no CA to name: "the CA that signed it" sent people looking for one
_SELF_SIGNED = 18


def _unverified(exc: ssl.SSLCertVerificationError, account: ImapSettings, where: str) -> Msg:
    """A certificate that does not verify, with the change that can help: ``host`` for
    one made out to other names (``ca_file`` was said for all, and cannot help there)."""
    fix = cert_fix(exc)
    if fix is CertFix.HOST:
        return N_(
            "TLS certificate of {where} is not for the host name {host}; set host to a "
            "name the certificate is for (ca_file cannot help)",
            where=where,
            host=account.host,
        )
    if getattr(exc, "verify_code", None) == _SELF_SIGNED:
        return N_(
            "TLS certificate of {where} is self-signed and not trusted; set ca_file to a "
            "copy of that certificate (check its fingerprint with the server's administrator)",
            where=where,
        )
    if fix is CertFix.SERVER:
        return N_(
            "TLS certificate of {where} is not trusted ({reason}); ca_file cannot help: "
            "the server needs a valid certificate",
            where=where,
            reason=os_error(exc),
        )
    return N_(
        "TLS certificate of {where} is not trusted ({reason}); "
        "set ca_file to the CA that signed it",
        where=where,
        reason=os_error(exc),
    )


# Dovecot ends an internal error with when it happened ("… for more information.
# [2026-12-04 19:07:54]"), a refusal with how long it took ("Mailbox doesn't exist:
# Support (0.001 + 0.000 secs)."), and a newer one says both ("… [2026-12-05 05:39:47]
# (0.001 + 0.000 + 0.001 secs)."): without them, the same failure is the same problem,
# logged once (after a sentence's period, the period that ends them goes with them)
_TOOK = r"\s*\((?:\d+\.\d+ \+ )*\d+\.\d+ secs\)"
_AT = r"\s*\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\]"
_WHEN = re.compile(rf"(?<=\.){_AT}(?:{_TOOK})?\.?$|{_AT}(?=(?:{_TOOK})?\.?$)|{_TOOK}")


def server_text(exc: BaseException) -> str:
    """imaplib puts bytes reprs into messages: b'[AUTHENTICATIONFAILED] ...'."""
    text = str(exc)
    for quote in ("'", '"'):
        if text.startswith(f"b{quote}") and text.endswith(quote):
            text = text[2:-1]
            break
    return _WHEN.sub("", text)[:SERVER_TEXT_MAX]
