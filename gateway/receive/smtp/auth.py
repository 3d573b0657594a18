"""SMTP AUTH users: the ``auth_users_file`` and the password check.

The file holds ``user:{SCRYPT}salt$key`` lines (see :func:`hash_password`) or,
for tests and throwaway setups, ``user:{PLAIN}password``. AUTH is only offered
over TLS (the config reader insists), and only to peers outside
``trusted_networks``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from pathlib import Path

from gateway.core.errors import ConfigError
from gateway.core.i18n import N_
from gateway.core.os_errors import os_error
from gateway.core.utf8 import not_utf8, secret_text


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """A line value for ``auth_users_file``: ``{SCRYPT}<salt>$<key>`` (base64)."""
    salt = salt or os.urandom(16)
    key = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
    return "{SCRYPT}" + base64.b64encode(salt).decode() + "$" + base64.b64encode(key).decode()


class Users:
    """Who may AUTH. scrypt costs tens of milliseconds on the event loop, so a
    password that was right once is remembered (as a keyed digest, never in
    clear) and a relay reconnecting for every message pays it once."""

    def __init__(self, entries: dict[str, str]) -> None:
        self._entries = entries
        self._pepper = os.urandom(32)
        self._verified: set[tuple[str, bytes]] = set()
        # what an unknown login is checked against: it costs what a real one costs, so
        # the time of a refusal does not tell which logins exist
        self._nobody = hash_password(base64.b64encode(os.urandom(18)).decode())

    def check(self, login: str, password: bytes) -> bool:
        stored = self._entries.get(login)
        if stored is None:
            _password_matches(self._nobody, password)  # the same work, always refused
            return False
        token = (login, hmac.new(self._pepper, password, hashlib.sha256).digest())
        if token in self._verified:
            return True
        if _password_matches(stored, password):
            self._verified.add(token)
            return True
        return False


def _password_matches(stored: str, password: bytes) -> bool:
    if stored.startswith("{PLAIN}"):
        return hmac.compare_digest(stored[len("{PLAIN}") :].encode(), password)
    salt, key = _scrypt_parts(stored)
    return hmac.compare_digest(hashlib.scrypt(password, salt=salt, n=2**14, r=8, p=1), key)


def _scrypt_parts(stored: str) -> tuple[bytes, bytes]:
    salt_b64, _, key_b64 = stored.removeprefix("{SCRYPT}").partition("$")
    return base64.b64decode(salt_b64, validate=True), base64.b64decode(key_b64, validate=True)


def load_users(path: Path, source: str) -> Users:
    """``user:{SCRYPT}…`` (see :func:`hash_password`) or ``user:{PLAIN}password`` lines."""
    entries: dict[str, str] = {}
    try:
        text = secret_text(path)
    except (OSError, UnicodeDecodeError) as exc:  # gone since the load, or Shift_JIS
        error = not_utf8(exc) if isinstance(exc, UnicodeDecodeError) else os_error(exc)
        problem = N_("cannot read {file}: {error}", file=str(path), error=error)
        raise ConfigError(source, "smtp.auth_users_file", problem) from None
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        user, _, secret = line.strip().partition(":")
        if not user or not _valid_secret(secret):
            raise ConfigError(
                source,
                "smtp.auth_users_file",
                N_(
                    "{path} line {number}: expected user:{{SCRYPT}}salt$key or "
                    "user:{{PLAIN}}password",
                    path=str(path),
                    number=number,
                ),
            )
        entries[user] = secret
    return Users(entries)


def _valid_secret(secret: str) -> bool:
    if secret.startswith("{PLAIN}"):
        return len(secret) > len("{PLAIN}")
    try:
        return secret.startswith("{SCRYPT}") and all(_scrypt_parts(secret))
    except ValueError:  # binascii.Error is a ValueError
        return False
