"""Every way a mailbox session fails, as :func:`gateway.receive.imap.describe` says it:
real exceptions of ssl, socket and imapclient, and the credential problems that
:func:`gateway.receive.imap.auth.load_credentials` raises for real settings. The
health alert shows them (a mailbox's last error), so the language scanner reads them
all. (A message left in the folder because its move or flag was refused is a problem
of its own: tests/support/samples.problems.)"""

from __future__ import annotations

import os
import socket
import ssl
import tempfile
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import cast

from imapclient import IMAPClient
from imapclient.exceptions import (
    CapabilityError,
    IMAPClientAbortError,
    IMAPClientError,
    IMAPClientReadOnlyError,
    LoginError,
)

from gateway.config.settings import ImapSettings
from gateway.core.errors import GatewayError, TransientError
from gateway.core.i18n import Msg
from gateway.receive.imap import ImapError, auth, describe, tls_mode
from gateway.receive.imap.auth import CredentialError, load_credentials
from gateway.receive.imap.connect import ensure_folder, no_tls
from gateway.receive.imap.folder import check_flag_kept, select_to_read

ACCOUNT = ImapSettings(host="imap.example.test", username="support@example.test")


def mailbox_errors() -> list[Msg]:
    untrusted = ssl.SSLCertVerificationError(1, "certificate verify failed")
    untrusted.verify_message = "self-signed certificate"  # the ssl module sets these
    other_name, expired = (
        ssl.SSLCertVerificationError(1, "certificate verify failed") for _ in "ab"
    )
    other_name.verify_code, expired.verify_code = 62, 10  # HOSTNAME_MISMATCH, CERT_HAS_EXPIRED
    self_signed = ssl.SSLCertVerificationError(1, "certificate verify failed")
    self_signed.verify_code = 18  # DEPTH_ZERO_SELF_SIGNED_CERT: the server's own signed itself
    wrong = ssl.SSLError(1, "wrong version number")
    wrong.reason = "WRONG_VERSION_NUMBER"
    raised: list[BaseException] = [
        untrusted,
        self_signed,
        other_name,
        expired,
        wrong,
        ConnectionRefusedError(111, "Connection refused"),
        TimeoutError(),
        socket.gaierror(-2, "Name or service not known"),
        OSError(101, "Network is unreachable"),
        CapabilityError("Server does not support IDLE"),
        IMAPClientAbortError("socket error: EOF"),
        IMAPClientError("select failed: Mailbox doesn't exist: Support"),
        TransientError("database is locked"),
        GatewayError("another problem of ours"),
        ValueError("something nobody expected"),
        *_credential_errors(),
        _flag_not_kept(),
        _read_only(),
        _not_created(),
        _not_created(namespace="INBOX."),
        no_tls(ACCOUNT, CapabilityError("Server does not support STARTTLS capability")),
        *_tls_mode_mixed_up(wrong),
        _no_such_folder(),
        _no_such_folder(namespace="INBOX."),
    ]
    return [describe(exc, ACCOUNT) for exc in raised] + _refused_logins()


def _refused_logins() -> list[Msg]:
    """A refused login names where its secret was read from: each of the four places."""
    refused = LoginError("b'[AUTHENTICATIONFAILED] Authentication failed.'")
    token = replace(ACCOUNT, auth="xoauth2")
    sources = [
        replace(ACCOUNT, password_file=Path("/etc/ticket-gateway/imap.password")),
        replace(ACCOUNT, password_env="IMAP_PASSWORD"),
        replace(token, oauth2_token_file=Path("/var/lib/ticket-gateway/m365.token")),
        replace(token, oauth2_token_command=("/usr/local/bin/oauth-helper", "token")),
    ]
    return [describe(refused, account) for account in sources]


def _tls_mode_mixed_up(plain_text: ssl.SSLError) -> list[ImapError]:
    """``tls`` that does not fit the port: implicit TLS meeting a plain-text greeting,
    STARTTLS waiting for a greeting that an implicit-TLS port never sends."""
    found = []
    for check, raised in (
        (tls_mode.implicit, plain_text),
        (tls_mode.plain_greeting, TimeoutError()),
    ):

        def opening(exc: BaseException = raised) -> IMAPClient:
            raise exc

        try:
            check(ACCOUNT, opening)
        except ImapError as exc:
            found.append(exc)
    assert len(found) == 2, found
    return found


