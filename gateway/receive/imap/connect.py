"""Opening a mailbox session: TLS always, credentials read at each login.

There is no plain-text mode: ``implicit`` TLS from the first byte or
``STARTTLS`` before anything else (a server that does not offer it is an
error, never a fallback), with certificates always verified. Credentials are
read just before the socket opens, so a rotated password or a refreshed token
needs no restart and a missing one leaks nothing.
"""

from __future__ import annotations

import logging
import re
import socket
import ssl
from contextlib import suppress
from datetime import datetime
from pathlib import Path

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError, LoginError

from gateway.config.settings import ImapSettings
from gateway.core.i18n import N_
from gateway.receive.imap import tls_mode
from gateway.receive.imap.auth import Credentials, load_credentials
from gateway.receive.imap.errors import ImapError, describe, server_text
from gateway.receive.imap.refused_login import RefusedLogin, lasting

log = logging.getLogger("gateway.imap")

# Seconds of silence before the first keepalive probe, then between probes, and the
# probes unanswered before the link is taken for dead: 60 + 15 * 4 = 2 minutes.
KEEPALIVE_IDLE, KEEPALIVE_INTERVAL, KEEPALIVE_COUNT = 60, 15, 4
_KEEPALIVE = [
    (getattr(socket, name), value)
    for name, value in (
        ("TCP_KEEPIDLE", KEEPALIVE_IDLE),
        ("TCP_KEEPINTVL", KEEPALIVE_INTERVAL),
        ("TCP_KEEPCNT", KEEPALIVE_COUNT),
    )
    if hasattr(socket, name)
]


def tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """Verifying, always: ``ca_file`` replaces the system CAs, nothing turns checks off."""
    return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)


def connect(
    account: ImapSettings, refused: RefusedLogin | None = None, now: datetime | None = None
) -> IMAPClient:
    """A logged-in session; with ``after = "move"`` the processed folder exists too.
    ``refused``: the secret the server refused last, not sent again until it changed
    or an hour after ``now`` (a directory would lock the account: ``refused_login``)."""
    credentials = load_credentials(account)  # before the socket: nothing to leak
    if refused is not None and now is not None:
        refused.check(credentials, now)  # raises the refusal again, sends nothing
    client = _open(account)
    try:
        keep_alive(client.socket())
        try:
            _login(client, credentials)
        except LoginError as exc:
            said = ImapError(describe(exc, account))
            if refused is not None and now is not None and lasting(server_text(exc)):
                refused.refused(credentials, now, said)
            raise said from exc
        if refused is not None:
            refused.accepted()
        if account.after == "move":
            ensure_folder(client, account)
    except BaseException:
        shutdown(client)
        raise
    return client


def _login(client: IMAPClient, credentials: Credentials) -> None:
    if credentials.mechanism == "xoauth2":
        client.oauth2_login(credentials.username, credentials.secret)
    elif credentials.username.isascii() and credentials.secret.isascii():
        client.login(credentials.username, credentials.secret)
    else:  # imaplib sends LOGIN as ASCII only; PLAIN carries UTF-8 (RFC 4616)
        client.plain_login(credentials.username, credentials.secret)


def _open(account: ImapSettings) -> IMAPClient:
    context, timeout = tls_context(account.ca_file), account.timeout.total_seconds()
    if account.tls == "implicit":
        return untraced(
            tls_mode.implicit(
                account,
                lambda: IMAPClient(
                    account.host, account.port, ssl=True, ssl_context=context, timeout=timeout
                ),
            )
        )
    client = untraced(
        tls_mode.plain_greeting(
            account, lambda: IMAPClient(account.host, account.port, ssl=False, timeout=timeout)
        )
    )
    try:
        client.starttls(context)  # no STARTTLS offered: CapabilityError, never plain text
    except IMAPClientAbortError:  # the connection lost: an outage, said as one
        shutdown(client)
        raise
    except IMAPClientError as exc:  # not offered, refused, or a PREAUTH greeting
        shutdown(client)
        raise no_tls(account, exc) from exc
    except BaseException:
        shutdown(client)
        raise
    return client


