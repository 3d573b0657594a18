"""Our sent mails about no one ticket that name what an erasure takes: their kept bytes
dropped, as ``[outbound] keep_sent`` drops them.

A member's weekly digest, the managers' summary, a stale or SLA list, a handover mail:
each lists open tickets (tag, subject, requester), and its sent bytes stay for
``keep_sent`` (for ever with ``"forever"``). Found two ways, neither a read of every
kept list under the write lock:

* for ``[retention]``'s erased tickets (:func:`listing` and :func:`drop_listing`), by
  when they were sent: a list names a ticket only while it was open, so those sent
  between a ticket's opening and its close (plus ``give_up_after``, the longest a list
  queued before the close waits to go) are read, on the index of the kept bytes by
  sending time, before each batch's write transaction too (a ticket open for months
  under daily digests has thousands); in it a list read before is dropped only for a
  ticket the batch still erases (one reopened meanwhile is not);
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


Span = tuple[datetime, datetime, int]  # when a list could name the ticket, and the ticket


@dataclass(frozen=True)
class Listed:
    """What :func:`listing` found before the retention's transaction."""

    naming: dict[int, frozenset[int]]  # a kept list → the tickets of the batch it names
    tickets: frozenset[int]  # the tickets it looked for
    began: datetime  # the lists sent since (less RECHECK) are read again


def listing(
    sessions: sessionmaker[Session], ticket_ids: Sequence[int], now: datetime, queued_for: timedelta
) -> Listed:
    """The kept lists that name one of ``ticket_ids`` (a batch the pass is about to
    erase), read outside any write transaction: a read-only unit for the spans and the
    ids, one for each chunk of bytes."""
    with transaction(sessions, read_only=True) as s:
        spans = _spans(s, ticket_ids, now, queued_for)
        sent = _sent_within(s, spans)
    naming: dict[int, frozenset[int]] = {}
    for chunk in chunks(sorted(sent)):
        with transaction(sessions, read_only=True) as s:
            naming.update(_naming(s, chunk, sent, spans))
    return Listed(naming, frozenset(ticket_ids), now)


def drop_listing(
    session: Session,
    ticket_ids: Sequence[int],
    now: datetime,
    queued_for: timedelta,
    found: Listed | None = None,
) -> int:
    """Drop the bytes of the kept lists that name one of ``ticket_ids`` (before they are
    deleted: their opening and close say which lists could); how many. With ``found``
    (:func:`listing`), its lists count for the tickets still erased, and only those sent
    since it began are read here for its tickets; without, all of their spans'."""
    spans = _spans(session, ticket_ids, now, queued_for)
    wanted, naming = set(ticket_ids), set()
    if found is not None:
        naming = {oid for oid, named in found.naming.items() if named & wanted}
        since = found.began - RECHECK
        fresh = [span for span in spans if span[2] not in found.tickets]
        spans = fresh + [(max(a, since), b, t) for a, b, t in spans if t in found.tickets]
        spans = sorted(span for span in spans if span[0] <= span[1])
    sent = _sent_within(session, spans)
    naming.update(_naming(session, sorted(sent), sent, spans))
    return rows.sent_bytes(session, sorted(naming), now)


def _spans(
    session: Session, ticket_ids: Sequence[int], now: datetime, queued_for: timedelta
) -> list[Span]:
    """When a list could name each ticket: its opening to its close and ``queued_for``."""
    return sorted(
        (opened, (closed or now) + queued_for, tid)
        for tid, opened, closed in find.lifetimes(session, ticket_ids)
    )


def _sent_within(session: Session, spans: list[Span]) -> dict[int, datetime]:
    """The kept lists sent within ``spans`` (sorted), by when each was sent."""
    sent: dict[int, datetime] = {}
    for since, until in _merged([(a, b) for a, b, _ in spans]):
        sent.update(find.sent_ticketless_between(session, since, until))
    return sent


def _naming(
    session: Session, ids: Sequence[int], sent: dict[int, datetime], spans: list[Span]
) -> dict[int, frozenset[int]]:
    """Those of the lists ``ids`` that name a ticket they were sent within the span of."""
    out: dict[int, frozenset[int]] = {}
    for oid, raw in find.raw_of(session, ids):
        listed = {tid for a, b, tid in spans if a <= sent[oid] <= b}
        if named := rules.tickets_named(raw, listed):
            out[oid] = named
    return out


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
    if found is None:  # nothing read before: every kept list is read here
        naming: set[int] = set()
        unread = find.sent_ticketless_ids(session)
    else:
        naming = set(found.naming)
        since, until = found.began - RECHECK, now + RECHECK
        unread = [i for i, _ in find.sent_ticketless_between(session, since, until)]
    naming.update(
        i for i, raw in find.raw_of(session, unread) if rules.mail_names(raw, address, ids)
    )
    return rows.sent_bytes(session, sorted(naming), now)
