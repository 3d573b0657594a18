"""The secret an IMAP login needs: a password, or an OAuth 2 access token.

Read at every login rather than at start, because passwords rotate and access
tokens expire after about an hour: an external OAuth helper keeps a token file
fresh, or a configured command prints a current token. Errors name where the
secret was expected, never the secret itself, and a token command gets no
shell and no secret on its command line.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from gateway.config.settings import ImapSettings
from gateway.core.i18n import N_
from gateway.core.os_errors import os_error
from gateway.core.utf8 import not_utf8, secret_text
from gateway.receive.imap.errors import ImapError

TOKEN_COMMAND_TIMEOUT = 60.0  # seconds; a helper that refreshes a token may go online


class CredentialError(ImapError):
    """The secret for a mailbox cannot be had right now; the login is retried later.
    Said to the operator as any mailbox problem (a Msg; the system's words verbatim)."""


@dataclass(frozen=True, slots=True)
class Credentials:
    mechanism: str  # "password" | "xoauth2"
    username: str
    secret: str  # the password or the bearer token

    def __repr__(self) -> str:  # never print the secret, not even in a traceback
        return f"Credentials({self.mechanism!r}, {self.username!r}, secret=<hidden>)"


def load_credentials(account: ImapSettings) -> Credentials:
    if account.auth == "xoauth2":
        return Credentials("xoauth2", account.username, _token(account))
    return Credentials("password", account.username, _password(account))


def _password(account: ImapSettings) -> str:
    if account.password_env:
        value = os.environ.get(account.password_env, "")
        if not value:
            raise CredentialError(
                N_(
                    "environment variable {name} (password_env) is not set",
                    name=account.password_env,
                )
            )
        return value
    if account.password_file is None:
        raise CredentialError(N_("no password_file or password_env configured"))
    # Only the line break an editor adds is dropped: spaces may belong to the password.
    return _read_secret(account.password_file, "password_file").rstrip("\r\n")


def _token(account: ImapSettings) -> str:
    if account.oauth2_token_command:
        return _run_token_command(account.oauth2_token_command)
    if account.oauth2_token_file is None:
        raise CredentialError(N_("no oauth2_token_file or oauth2_token_command configured"))
    token = _read_secret(account.oauth2_token_file, "oauth2_token_file").strip()
    if not token:
        raise CredentialError(
            N_("oauth2_token_file {path} is empty", path=str(account.oauth2_token_file))
        )
    return token


def _read_secret(path: Path, key: str) -> str:
    try:
        return secret_text(path)
    except (OSError, UnicodeDecodeError) as exc:
        reason = os_error(exc) if isinstance(exc, OSError) else not_utf8(exc)
        raise CredentialError(
            N_("cannot read {key} {path}: {reason}", key=key, path=str(path), reason=reason)
        ) from None


def _run_token_command(argv: tuple[str, ...]) -> str:
    """stdout is the token; stderr and the exit code explain a failure."""
    try:
        done = subprocess.run(  # argv from the operator's config, no shell
            list(argv),
            capture_output=True,
            timeout=TOKEN_COMMAND_TIMEOUT,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        problem = N_("timed out") if isinstance(exc, subprocess.TimeoutExpired) else os_error(exc)
        raise CredentialError(
            N_(
                "oauth2_token_command {program} failed: {problem}",
                program=repr(argv[0]),
                problem=problem,
            )
        ) from None
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        said = detail[-1][:200] if detail else ""
        raise CredentialError(
            N_(
                "oauth2_token_command {program} exited with {code}: {said}",
                program=repr(argv[0]),
                code=done.returncode,
                said=said,
            )
            if said
            else N_(
                "oauth2_token_command {program} exited with {code}",
                program=repr(argv[0]),
                code=done.returncode,
            )
        )
    token = done.stdout.decode("utf-8", "replace").strip()
    if not token:
        raise CredentialError(
            N_("oauth2_token_command {program} printed no token", program=repr(argv[0]))
        )
    return token