def no_tls(account: ImapSettings, exc: IMAPClientError) -> ImapError:
    """STARTTLS not offered, refused, or not allowed (a ``PREAUTH`` greeting): said as
    "lacks a required capability" or imaplib's "command STARTTLS illegal in state AUTH",
    which told neither that the password stayed unsent nor what can help."""
    where = f"{account.host}:{account.port}"
    return ImapError(
        N_(
            "{where} did not start TLS (STARTTLS): {server}; nothing was sent in plain "
            'text, the password neither; set tls = "implicit" (port 993) if the server '
            "offers it, or find what removes STARTTLS (a firewall or proxy in the path may)",
            where=where,
            server=server_text(exc),
        )
    )


def keep_alive(sock: socket.socket) -> None:
    """TCP keepalives: a first probe after KEEPALIVE_IDLE seconds of silence, so a NAT
    or firewall that forgets idle connections (Azure after 4 minutes, AWS's NAT gateway
    after 350 s) keeps this one while it waits in IDLE, and a link that died silently
    is found within 2 minutes rather than at the next IDLE renewal."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    for option, value in _KEEPALIVE:
        with suppress(OSError):  # Linux names; a system without one keeps its default
            sock.setsockopt(socket.IPPROTO_TCP, option, value)


def untraced(client: IMAPClient) -> IMAPClient:
    """``client`` without imaplib's trace, unless its logger would show it.

    imapclient sets imaplib's debug level to 5 and hands the trace to the
    ``imapclient.imaplib`` logger, but imaplib formats each trace line before any
    logger is asked, and at level 5 a line holds the repr of every response it
    files, a fetched message included, twice: one message cost three times its size
    in memory (a 20 MB one, 67 MB) only for lines nobody logged. Whoever turns that
    logger to DEBUG gets the trace back, and pays for it.
    """
    if not logging.getLogger("imapclient.imaplib").isEnabledFor(logging.DEBUG):
        client._imap.debug = 0  # no public setting; imaplib reads it at every response
    return client


def ensure_folder(client: IMAPClient, account: ImapSettings) -> None:
    """Create ``processed_folder`` unless it exists (or another client just created it).

    One the server will not create (a name it refuses, a right or a folder quota the
    account lacks) was said as "… refused a command: create failed: …", which names
    neither the folder nor the setting: said as what it is, with what to do. Nothing is
    read meanwhile, since nothing read could be moved; the mail waits on the server."""
    name = account.processed_folder
    if client.folder_exists(name):
        return
    try:
        client.create_folder(name)
    except IMAPClientError as exc:
        if client.folder_exists(name):  # another client was quicker
            return
        where = f"{account.host}:{account.port}"
        server = _CREATE_FAILED.sub("", server_text(exc))
        if prefix := namespace_outside(client, name):
            raise ImapError(
                N_(
                    "the folder {folder} for processed messages cannot be created on "
                    "{where}: {server}; the server keeps the account's folders under "
                    "{prefix}: set processed_folder = {suggested}; messages stay on the "
                    "server until then",
                    folder=repr(name),
                    where=where,
                    server=server,
                    prefix=repr(prefix),
                    suggested=repr(prefix + name),
                )
            ) from exc
        raise ImapError(
            N_(
                "the folder {folder} for processed messages cannot be created on {where}: "
                "{server}; create it by hand, or set processed_folder to a folder the "
                "account may create; messages stay on the server until then",
                folder=repr(name),
                where=where,
                server=server,
            )
        ) from exc
    log.info("imap %s: created folder %r for processed messages", account.key, name)
    with suppress(IMAPClientError):
        client.subscribe_folder(name)  # so people see it in their own client


def namespace_outside(client: IMAPClient, name: str) -> str | None:
    """The prefix of the account's own folders (NAMESPACE, RFC 2342) when ``name`` is not
    under it: Courier-IMAP (many Japanese ISPs, cPanel hosts) keeps every folder under
    ``INBOX.`` and answers a CREATE of another name only "Invalid mailbox name.". None
    when the server says no prefix, or nothing (no NAMESPACE, or a refusal)."""
    if not client.has_capability("NAMESPACE"):
        return None
    try:
        personal = client.namespace().personal or ()
    except IMAPClientError:
        return None
    prefixes = [prefix for prefix, _separator in personal if prefix]
    if not prefixes or any(name.startswith(prefix) for prefix in prefixes):
        return None
    return str(prefixes[0])


# imapclient's words before the server's: "create failed: [CANNOT] Invalid mailbox name…"
_CREATE_FAILED = re.compile(r"^create failed: ", re.IGNORECASE)


def shutdown(client: IMAPClient) -> None:
    """Close the socket without a LOGOUT: for a session that failed or must end now."""
    with suppress(OSError, IMAPClientError):
        client.shutdown()
