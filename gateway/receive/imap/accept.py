"""One fetched message into the inbox, with the duplicate rule of the pass it came in.

Identical bytes are a duplicate in any pass (the content hash); in a rescan after a
UIDVALIDITY change, so is a Message-ID this mailbox stored before, which a rebuilt
folder (a server migration that rewrote headers) hands out again under new UIDs.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from store import inbox
from store.accept.contract import BYTES_ONLY, DuplicateRule

log = logging.getLogger("gateway.imap")


def accept(
    s: Session, key: str, uid: int, ref: str, raw: bytes, at: datetime, *, rescan: bool, bulk: bool
) -> int | None:
    """None if a new inbox row was written, else the row that holds it already."""
    rule = DuplicateRule(message_id=True, message_id_from=f"{key}/") if rescan else BYTES_ONLY
    accepted = inbox.accept(s, raw, source="imap", now=at, source_ref=ref, rule=rule, bulk=bulk)
    if accepted.duplicate and rescan:
        log.info(
            "imap %s: uid %s skipped in rescan: already stored as inbox #%s",
            key,
            uid,
            accepted.inbox_id,
        )
    return accepted.inbox_id if accepted.duplicate else None