def _flag_not_kept() -> ImapError:
    """Flag mode on a server that keeps no keyword of ours (Exchange)."""
    exchange = {b"PERMANENTFLAGS": (b"\\Seen", b"\\Answered", b"\\Flagged", b"\\Deleted")}
    try:
        check_flag_kept(exchange, replace(ACCOUNT, after="flag"))
    except ImapError as exc:
        return exc
    raise AssertionError("Exchange's PERMANENTFLAGS taken for ones that keep $Processed")


def _read_only() -> ImapError:
    """A folder the account may read but not change: imaplib refuses it at the SELECT."""

    class ReadOnly:  # the one call made, answered as imaplib answers it
        def select_folder(self, folder: str) -> dict[bytes, object]:
            raise IMAPClientReadOnlyError(f"{folder!r} is not writable")

    try:
        select_to_read(cast(IMAPClient, ReadOnly()), ACCOUNT)
    except ImapError as exc:
        return exc
    raise AssertionError("a read-only folder taken for one the poller may change")


def _no_such_folder(namespace: str = "") -> ImapError:
    """A ``folder`` the server has not (Dovecot's words); with a ``namespace``, one whose
    account keeps its folders under it (Courier's ``INBOX.``)."""

    class Missing:  # the calls made, answered as Dovecot answers them
        def select_folder(self, folder: str) -> dict[bytes, object]:
            raise IMAPClientError(f"select failed: Mailbox doesn't exist: {folder}")

        def folder_exists(self, folder: str) -> bool:
            return False

        def has_capability(self, capability: str) -> bool:
            return bool(namespace) and capability == "NAMESPACE"

        def namespace(self) -> SimpleNamespace:
            return SimpleNamespace(personal=((namespace, "."),))

    try:
        select_to_read(cast(IMAPClient, Missing()), replace(ACCOUNT, folder="Support"))
    except ImapError as exc:
        return exc
    raise AssertionError("a folder the server has not taken for one it has")


def _not_created(namespace: str = "") -> ImapError:
    """A ``processed_folder`` the server refuses to create (Dovecot's words); with a
    ``namespace``, one whose account keeps its folders under it (Courier's ``INBOX.``)."""

    class Refusing:  # the calls made, answered as Dovecot answers them
        def folder_exists(self, folder: str) -> bool:
            return False

        def has_capability(self, capability: str) -> bool:
            return bool(namespace) and capability == "NAMESPACE"

        def namespace(self) -> SimpleNamespace:
            return SimpleNamespace(personal=((namespace, "."),))

        def create_folder(self, folder: str) -> None:
            raise IMAPClientError(
                "create failed: [CANNOT] Invalid mailbox name: Name must not have '/' characters."
            )

    try:
        ensure_folder(cast(IMAPClient, Refusing()), replace(ACCOUNT, processed_folder="Done/2026"))
    except ImapError as exc:
        return exc
    raise AssertionError("a processed folder the server refused taken for one it made")


def _credential_errors() -> list[CredentialError]:
    with tempfile.TemporaryDirectory() as folder:
        empty, latin = Path(folder) / "empty", Path(folder) / "latin"
        empty.write_text("")
        latin.write_bytes(b"P\xe4sswort\n")
        unset = "TICKET_GATEWAY_SAMPLE_UNSET"
        os.environ.pop(unset, None)
        token = replace(ACCOUNT, auth="xoauth2")
        accounts = [
            replace(ACCOUNT, password_env=unset),
            ACCOUNT,  # neither password_file nor password_env
            token,  # neither oauth2_token_file nor oauth2_token_command
            replace(token, oauth2_token_file=empty),
            replace(ACCOUNT, password_file=Path(folder) / "missing"),
            replace(ACCOUNT, password_file=latin),
            replace(token, oauth2_token_command=("false",)),
            replace(token, oauth2_token_command=("sh", "-c", "echo token expired >&2; exit 2")),
            replace(token, oauth2_token_command=("true",)),
            replace(token, oauth2_token_command=(str(Path(folder) / "no-such-helper"),)),
            replace(token, oauth2_token_command=("sleep", "5")),
        ]
        found = []
        patience, auth.TOKEN_COMMAND_TIMEOUT = auth.TOKEN_COMMAND_TIMEOUT, 0.05  # "timed out"
        try:
            for account in accounts:
                try:
                    load_credentials(account)
                except CredentialError as exc:
                    found.append(exc)
        finally:
            auth.TOKEN_COMMAND_TIMEOUT = patience
        assert len(found) == len(accounts), found
        return found
