"""A ``tls`` setting that does not fit the port, said as that, with what to set.

A provider's page lists 143 (STARTTLS) and 993 (implicit TLS) side by side, and the
two get mixed up. Implicit TLS on a STARTTLS port meets a plain-text greeting, which
OpenSSL reads as a record of an unknown version (``WRONG_VERSION_NUMBER``); STARTTLS
on an implicit-TLS port waits for a greeting the server never sends (it waits for the
TLS handshake). They were said as a failed handshake and as a server that did not
answer; neither named the setting. Nothing is sent in plain text in either case.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable

from imapclient import IMAPClient

from gateway.config.settings import ImapSettings
from gateway.core.i18n import N_
from gateway.receive.imap.errors import ImapError

# OpenSSL's reason for a first answer that is no TLS record (a plain-text greeting)
_PLAIN_TEXT = "WRONG_VERSION_NUMBER"


def implicit(account: ImapSettings, opening: Callable[[], IMAPClient]) -> IMAPClient:
    """``opening()``, with a plain-text answer said as a STARTTLS port."""
    try:
        return opening()
    except ssl.SSLError as exc:
        if getattr(exc, "reason", None) != _PLAIN_TEXT:
            raise
        where = f"{account.host}:{account.port}"
        raise ImapError(
            N_(
                "{where} answered in plain text, not TLS: it is a port for STARTTLS (as 143); "
                'set tls = "starttls", or port to the server\'s port of implicit TLS (as 993)',
                where=where,
            )
        ) from exc


def plain_greeting(account: ImapSettings, opening: Callable[[], IMAPClient]) -> IMAPClient:
    """``opening()``, with no greeting within the timeout said as an implicit-TLS port."""
    try:
        return opening()
    except TimeoutError as exc:
        seconds = f"{account.timeout.total_seconds():g}"
        where = f"{account.host}:{account.port}"
        raise ImapError(
            N_(
                "{where} sent no greeting within {seconds}s: if it is a port of implicit TLS "
                '(as 993), set tls = "implicit", or port to the server\'s port for STARTTLS '
                "(as 143)",
                where=where,
                seconds=seconds,
            )
        ) from exc
