"""The stale rule, the claims it asks and the quarter's force-closes over a store past the
bound-parameter limits (:mod:`tests.support.long_lists`).

The stale rule read every pending ticket's ids in one ``IN`` list, then the reminders'
tickets, then each reminder's claims: past 32 766 pending tickets the board, the digest,
the stale reminder and ``stats`` failed on SQLite's own builds ("too many SQL
variables"), past 65 535 on PostgreSQL. The answers must be the ones a short list gets.
A store of that size is filled on SQLite only (on PostgreSQL its rows take a minute to
clear away); the store functions are handed ids past PostgreSQL's limit on both.
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from gateway.scheduling import stale
from gateway.tickets import returned_claims
from store import jobs, reminders
from store.db import transaction
from store.models import JobRun, Message, OutboxRow, Ticket, TicketEvent
from tests.support.databases import sqlite_only
from tests.support.long_lists import (
    NOW,
    PAST_POSTGRES,
    PAST_SQLITE,
    long_store,
    put,
    ticket_row,
    tickets,
)

REMINDED = NOW - timedelta(hours=12)
PREFIX = returned_claims.REMINDER


def _reminder(tid: int, state: str = "sent", at: Any = REMINDED) -> dict[str, Any]:
    """The pending reminder of ticket ``tid``, its outbox row's id the ticket's."""
    return {
        "id": tid,
        "idempotency_key": f"{PREFIX}{tid}:1",
        "ticket_id": tid,
        "kind": "pending_reminder",
        "message_id": f"<r{tid}@gw.test>",
        "envelope_from": "gw@gw.test",
        "recipients": [f"u{tid}@x.test"],
        "recipient": f"u{tid}@x.test",
        "raw": b"",
        "state": state,
        "created_at": at,
    }


def _mail_out(n: int, tid: int, kind: str, at: Any) -> dict[str, Any]:
    """Message ``n``: a mail of ``kind`` sent on ticket ``tid`` to its requester."""
    return {
        "id": n,
        "ticket_id": tid,
        "direction": "out",
        "message_id": f"<m{n}@gw.test>",
        "to": [f"u{tid}@x.test"],
        "kind": kind,
        "created_at": at,
    }


@sqlite_only  # the store's size passes SQLite's limit; PostgreSQL's: the lists below
def test_the_stale_rule_reads_more_pending_tickets_than_a_statement_binds(db_url: str) -> None:
    last = PAST_SQLITE
    failed = {7, 20_000, last - 1, 15, 30_000}
    came_back = {11, 25_000}
    with long_store(db_url) as (_, sessions):
        tickets(sessions, range(1, last + 1))
        put(
            sessions,
            OutboxRow,
            [_reminder(t, "failed" if t in failed else "sent") for t in range(1, last + 1)],
        )
        # 15 was set pending again after its reminder failed: a new wait, nothing failed in it
        put(sessions, TicketEvent, [_event(15, "state", NOW - timedelta(hours=6))])
        # 30 000 was answered after its reminder failed: the answer reached them
        put(sessions, Message, [_mail_out(1, 30_000, "ops_reply", NOW - timedelta(hours=6))])
        put(sessions, JobRun, [_claim(returned_claims.JOB, str(t)) for t in came_back])
        pending = [SimpleNamespace(id=t, state="pending") for t in range(1, last + 1)]
        with transaction(sessions, read_only=True) as s:
            found = stale.unreached(s, pending)
    assert found == {7, 20_000, last - 1} | came_back


def test_reminders_and_mails_of_more_tickets_than_postgresql_binds(db_url: str) -> None:
    """Straight from the store: ids past PostgreSQL's limit too, the rows in the order
    one statement gives them (by outbox row, by message) across tickets far apart."""
    with long_store(db_url) as (_, sessions):
        put(sessions, Ticket, [ticket_row(t) for t in (1, 600, 40_000)])
        put(sessions, OutboxRow, [_reminder(40_000), _reminder(1, "failed"), _reminder(600)])
        put(
            sessions,
            Message,
            [
                _mail_out(1, 40_000, "ops_reply", NOW - timedelta(hours=3)),
                _mail_out(2, 1, "ops_reply", NOW - timedelta(hours=2)),
                _mail_out(3, 40_000, "status", NOW - timedelta(hours=1)),
                _mail_out(4, 600, "ops_reply", NOW - timedelta(hours=1)),
            ],
        )
        asked = range(1, PAST_POSTGRES)
        with transaction(sessions, read_only=True) as s:
            last = reminders.last_reminders(s, asked, PREFIX)
            sent = reminders.sent_of_kinds(s, asked, ["ops_reply", "status"])
    assert {t: (oid, state) for t, (oid, _, state, _) in last.items()} == {
        1: (1, "failed"),
        600: (600, "sent"),
        40_000: (40_000, "sent"),
    }
    assert [(tid, kind, mid) for tid, kind, _, _, mid, *_ in sent] == [
        (40_000, "ops_reply", "<m1@gw.test>"),
        (1, "ops_reply", "<m2@gw.test>"),
        (40_000, "status", "<m3@gw.test>"),
        (600, "ops_reply", "<m4@gw.test>"),
    ]


def test_claims_asked_past_postgresql_limit(db_url: str) -> None:
    with long_store(db_url) as (_, sessions):
        put(
            sessions,
            JobRun,
            [
                _claim("mail-returned", "5"),
                _claim("answer-returned", "1:5"),
                _claim("mail-returned", "64999"),
                _claim("other", "5"),  # not asked
            ],
        )
        asked = {("mail-returned", str(n)) for n in range(PAST_POSTGRES)}
        asked |= {("answer-returned", f"1:{n}") for n in range(1, 8)}
        with transaction(sessions, read_only=True) as s:
            taken = jobs.claimed_among(s, asked)
    assert taken == {
        ("mail-returned", "5"),
        ("answer-returned", "1:5"),
        ("mail-returned", "64999"),
    }


@sqlite_only  # the store's size passes SQLite's limit; PostgreSQL's: the lists below
def test_a_quarter_of_more_force_closes_than_a_statement_binds(db_url: str) -> None:
    """Each force-closed ticket held by its assignee, or by the one it was taken from
    after the close; once per ticket."""
    last = PAST_SQLITE
    people = ("a@x.test", "b@x.test", None)
    handed_on = {3, 21_000, last}  # reassigned after the close: held by c@x.test
    with long_store(db_url) as (_, sessions):
        put(
            sessions,
            Ticket,
            [ticket_row(t, "closed", assignee=people[t % 3]) for t in range(1, last + 1)],
        )
        closed_at = NOW - timedelta(hours=5)
        events = [_event(t, "state", closed_at, new="closed") for t in range(1, last + 1)]
        events += [
            _event(t, "assign", NOW - timedelta(hours=1), old="c@x.test", actor="ops@x.test")
            for t in sorted(handed_on)
        ]
        put(sessions, TicketEvent, events)
        with transaction(sessions, read_only=True) as s:
            held = reminders.force_closed(s, NOW - timedelta(days=1), NOW)
    wanted: dict[str, set[int]] = {}
    for t in range(1, last + 1):
        who = "c@x.test" if t in handed_on else people[t % 3] or ""
        wanted.setdefault(who, set()).add(t)
    assert held == wanted


def _event(tid: int, kind: str, at: Any, **values: Any) -> dict[str, Any]:
    row = {"ticket_id": tid, "at": at, "actor": reminders.INVENTORY_ACTOR, "channel": "system"}
    return {**row, "kind": kind, "old": None, "new": "pending", "detail": {}, **values}


def _claim(job: str, period: str) -> dict[str, Any]:
    return {"job": job, "period": period, "ran_at": NOW, "detail": {}}
