"""The one-time token of a form: when it was issued, a random part, a signature.

It is the submission's idempotency nonce and fixes its ``submitted_at``, so a
double click (or a retried POST) encodes to the same bytes and the inbox keeps
one row: one ticket. Pure.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta

from gateway.web.keys import same, sign

MAX_AGE = timedelta(days=1)  # a form left open longer is re-issued
_SHAPE = re.compile(r"(\d{1,12})\.([0-9a-f]{32})\.([0-9a-f]{24})")


def issue(key: bytes, now: datetime) -> str:
    body = f"{int(now.timestamp())}.{secrets.token_hex(16)}"
    return f"{body}.{sign(key, body, 24)}"


def issued_at(key: bytes, token: str, now: datetime) -> datetime | None:
    """When a genuine, still valid token was issued; None for anything else."""
    m = _SHAPE.fullmatch(token)
    if m is None or not same(m[3], sign(key, f"{m[1]}.{m[2]}", 24)):
        return None
    when = datetime.fromtimestamp(int(m[1]), UTC)
    if not timedelta(minutes=-5) <= now - when <= MAX_AGE:
        return None
    return when
