"""How long to wait before the next try: exponential, capped, optionally jittered.

The one backoff of the gateway: IMAP reconnects, inbox rows that hit a locked
database, outbound mail while the relay is away, and the daemon's supervised
loops all wait by this curve. Pure, so the curve is tested without waiting.
The jitter keeps a fleet of gateways (or the accounts of one gateway) from
hammering a server that just came back in lockstep; the floor of half the step
keeps a failing account from ever turning into a busy loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime


def backoff_delay(failures: int, initial: timedelta, maximum: timedelta, jitter: float) -> float:
    """Seconds to wait after the ``failures``-th failure in a row (1 is the first).

    ``jitter`` is a number in [0, 1], normally ``random.random()``: the wait is
    somewhere between half a step and a full step ("equal jitter"); 1.0 gives
    the full step, deterministically.
    """
    if failures < 1:
        return 0.0
    first, ceiling = initial.total_seconds(), max(maximum, initial).total_seconds()
    step = min(ceiling, first * 2.0 ** min(failures - 1, 32))
    return step / 2 + step / 2 * min(max(jitter, 0.0), 1.0)


def doubling(failures: int, initial: timedelta, maximum: timedelta) -> timedelta:
    """``initial`` doubled per failure after the first, capped at ``maximum``; no jitter,
    for retries whose time is stored and shown (an inbox row, an outbox mail)."""
    return timedelta(seconds=backoff_delay(failures, initial, maximum, 1.0))


@dataclass(slots=True)
class Backoff:
    """The state of one retrying loop: each failure waits longer, a success starts over."""

    initial: float = 1.0  # seconds after the first failure
    maximum: float = 60.0  # the ceiling
    failures: int = 0

    def failed(self) -> float:
        """Count a failure; the seconds to wait before the next try."""
        self.failures += 1
        return doubling(
            self.failures, timedelta(seconds=self.initial), timedelta(seconds=self.maximum)
        ).total_seconds()

    def succeeded(self) -> None:
        self.failures = 0


def retry_after(value: str | None, now: datetime) -> timedelta | None:
    """A Retry-After header's wait (RFC 9110: delay-seconds or an HTTP date); None for
    none, or for what is neither. The one reading of the header for every service the
    gateway calls (webhook actions, Slack and chat webhooks): ``inf`` or ``1e30`` are not
    seconds, and a wait of years is capped by the caller, not turned into an overflow."""
    value = (value or "").strip()
    if value.isascii() and value.isdigit():
        return timedelta(seconds=int(value[:9]))  # 9 digits: years, capped by the caller
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # an HTTP date is GMT; one without a zone is read so
        when = when.replace(tzinfo=UTC)
    return max(when - now, timedelta(0))
