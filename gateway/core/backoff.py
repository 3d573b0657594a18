"""How long to wait before the next try: exponential, capped, with jitter.

Pure, so the curve is tested without waiting. The jitter keeps a fleet of
gateways (or the accounts of one gateway) from hammering a mail server that
just came back in lockstep; the floor of half the step keeps a failing account
from ever turning into a busy loop.
"""

from __future__ import annotations

from datetime import timedelta


def backoff_delay(failures: int, initial: timedelta, maximum: timedelta, jitter: float) -> float:
    """Seconds to wait after the ``failures``-th failure in a row (1 is the first).

    ``jitter`` is a number in [0, 1), normally ``random.random()``: the wait is
    somewhere between half a step and a full step ("equal jitter").
    """
    if failures < 1:
        return 0.0
    first, ceiling = initial.total_seconds(), max(maximum, initial).total_seconds()
    step = min(ceiling, first * 2.0 ** min(failures - 1, 32))
    return step / 2 + step / 2 * min(max(jitter, 0.0), 1.0)
