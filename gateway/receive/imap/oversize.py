"""A message over ``[smtp] max_message_size`` is not fetched, and not held back on.

The size limit is the gateway's one bound on a message, whichever door it comes in by:
SMTP refuses a bigger one, and the disk check keeps room for two of that size. The
poller asks the sizes before each fetch (``batches``) and used to fetch any size whole,
into memory and then the database. A message over the limit is now left in the folder
with the keyword :data:`UNREADABLE` for a person (a bigger limit, or a forward by
hand), and stepped over like a damaged one: ``status`` names it for as long as it stays.
"""

from __future__ import annotations

import logging

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
