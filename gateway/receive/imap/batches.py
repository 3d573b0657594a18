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

The sizes are the server's word, and 0, NIL or a size smaller than the message let
``batch_size`` messages of up to ``max_message_size + 1`` bytes each (``oversize``)
into one fetch. So the bound holds on what can come, not on what was announced: a
part is cut where its count times the biggest size announced in it would pass the
limit, and each of its messages is fetched as at most :func:`each` bytes (its share of
the limit, or more when an announced size needs it), so that no answer can hold
more. A message that fills its share was bigger than announced: it and the mail after
it are not stored from that answer but fetched again (:func:`learn`), the bigger one
with room for all the size limit allows (alone when that is over the limit). The price
is paid by honest servers too, in round trips, not bytes: a batch of small mail is one
fetch as before, but a big message among small ones takes fewer of them along (16
beside one of 1 MB, where the sum allowed all 50).
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
    """``uids`` in order, cut so that no part could hold more than ``limit`` bytes
    (its count times the biggest size in it, each fetched as :func:`each` bytes),
    except a part of one message, which may be bigger alone. A message over ``most``
    bytes (``[smtp] max_message_size``) is a part of its own, which the poller steps
    over unfetched."""
    parts: list[list[int]] = []
    part: list[int] = []
    biggest = 0
    for uid in uids:
        alone = most is not None and size.get(uid, 0) > most
        bigger = max(biggest, size.get(uid, 0))
        if part and (alone or (len(part) + 1) * (bigger + 1) > limit):
            parts.append(part)
            part, bigger = [], size.get(uid, 0)
        part.append(uid)
        biggest = bigger
        if alone:
            parts.append(part)
            part, biggest = [], 0
    return [*parts, part] if part else parts


def each(part: list[int], size: Mapping[int, int], most: int, limit: int = FETCH_BYTES) -> int:
    """How many bytes of each message of ``part`` one fetch asks for: all a message
    within ``most`` can have when it comes alone; else its share of ``limit``, or one
    over the biggest size announced if that is more (``by_bytes`` keeps the count
    times that within ``limit``), never more than one over ``most`` (``oversize``)."""
    if len(part) == 1:
        return most + 1
    biggest = max(size.get(uid, 0) for uid in part)
    return min(most + 1, max(biggest + 1, limit // len(part)))


def learn(found: dict[int, bytes], asked: int, most: int, size: dict[int, int]) -> int | None:
    """After a fetch of ``asked`` bytes a message: the first UID that filled them though
    under ``most + 1`` (bigger than announced: its true size unknown), else None. What
    came whole gives its true size, one that filled them counts as ``most``, so that
    it comes alone (or all of it within the limit) the next time (``size`` is changed)."""
    if asked > most:  # filled: over the limit, whatever was announced (``oversize.cut``)
        return None
    for uid, raw in found.items():
        size[uid] = most if len(raw) >= asked else len(raw)
    return min((uid for uid, raw in found.items() if len(raw) >= asked), default=None)
