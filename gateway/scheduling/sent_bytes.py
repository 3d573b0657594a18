"""A sent mail's bytes, emptied once ``[outbound] keep_sent`` has passed since it was sent.

Every outbox row holds its whole MIME, and an answer relayed with a file holds the file
once per recipient, base64 (a third larger): 10 MB to five people is some 65 MB, kept
after delivery for nothing. A mail marked sent is never sent again, so its bytes only
matter to someone reading what went out; after ``keep_sent`` what stays is what the
ticket shows (the outgoing message's words, its files from the member's own mail) and
the row's Message-ID, recipients and times. A mail not yet marked sent keeps every
byte, however old: its re-send after a crash is byte for byte, as README promises.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from gateway.config.settings import OutboundSettings
from gateway.core.counted import counted
from store import outbox
from store.db import transaction

log = logging.getLogger(__name__)

BATCH = 500  # rows a transaction: the write lock is held briefly, the runner goes on
PASS_ROWS = 20 * BATCH  # at most this many a pass: a first pass over a year is spread out


def drop_old(sessions: sessionmaker[Session], settings: OutboundSettings, now: datetime) -> int:
    """Empty the bytes of the mails sent more than ``keep_sent`` ago; how many."""
    if settings.keep_sent is None:  # "forever"
        return 0
    before, dropped = now - settings.keep_sent, 0
    while dropped < PASS_ROWS:
        with transaction(sessions) as s:
            done = outbox.drop_sent_raw(s, before, now, BATCH)
        dropped += done
        if done < BATCH:
            break
    if dropped:
        log.info("outbox: the bytes of %s sent before %s dropped", counted(dropped, "mail"), before)
    return dropped


def due(sessions: sessionmaker[Session], settings: OutboundSettings, now: datetime) -> int:
    """How many mails' bytes the next :func:`drop_old` would empty (at most one pass's),
    read only, for ``sweep --dry-run``: it lists all that the real sweep does."""
    if settings.keep_sent is None:
        return 0
    with transaction(sessions, read_only=True) as s:
        return outbox.sent_raw_due(s, now - settings.keep_sent, PASS_ROWS)
