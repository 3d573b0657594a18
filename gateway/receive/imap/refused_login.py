"""A secret the server refused is not sent again until it changed, or an hour passed.

The support mailbox is often an account of the company's directory (Active Directory
behind Exchange, an ISP's LDAP), which locks an account after a few failed logins
(5 in 30 minutes is a common policy), for every client, people included. The poller's
backoff (2 s, doubling up to ``retry_max``) sent a refused password 6 times in its
first minute. So the secret is still read at every try (a rotated password or a fresh
token needs no restart), but one the server refused is sent again only once it is
another, or after :data:`SAME_SECRET_AGAIN` (the server's side may have been fixed:
the password reset to the one in the file); until then the try fails as the refusal
did, with the same words, so the problem is neither logged again nor lost.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from gateway.receive.imap.auth import Credentials
from gateway.receive.imap.errors import ImapError

# how long a refused secret is not sent again: a directory's lockout counter is
# reset within it (30 minutes is common), so one try an hour never locks the account
SAME_SECRET_AGAIN = timedelta(hours=1)


# RFC 5530's codes of a refusal that is no verdict on the secret: the server cannot
# check it now (its directory down), or the account is busy elsewhere; tried again as
# any failure, with the backoff
_FOR_NOW = ("[UNAVAILABLE]", "[INUSE]")


def lasting(server_said: str) -> bool:
    """Whether a refused login is a verdict on the secret (else: tried again soon)."""
    return not any(code in server_said.upper() for code in _FOR_NOW)


def _fingerprint(credentials: Credentials) -> str:
    """Which secret it was, without keeping it: a digest of the user and the secret."""
    seen = f"{credentials.mechanism}\0{credentials.username}\0{credentials.secret}"
    return hashlib.sha256(seen.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class RefusedLogin:
    """The last secret the server refused for one account, when, and what was said."""

    fingerprint: str | None = None
    at: datetime | None = None
    said: ImapError | None = None

    def check(self, credentials: Credentials, now: datetime) -> None:
        """Raise the refusal again instead of sending the secret it refused, unless
        :data:`SAME_SECRET_AGAIN` has passed since."""
        if self.said is None or self.at is None or self.fingerprint != _fingerprint(credentials):
            return
        if now - self.at < SAME_SECRET_AGAIN:
            raise ImapError(self.said.message)

    def refused(self, credentials: Credentials, now: datetime, said: ImapError) -> None:
        self.fingerprint, self.at, self.said = _fingerprint(credentials), now, said

    def accepted(self) -> None:
        self.fingerprint, self.at, self.said = None, None, None
