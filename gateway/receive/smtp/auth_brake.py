"""Failed AUTH tries counted per client across sessions, and the brake past them.

aiosmtpd ends a session after four AUTH tries (``limits.CALL_LIMITS``), but a guesser
opens the next session: the passwords of ``auth_users_file`` could be tried for ever,
and each try costs an scrypt on the listener's event loop, which every other session
waits for meanwhile. So failures are counted per client (an IPv4 address or an IPv6
/64: :func:`gateway.core.hosts.client_of`) per clock hour; past
:data:`~gateway.receive.smtp.limits.AUTH_FAILURES_PER_HOUR` the client's AUTH is
answered at once with a temporary ``454`` (RFC 4954), the right password too, so the
guessing learns nothing and costs nothing, until the hour ends. Only the listener's
event loop uses it, so it takes no lock; the injected clock says the hour.
"""

from __future__ import annotations

from datetime import datetime

from gateway.core.clock import Clock
from gateway.receive.smtp.limits import AUTH_FAILURES_PER_HOUR

BRAKED = "454 4.7.0 Too many failed logins from your address: try again later"
# clients remembered at once; past this the counts of earlier hours are dropped first,
# then (a flood of addresses within one hour) all of them: memory stays bounded
MAX_CLIENTS = 100_000


class LoginBrake:
    """The failed AUTH tries of each client in the current clock hour."""

    def __init__(self, clock: Clock, limit: int = AUTH_FAILURES_PER_HOUR) -> None:
        self.clock, self.limit = clock, limit
        self._failures: dict[str, tuple[datetime, int]] = {}

    def closed(self, client: str) -> bool:
        """Whether ``client`` has failed :attr:`limit` times this hour."""
        return self._count(client, self._hour()) >= self.limit

    def failed(self, client: str) -> None:
        """Count one failed try of ``client``."""
        hour = self._hour()
        if client not in self._failures and len(self._failures) >= MAX_CLIENTS:
            self._forget(hour)
        self._failures[client] = (hour, self._count(client, hour) + 1)

    def _count(self, client: str, hour: datetime) -> int:
        found = self._failures.get(client)
        return found[1] if found is not None and found[0] == hour else 0

    def _forget(self, hour: datetime) -> None:
        self._failures = {c: v for c, v in self._failures.items() if v[0] == hour}
        if len(self._failures) >= MAX_CLIENTS:
            self._failures.clear()

    def _hour(self) -> datetime:
        return self.clock.now().replace(minute=0, second=0, microsecond=0)
