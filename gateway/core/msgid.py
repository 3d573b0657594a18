"""Message-IDs of a length a header line can carry, however long the one we were sent.

RFC 5322 caps a header line at 998 characters, and a Message-ID we store is echoed
in the In-Reply-To and References of every later mail of its ticket. An id longer
than :data:`MAX_LENGTH` is kept as a digest of itself: the same long id always
gives the same short one, so a reply that quotes the long original still threads,
and nothing we send grows with what a stranger wrote (issue #14).
"""

from __future__ import annotations

import hashlib
import re

MAX_LENGTH = 250
DOMAIN = "shortened.invalid"
_CONTROL = re.compile("[\x00-\x1f\x7f]")


def bounded(message_id: str) -> str:
    """``message_id`` itself, or ``sha256-<hex>@shortened.invalid`` when it is too long
    or holds a control character (a NUL, which PostgreSQL cannot store, or a byte no
    header we send may carry)."""
    if len(message_id) <= MAX_LENGTH and not _CONTROL.search(message_id):
        return message_id
    digest = hashlib.sha256(message_id.encode("utf-8", "surrogatepass")).hexdigest()[:40]
    return f"sha256-{digest}@{DOMAIN}"
