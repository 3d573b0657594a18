"""How much mail one FETCH may bring in: ``batch_size`` messages, and at most
:data:`FETCH_BYTES` of them.

imaplib reads a FETCH's literals whole, so a batch is held whole until it is
committed (it used to cost three times its size: imaplib's trace, see
``connect.untraced``): 50 scans of 10 MB (the default ``batch_size``) took 1.4 GB,
past the unit's ``MemoryMax``, and the daemon was killed at the same batch at every
restart. The
sizes (``RFC822.SIZE``, which servers keep in their index: no message is read for
it) are asked first, and a batch is cut where the next message would pass the limit.
A message over ``[smtp] max_message_size`` (the one size limit of the gateway's doors,
which the disk check keeps room for) is not fetched at all (``poller``).
"""

from __future__ import annotations

from collections.abc import Mapping

from imapclient import IMAPClient

# The mail one fetch (and one commit) holds at most; a bigger message comes alone.
FETCH_BYTES = 16 << 20
_SIZE = b"RFC822.SIZE"


def sizes(client: IMAPClient, uids: list[int]) -> dict[int, int]:
    """Each message's size as the server counts it; 0 for one gone meanwhile, or one
    the server gives no size for (Exchange answers ``RFC822.SIZE NIL`` for a message it
    cannot convert, as it answers ``BODY[] NIL``: see ``damaged``)."""
    found = client.fetch(uids, ["RFC822.SIZE"])
    given = {uid: found.get(uid, {}).get(_SIZE) for uid in uids}
    return {uid: size if isinstance(size, int) else 0 for uid, size in given.items()}


def by_bytes(
    uids: list[int], size: Mapping[int, int], limit: int = FETCH_BYTES, most: int | None = None
) -> list[list[int]]:
    """``uids`` in order, cut so that no part holds more than ``limit`` bytes, except
    a part of one message that alone is bigger. A message over ``most`` bytes (``[smtp]
    max_message_size``) is a part of its own, which the poller steps over unfetched."""
    parts: list[list[int]] = []
    part: list[int] = []
    held = 0
    for uid in uids:
        alone = most is not None and size.get(uid, 0) > most
        if part and (alone or held + size.get(uid, 0) > limit):
            parts.append(part)
            part, held = [], 0
        part.append(uid)
        held += size.get(uid, 0)
        if alone:
            parts.append(part)
            part, held = [], 0
    return [*parts, part] if part else parts
