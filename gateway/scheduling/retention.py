"""Closed tickets erased once ``[retention] closed_tickets`` has passed since they closed.

A manager's policy ("closed tickets are kept two years") kept by the scheduler's pass
(and ``sweep``'s, for a site run by cron): each ticket closed longer ago is erased
whole, as ``requesters forget`` erases a person's (:func:`gateway.tickets.erasure.expire`),
a batch per transaction, each batch recorded in the ``erasures`` table with actor
``retention``. A ticket of another merged into one that goes gets its mail back. The
outbound maildir's copies of the outbox rows that went are removed before each commit;
a file among them that cannot be read or removed is named in a warning and left (a
person looks at it), and the pass goes on: raised, it took the batch back, and every
later pass met it again and erased nothing. Absent or ``"forever"``: nothing is erased.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from gateway.config.settings import Settings
from gateway.notify import maildir_copies
from gateway.tickets import erasure_lists
from gateway.tickets.erasure import expire
from store import erasure
from store.db import transaction

log = logging.getLogger(__name__)

ACTOR = "retention"
BATCH = 50  # tickets a transaction: the write lock is held briefly, the runner goes on
PASS_TICKETS = 20 * BATCH  # at most this many a pass: a first pass over years is spread out


def drop_closed(sessions: sessionmaker[Session], settings: Settings, now: datetime) -> int:
    """Erase the tickets closed more than ``closed_tickets`` ago; how many."""
    kept = settings.retention.closed_tickets
    if kept is None:  # "forever"
        return 0
    before, dropped, queued_for = now - kept, 0, settings.outbound.give_up_after
    while dropped < PASS_TICKETS:
        with transaction(sessions, read_only=True) as s:
            seen = erasure.expired(s, before, BATCH, to_erase=False)
        if not seen:
            break
        # the sent lists naming them read before the write lock (erasure_lists)
        listed = erasure_lists.listing(sessions, seen, now, queued_for)
        with transaction(sessions) as s:
            due = erasure.expired(s, before, BATCH)  # a reopen waits, or is seen
            if not due:
                break
            done = expire(s, due, now, actor=ACTOR, queued_for=queued_for, listed=listed)
            if settings.outbound.mode == "maildir":
                _remove_copies(settings.outbound.maildir, done.mail_copies)
        dropped += len(due)
        if len(due) < BATCH:
            break
    if dropped:
        log.info("retention: %s tickets closed before %s erased", dropped, before)
    return dropped


def _remove_copies(maildir: Path, rows: dict[int, str]) -> None:
    """The copies of ``rows`` removed; each file that could not be, named once."""
    problems: maildir_copies.Problems = []
    maildir_copies.remove(maildir_copies.copies(maildir, rows, problems), problems)
    for path, error in problems:
        log.warning(
            "retention: %s, in the outbound maildir under the name of a mail of an erased "
            "ticket, could not be read or removed (%s): left as it is; remove it by hand",
            path,
            error.strerror or error,
        )


def due(sessions: sessionmaker[Session], settings: Settings, now: datetime) -> list[int]:
    """The tickets the next pass would erase (at most one pass's), for ``sweep --dry-run``."""
    kept = settings.retention.closed_tickets
    if kept is None:
        return []
    with transaction(sessions, read_only=True) as s:
        return erasure.expired(s, now - kept, PASS_TICKETS, to_erase=False)
