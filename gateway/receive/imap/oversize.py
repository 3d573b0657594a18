"""A message over ``[smtp] max_message_size`` is not fetched, and not held back on.

The size limit is the gateway's one bound on a message, whichever door it comes in by:
SMTP refuses a bigger one, and the disk check keeps room for two of that size. The
poller asks the sizes before each fetch (``batches``) and used to fetch any size whole,
into memory and then the database. A message over the limit is now left in the folder
with the keyword :data:`UNREADABLE` for a person (a bigger limit, or a forward by
hand), and stepped over like a damaged one: ``status`` names it for as long as it stays.

The size asked is the server's word: ``RFC822.SIZE`` 0, NIL (Exchange, for a message it
cannot convert) or smaller than the message let any size through, fetched whole. So the
content is fetched as its first ``max_message_size + 1`` bytes (:func:`whole`), and one
that fills them is over the limit whatever was announced (:func:`cut`): left in the
folder and stepped over as an honest one is, and never held whole in memory.
"""

from __future__ import annotations

import logging
from collections.abc import Collection

from imapclient import IMAPClient

from gateway.receive.imap.damaged import mark
from gateway.receive.imap.folder import UNREADABLE

log = logging.getLogger("gateway.imap")


def leave(client: IMAPClient, key: str, uid: int, size: int, most: int) -> None:
    """Mark ``uid`` (``size`` bytes, over ``most``) and say so, once: the poller
    remembers it among those stepped over and calls this only for a new one."""
    mark(client, [uid], key)
    log.error(
        "imap %s: uid %s is %s bytes, more than [smtp] max_message_size (%s bytes): "
        "it is not read; it stays in the folder with the keyword %s, and the mail "
        "after it is read on",
        key,
        uid,
        size,
        most,
        UNREADABLE,
    )


def whole(most: int) -> str:
    """The FETCH item for a message's content, up to one byte over ``most``: enough to
    store any message within the limit, and to know one over it (``cut``)."""
    return first(most + 1)


def first(count: int) -> str:
    """The FETCH item for a message's first ``count`` bytes (a batch's share of
    ``batches.FETCH_BYTES``, or :func:`whole`)."""
    return f"BODY.PEEK[]<0.{count}>"


def cut(
    client: IMAPClient,
    key: str,
    found: dict[int, bytes],
    most: int,
    known: Collection[int],
) -> set[int]:
    """Take the messages over ``most`` bytes out of ``found`` (fetched with :func:`whole`;
    the size announced for them was within it, or none), mark them and say so (not again for one of
    ``known``, stepped over before: a pass whose commit failed); to be stepped over."""
    over = sorted(uid for uid, raw in found.items() if len(raw) > most)
    if over:
        mark(client, over, key)
    for uid in over:
        del found[uid]
        if uid in known:
            continue
        log.error(
            "imap %s: uid %s is more than %s bytes, more than [smtp] max_message_size (%s "
            "bytes), though the server announced less (RFC822.SIZE, or none): it is not "
            "stored; it stays in the folder with the keyword %s, and the mail after it is "
            "read on",
            key,
            uid,
            most,
            most,
            UNREADABLE,
        )
    return set(over)
