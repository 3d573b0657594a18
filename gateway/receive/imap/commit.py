"""What a pass has read, and the one transaction that stores a batch with the bookmark.

The order is the poller's guarantee: the rows of a batch and the bookmark after it are
committed together, and only then is anything moved or flagged. A message stored
before under another UID than its own (a filter or sync tool putting moved mail back)
is told apart here, by the stored row's ``source_ref`` (``returns``), from one read
again under its own UID (above a message without content, or whose acknowledgement
waits), which is no return.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from gateway.core.clock import Clock
from gateway.receive.imap.accept import accept
from store import inbox, sources
from store.db import transaction


@dataclass
class Pass:
    """One pass over the folder: what it is, and how far it has read."""

    uidvalidity: int
    rescan: bool  # after a UIDVALIDITY change: Message-IDs stored before are duplicates
    bulk: bool  # mail that was there before the first pass (or a rescan): an import
    read: int  # every UID up to here is stored, or stepped over
    hole: bool = False  # a message came without content: ``read`` stays before it


def bookmark(s: Session, source: str, sweep: Pass, now: datetime) -> None:
    """Record that ``sweep`` read up to ``sweep.read`` (and its UIDVALIDITY)."""
    sources.advance(s, source, uidvalidity=sweep.uidvalidity, last_uid=sweep.read, now=now)


def ref(key: str, sweep: Pass, uid: int) -> str:
    """The ``source_ref`` a message of this pass is stored under."""
    return f"{key}/{sweep.uidvalidity}/{uid}"


def commit(
    sessions: sessionmaker[Session],
    clock: Clock,
    key: str,
    source: str,
    found: dict[int, bytes],
    sweep: Pass,
) -> tuple[list[int], dict[int, bytes]]:
    """The rows and the bookmark in one transaction; the UIDs stored as new rows, and
    the messages found stored under another UID than their own (``returns``)."""
    with transaction(sessions) as s:
        at = clock.now()
        rows = {
            uid: accept(
                s,
                key,
                uid,
                ref(key, sweep, uid),
                raw,
                at,
                rescan=sweep.rescan,
                bulk=sweep.bulk,
            )
            for uid, raw in found.items()
        }
        new = [uid for uid, row in rows.items() if row is None]
        stored = {uid: row for uid, row in rows.items() if row is not None}
        back = [] if sweep.rescan else _put_back(s, key, sweep, stored)
        if sweep.rescan:  # the bookmark takes the new UIDVALIDITY when the rescan ends
            sources.touch(s, source, now=at)
        else:
            bookmark(s, source, sweep, at)
    return new, {uid: found[uid] for uid in back}


def _put_back(s: Session, key: str, sweep: Pass, stored: dict[int, int]) -> list[int]:
    """Those of ``stored`` (UID: its inbox row) found stored under another UID: put
    back into the folder. One read again under its own UID (above a message without
    content the bookmark waits before, or whose acknowledgement waits) is not."""
    refs = inbox.source_refs(s, set(stored.values()))
    own = {uid: ref(key, sweep, uid)[:512] for uid in stored}  # as the column keeps it
    return [uid for uid, row in stored.items() if refs.get(row) != own[uid]]
