"""Erasures while another instance works on one PostgreSQL database.

``requesters forget`` on one instance while the other's runner files a reply of the
same requester onto her ticket: the erasure neither fails on a foreign key (the reply's
message pointing at a ticket it deletes) nor leaves the reply behind on a ticket that
is gone; the reply waits for the erasure and is then kept, visibly, as the new mail it
is. Two instances' ``[retention] closed_tickets`` passes at once erase each ticket
once, and the audit table has one row per erasure that took something, none for a
batch the other had taken already."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from gateway.config.retention import RetentionSettings
from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App, build
from gateway.scheduling import retention
from gateway.tickets import erasure
from store import erasure as find
from store.db import transaction
from store.models import Erasure, InboxRow, Message, Ticket
from tests.support.databases import postgres_only
from tests.support.mails import mail
from tests.support.pipeline import deliver

ALICE = "alice@customer.test"
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
def pair(settings: Settings) -> Iterator[tuple[App, App]]:
    both = replace(settings, retention=RetentionSettings(timedelta(days=30)))
    first, second = build(both, FakeClock(NOW)), build(both, FakeClock(NOW))
    yield first, second
    first.close()
    second.close()


def _at_once(*calls: Callable[[], Any]) -> list[Any]:
    start = threading.Barrier(len(calls))
    errors: list[BaseException] = []
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = calls[i]()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    return results


@postgres_only
def test_a_reply_filed_during_forget_neither_breaks_it_nor_is_lost(
    pair: tuple[App, App], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = pair
    asked = deliver(
        first, mail("Zanzibar access", sender=f"Alice <{ALICE}>", message_id="<z1@customer.test>")
    ).ticket_id
    assert asked is not None
    reply = mail(
        "Re: Zanzibar access",
        "One more thing: Zanzibar by Friday.\n",
        sender=f"Alice <{ALICE}>",
        message_id="<z2@customer.test>",
        in_reply_to="<z1@customer.test>",
    )
    filed: list[Any] = []
    read = find.messages_on

    def then_the_reply(session: Session, ticket_ids: Sequence[int]) -> list[int]:
        """The other instance's runner files her reply just after the erasure read her
        ticket's messages (it waits, as long as it must, for a lock the erasure holds)."""
        out = read(session, ticket_ids)
        if not filed:
            runner = threading.Thread(target=lambda: filed.append(deliver(second, reply)))
            runner.start()
            runner.join(3)
            filed.append(runner)
        return out

    monkeypatch.setattr(find, "messages_on", then_the_reply)
    with transaction(first.sessions) as s:
        done = erasure.forget(s, ALICE, NOW, actor="cli", key=b"k" * 32)
    assert done.tickets == [asked]
    filed[0].join(30)
    assert not filed[0].is_alive()
    with transaction(first.sessions) as s:
        assert s.get(Ticket, asked) is None
        came = [(m.ticket_id, m.text) for m in s.scalars(select(Message)) if m.direction == "in"]
        rows = [(r.message_id, r.state, r.ticket_id) for r in s.scalars(select(InboxRow))]
    # the reply came as the erasure ran: filed after it, as the new request it now is
    [(new, said)] = came
    assert new not in (None, asked) and "Zanzibar by Friday" in said
    assert rows == [("z2@customer.test", "done", new)]


@postgres_only
def test_a_new_request_filed_during_forget_is_kept_whole(
    pair: tuple[App, App], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Her new request, filed by the other instance just after the erasure found her
    tickets, came after it: kept whole, not a ticket of hers stripped of her mail."""
    first, second = pair
    asked = deliver(first, mail("Zanzibar access", sender=f"Alice <{ALICE}>")).ticket_id
    late: list[int | None] = []
    found = find.requested

    def then_a_new_request(session: Session, address: str) -> list[int]:
        out = found(session, address)
        if not late:
            late.append(deliver(second, mail("Printer", sender=f"Alice <{ALICE}>")).ticket_id)
        return out

    monkeypatch.setattr(find, "requested", then_a_new_request)
    with transaction(first.sessions) as s:
        done = erasure.forget(s, ALICE, NOW, actor="cli", key=b"k" * 32)
    [new] = late
    assert done.tickets == [asked] and new not in done.kept_tickets, done
    with transaction(first.sessions) as s:
        ticket = s.get(Ticket, new)
        assert ticket is not None and ticket.requester == ALICE
        came = [m.ticket_id for m in s.scalars(select(Message)) if m.direction == "in"]
        rows = [(r.state, r.ticket_id) for r in s.scalars(select(InboxRow))]
    assert came == [new] and rows == [("done", new)], (came, rows)


@postgres_only
def test_two_retention_passes_erase_each_ticket_once(pair: tuple[App, App]) -> None:
    first, second = pair
    ids = [
        deliver(first, mail(f"Request {n}", sender=f"p{n}@customer.test")).ticket_id
        for n in range(12)
    ]
    with transaction(first.sessions) as s:
        s.execute(
            update(Ticket)
            .where(Ticket.id.in_(ids))
            .values(state="closed", close_reason="resolved", closed_at=NOW - timedelta(days=40))
        )
    dropped = _at_once(
        lambda: retention.drop_closed(first.sessions, first.settings, NOW),
        lambda: retention.drop_closed(second.sessions, second.settings, NOW),
    )
    with transaction(first.sessions) as s:
        assert list(s.scalars(select(Ticket.id))) == []
        audits = [a.counts for a in s.scalars(select(Erasure))]
    assert sum(dropped) == len(ids), dropped
    assert sum(c["tickets"] for c in audits) == len(ids), audits
    assert all(c["tickets"] and c["messages"] for c in audits), audits


@postgres_only
def test_forget_and_a_retention_pass_at_once_erase_her_old_ticket_once(
    pair: tuple[App, App],
) -> None:
    first, second = pair
    old = deliver(first, mail("Zanzibar access", sender=f"Alice <{ALICE}>")).ticket_id
    kept = deliver(first, mail("Printer", sender=f"Alice <{ALICE}>")).ticket_id
    with transaction(first.sessions) as s:
        s.execute(
            update(Ticket)
            .where(Ticket.id == old)
            .values(state="closed", close_reason="resolved", closed_at=NOW - timedelta(days=40))
        )

    def forget() -> erasure.Outcome:
        with transaction(first.sessions) as s:
            return erasure.forget(s, ALICE, NOW, actor="cli", key=b"k" * 32)

    done, dropped = _at_once(
        forget, lambda: retention.drop_closed(second.sessions, second.settings, NOW)
    )
    assert sorted(done.tickets) in ([old, kept], [kept]) and dropped == (old not in done.tickets)
    with transaction(first.sessions) as s:
        assert list(s.scalars(select(Ticket.id))) == []
        audits = [a.counts["tickets"] for a in s.scalars(select(Erasure))]
    assert sorted(audits) == ([2] if dropped == 0 else [1, 1]), audits
