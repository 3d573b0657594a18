"""0026: the addresses older releases stored as the mail wrote them (``tanaka@例え.jp``)
are rewritten to the one form the gateway keeps and compares since
(:func:`gateway.core.domains.ascii_address`: ``tanaka@xn--r8jz45g.jp``), in every column
an address is looked up by: a ticket's requester and assignee, its participants and
watchers, the actors the caps count, the outbox's recipients not sent yet and the rate
limit's key, the runs' triggerer, the pages' sessions, links and rate counters, the
overdue claims. A ticket holding both spellings of one person keeps one participant
(the stronger role, the earlier row). Walked in batches (more rows than one batch
here); run again it changes nothing; what a mail said stays as it said it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, insert, select

from store import migrate
from store.db import make_engine
from store.models import (
    ActionRun,
    JobRun,
    Message,
    OutboxRow,
    Participant,
    RateCounter,
    SignInLink,
    Ticket,
    TicketEvent,
    WebSession,
)

# each test builds its schema from nothing (tests/conftest.py db_url)
pytestmark = pytest.mark.fresh_database

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
TANAKA, TANAKA_A = "tanaka@例え.jp", "tanaka@xn--r8jz45g.jp"
ITO, ITO_A = "ito@例え.jp", "ito@xn--r8jz45g.jp"
KATO, KATO_A = "kato@例え.jp", "kato@xn--r8jz45g.jp"
SATO_A = "sato@xn--r8jz45g.jp"
NO_FORM = "weird@ex_ample.例え"  # no IDNA2008 form: no address we write to, kept as it is
MANY = 1_100  # tickets of one more Unicode requester each: more than two batches (500)


def _ticket(n: int, requester: str, assignee: str | None = None) -> dict[str, Any]:
    return {
        "id": n,
        "subject": "s",
        "requester": requester,
        "assignee": assignee,
        "created_at": NOW,
        "updated_at": NOW,
    }


def _old_rows(conn: Connection) -> None:
    """What an older release kept: Unicode domains, beside the A-label of later mail."""
    conn.execute(
        insert(Ticket),
        [
            _ticket(1, TANAKA, ITO),
            _ticket(2, "alice@customer.test", "ops@example.test"),
            _ticket(3, KATO_A),
            _ticket(4, NO_FORM),
        ]
        + [_ticket(10 + n, f"u{n}@例え.jp") for n in range(MANY)],
    )
    conn.execute(
        insert(Participant),
        [
            {"ticket_id": 1, "email": TANAKA, "role": "requester"},
            {"ticket_id": 1, "email": TANAKA_A, "role": "cc"},  # the same person, later
            {"ticket_id": 1, "email": KATO_A, "role": "cc"},
            {"ticket_id": 1, "email": KATO, "role": "watcher"},  # asked to hear it all
            {"ticket_id": 1, "email": "sato@例え.jp。", "role": "cc"},  # a root dot
            {"ticket_id": 1, "email": "sato@例え.jp", "role": "cc"},  # three spellings
            {"ticket_id": 1, "email": SATO_A, "role": "watcher"},
            {"ticket_id": 2, "email": "alice@customer.test", "role": "requester"},
            {"ticket_id": 2, "email": ITO, "role": "ops"},
            {"ticket_id": 4, "email": NO_FORM, "role": "requester"},
        ]
        + [
            {"ticket_id": 10 + n, "email": f"u{n}@例え.jp", "role": "requester"}
            for n in range(MANY)
        ],
    )
    event = {"ticket_id": 1, "at": NOW, "channel": "email", "detail": {}}
    conn.execute(
        insert(TicketEvent),
        [
            {**event, "actor": TANAKA, "kind": "reply", "new": None},
            {
                **event,
                "actor": ITO,
                "kind": "note",
                "new": None,
                "detail": {"text": f"to {TANAKA}"},
            },
            {**event, "actor": "gateway", "kind": "state", "new": "open", "channel": "system"},
            {**event, "actor": KATO, "kind": "watcher", "new": KATO, "detail": {"address": KATO}},
        ],
    )
    conn.execute(
        insert(Message).values(
            ticket_id=1,
            direction="in",
            kind="request",
            message_id="<m1@x.test>",
            from_addr=TANAKA,
            to=["support@example.test"],
            cc=[KATO],
            text=f"From {TANAKA}",
            created_at=NOW,
        )
    )
    mail = {
        "ticket_id": 1,
        "kind": "ack",
        "envelope_from": "support@example.test",
        "raw": b"x",
        "created_at": NOW,
    }
    conn.execute(
        insert(OutboxRow),
        [
            {
                **mail,
                "idempotency_key": "k1",
                "message_id": "<o1@x>",
                "state": "pending",
                "recipients": [TANAKA, KATO_A],
                "recipient": TANAKA,
                "author": ITO,
            },
            {
                **mail,
                "idempotency_key": "k2",
                "message_id": "<o2@x>",
                "state": "sent",
                "recipients": [TANAKA],
                "recipient": TANAKA,
                "author": None,
            },
        ],
    )
    conn.execute(
        insert(ActionRun).values(
            ticket_id=1,
            entry_id="e",
            action_type="webhook",
            trigger="approved",
            triggered_by=ITO,
            idempotency_key="r1",
            state="succeeded",
            created_at=NOW,
        )
    )
    later = NOW + timedelta(days=1)
    conn.execute(
        insert(WebSession).values(token_hash="h1", member=ITO, created_at=NOW, expires_at=later)
    )
    conn.execute(
        insert(SignInLink).values(token_hash="h2", member=ITO, created_at=NOW, expires_at=later)
    )
    conn.execute(
        insert(RateCounter),
        [
            {"key": f"sign-in-addr:{ITO}", "window_start": NOW, "count": 2},
            {"key": f"sign-in-addr:{ITO_A}", "window_start": NOW, "count": 3},
            {"key": f"submit-addr:{TANAKA}", "window_start": NOW, "count": 1},
            {"key": "submit-ip:192.0.2.1", "window_start": NOW, "count": 4},
        ],
    )
    conn.execute(
        insert(JobRun),
        [
            {
                "job": "overdue",
                "period": "1:first",
                "ran_at": NOW,
                "ticket_id": 1,
                "detail": {"to": ITO},
            },
            {
                "job": "overdue-told",
                "period": f"1:resolve>{ITO}",
                "ran_at": NOW,
                "ticket_id": 1,
                "detail": {},
            },
            {
                "job": "overdue-told",
                "period": f"1:resolve>{ITO_A}",
                "ran_at": later,
                "ticket_id": 1,
                "detail": {},
            },
        ],
    )


def _snapshot(engine: Engine) -> dict[str, Any]:
    def rows(conn: Connection, *columns: Any) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in conn.execute(select(*columns).order_by(columns[0]))]

    with engine.connect() as conn:
        return {
            "tickets": rows(conn, Ticket.id, Ticket.requester, Ticket.assignee),
            "people": rows(
                conn, Participant.id, Participant.ticket_id, Participant.email, Participant.role
            ),
            "events": rows(
                conn, TicketEvent.id, TicketEvent.actor, TicketEvent.new, TicketEvent.detail
            ),
            "messages": rows(
                conn, Message.id, Message.from_addr, Message.to, Message.cc, Message.text
            ),
            "outbox": rows(
                conn, OutboxRow.id, OutboxRow.recipients, OutboxRow.recipient, OutboxRow.author
            ),
            "runs": rows(conn, ActionRun.id, ActionRun.triggered_by),
            "sessions": rows(conn, WebSession.id, WebSession.member),
            "links": rows(conn, SignInLink.id, SignInLink.member),
            "counters": rows(conn, RateCounter.key, RateCounter.count),
            "jobs": rows(conn, JobRun.id, JobRun.period, JobRun.detail),
        }


def test_0026_rewrites_stored_addresses_to_their_a_label_and_again_changes_nothing(
    db_url: str,
) -> None:
    engine = make_engine(db_url)
    try:
        migrate.upgrade(engine, "0025")
        with engine.begin() as conn:
            _old_rows(conn)
        migrate.upgrade(engine)
        after = _snapshot(engine)
        assert after["tickets"][:4] == [
            (1, TANAKA_A, ITO_A),
            (2, "alice@customer.test", "ops@example.test"),
            (3, KATO_A, None),
            (4, NO_FORM, None),
        ]
        assert after["tickets"][4:] == [(10 + n, f"u{n}@xn--r8jz45g.jp", None) for n in range(MANY)]
        people = after["people"]
        assert [p[1:] for p in people[:6]] == [
            (1, TANAKA_A, "requester"),  # the requester's row, the stronger role
            (1, KATO_A, "watcher"),  # the earlier row, with the role asked for later
            (1, SATO_A, "watcher"),  # three spellings, one person
            (2, "alice@customer.test", "requester"),
            (2, ITO_A, "ops"),
            (4, NO_FORM, "requester"),
        ]
        assert [p[0] for p in people[:3]] == [1, 3, 5]  # the earliest row of each person
        assert [p[2] for p in people[6:]] == [f"u{n}@xn--r8jz45g.jp" for n in range(MANY)]
        assert [e[1] for e in after["events"]] == [TANAKA_A, ITO_A, "gateway", KATO_A]
        # what was said stays as said: a note's words, the history of a watcher event
        assert after["events"][1][3] == {"text": f"to {TANAKA}"}
        assert after["events"][3][2:] == (KATO, {"address": KATO})
        [(_, from_addr, to, cc, text)] = after["messages"]
        assert (from_addr, to, cc, text) == (
            TANAKA_A,
            ["support@example.test"],
            [KATO_A],
            f"From {TANAKA}",
        )
        assert [o[1:] for o in after["outbox"]] == [
            ([TANAKA_A, KATO_A], TANAKA_A, ITO_A),  # still to be sent: to the A-label
            ([TANAKA], TANAKA_A, None),  # sent: the recipients it went to, the limit's key
        ]
        assert [r[1] for r in after["runs"]] == [ITO_A]
        assert [s[1] for s in after["sessions"]] == [ITO_A]
        assert [s[1] for s in after["links"]] == [ITO_A]
        assert sorted(after["counters"]) == [
            (f"sign-in-addr:{ITO_A}", 5),  # one person's asks, counted together
            (f"submit-addr:{TANAKA_A}", 1),
            ("submit-ip:192.0.2.1", 4),
        ]
        assert [j[1:] for j in after["jobs"]] == [
            ("1:first", {"to": ITO_A}),
            (f"1:resolve>{ITO_A}", {}),  # the earlier claim: told once, not twice
        ]
        assert after["jobs"][1][0] == 2
        migrate.downgrade(engine, "0025")  # nothing to put back: one form is every release's
        assert _snapshot(engine) == after
        migrate.upgrade(engine, "0026")  # this one again, whatever came after
        assert _snapshot(engine) == after
        assert migrate.current_revision(engine) == "0026"
    finally:
        engine.dispose()


SPELLINGS = (
    "Tanaka@Example.TEST",  # capitals, ASCII
    "a@example.test.",  # a root dot
    "a@XN--R8JZ45G.jp",  # an A-label in capitals
    "a@例え.jp。",  # an ideographic full stop as the root dot
    "a@ｅｘａｍｐｌｅ.test",  # full-width letters: the ASCII domain they map to
    "josé@例え.jp",  # a UTF-8 part before @: only the domain has another form
    "a@xn--zz.test",  # no valid A-label: only lowered
    "plain@example.test",  # nothing to change
    "gateway",  # no address at all
)


def test_0026_reads_every_row_it_may_change(db_url: str) -> None:
    """The rows read are picked in SQL (so a store of ASCII addresses is not read row by
    row): each spelling the one form differs from is picked, in a text column and in a
    JSON list alike, and ends in the form :func:`ascii_address` gives."""
    from gateway.core.domains import ascii_address

    engine = make_engine(db_url)
    try:
        migrate.upgrade(engine, "0025")
        with engine.begin() as conn:
            conn.execute(insert(Ticket), [_ticket(n, s) for n, s in enumerate(SPELLINGS, 1)])
            conn.execute(
                insert(Message),
                [
                    {
                        "ticket_id": n,
                        "direction": "in",
                        "kind": "request",
                        "message_id": f"<m{n}@x.test>",
                        "from_addr": s,
                        "to": [s],
                        "cc": [],
                        "created_at": NOW,
                    }
                    for n, s in enumerate(SPELLINGS, 1)
                ],
            )
        migrate.upgrade(engine)
        after = _snapshot(engine)
        want = [ascii_address(s) for s in SPELLINGS]
        assert want[:6] == [
            "tanaka@example.test",
            "a@example.test",
            "a@xn--r8jz45g.jp",
            "a@xn--r8jz45g.jp",
            "a@example.test",
            "josé@xn--r8jz45g.jp",
        ]
        assert [t[1] for t in after["tickets"]] == want
        assert [(m[1], m[2]) for m in after["messages"]] == [(w, [w]) for w in want]
    finally:
        engine.dispose()
