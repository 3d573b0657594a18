"""Our sent mails about no one ticket that name what an erasure takes: their kept bytes
dropped, as ``[outbound] keep_sent`` drops them.

A member's weekly digest, the managers' summary, a stale or SLA list, a handover mail:
each lists open tickets (tag, subject, requester), and its sent bytes stay for
``keep_sent`` (for ever with ``"forever"``). Found two ways, neither a read of every
kept list under the write lock:

* for ``[retention]``'s erased tickets (:func:`drop_listing`), by when they were sent: a
  list names a ticket only while it was open, so those sent between a ticket's opening
  and its close (plus ``give_up_after``, the longest a list queued before the close
  waits to go) are read, on the index of the kept bytes by sending time;
* for ``requesters forget`` (:func:`scan` and :func:`drop_named`), whose address may be
  in any list: every kept list is read *before* the erasure's write transaction, in
  short read-only units (SQLite's writers, the daemon's listener and runner, go on
  meanwhile); in the transaction only the lists sent since then are read, and the rows
  that name them updated.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from gateway.pipeline import erasure_rules as rules
from store import erasure as find
from store import erasure_rows as rows
from store.db import transaction
from store.in_lists import chunks

# Policy: the lists sent since this long before the scan began are read again in the
# erasure's transaction: one marked sent as the scan read (its clock a little behind
# ours, its commit a moment after its mark) is not missed
RECHECK = timedelta(minutes=10)


def drop_listing(
    session: Session, ticket_ids: Sequence[int], now: datetime, queued_for: timedelta
) -> int:
    """Drop the bytes of the kept lists that name one of ``ticket_ids`` (before they are
    deleted: their opening and close say which lists could); how many."""
    spans = sorted(
        (opened, (closed or now) + queued_for, tid)
        for tid, opened, closed in find.lifetimes(session, ticket_ids)
    )
    sent: dict[int, datetime] = {}
    for since, until in _merged([(a, b) for a, b, _ in spans]):
        sent.update(find.sent_ticketless_between(session, since, until))
    naming = []
    for oid, raw in find.raw_of(session, sorted(sent)):
        listed = {tid for a, b, tid in spans if a <= sent[oid] <= b}
        if rules.mail_names(raw, None, listed):
            naming.append(oid)
    return rows.sent_bytes(session, naming, now)


def _merged(spans: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Overlapping spans as one (sorted by start): each list is read once."""
    out: list[tuple[datetime, datetime]] = []
    for since, until in spans:
        if out and since <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], until))
        else:
            out.append((since, until))
    return out


@dataclass(frozen=True)
class Scanned:
    """What :func:`scan` found before the erasure's transaction."""

    naming: frozenset[int]  # the kept lists that name the person or one of ``tickets``
    tickets: frozenset[int]  # the person's tickets as the scan read them
    began: datetime  # the lists sent since (less RECHECK) are read again


def scan(sessions: sessionmaker[Session], address: str, now: datetime) -> Scanned:
    """Read every kept list for ``address`` and their tickets, outside any write
    transaction: a read-only unit for the ids, one for each chunk of bytes."""
    with transaction(sessions, read_only=True) as s:
        tickets = frozenset(find.requested(s, address, lock=False))
        ids = find.sent_ticketless_ids(s)
    naming: set[int] = set()
    for chunk in chunks(ids):
        with transaction(sessions, read_only=True) as s:
            for oid, raw in find.raw_of(s, chunk):
                if rules.mail_names(raw, address, tickets):
                    naming.add(oid)
    return Scanned(frozenset(naming), tickets, now)


def drop_named(
    session: Session, address: str, tickets: Collection[int], now: datetime, found: Scanned | None
) -> int:
    """In the erasure's transaction: drop the bytes of the kept lists that name
    ``address`` or one of ``tickets`` (the person's, as erased); how many. With
    ``found`` (:func:`scan`), only the lists sent since it began are read here (a ticket
    of theirs filed after it was read is listed by nothing sent before); without, all."""
    ids = set(tickets)
    if found is None:
        lists = [
            i for i, raw in find.sent_ticketless(session) if rules.mail_names(raw, address, ids)
        ]
        return rows.sent_bytes(session, lists, now)
    since, until = found.began - RECHECK, now + RECHECK
    recent = [i for i, _ in find.sent_ticketless_between(session, since, until)]
    naming = set(found.naming)
    naming.update(
        i for i, raw in find.raw_of(session, recent) if rules.mail_names(raw, address, ids)
    )
    return rows.sent_bytes(session, sorted(naming), now)
