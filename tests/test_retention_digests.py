"""``[retention]`` and the team's sent digests and lists: a member's weekly digest lists
each open ticket (its tag, subject and requester), and with ``[outbound] keep_sent =
"forever"`` its sent bytes stay in the outbox. The retention's pass erased a closed
ticket whole but left it in those bytes, as ``requesters forget`` no longer does. A sent
list that names an erased ticket now has its bytes dropped in the same transaction, as
``keep_sent`` drops them; one that does not keeps them. The lists looked at are found by
when they were sent (an index): only those sent while the erased ticket could be listed,
not every list the outbox keeps, batch after batch."""

from __future__ import annotations

import email
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from email.policy import compat32
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from gateway.config.retention import RetentionSettings
from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.model import TicketState
from gateway.pipeline import erasure_rules
from gateway.runtime.app import App
from gateway.scheduling import retention
from store.db import transaction
from store.models import Erasure, OutboxRow, Ticket
from tests.support.scheduling import (
    make_app,
    open_ticket,
    scheduled_settings,
    set_state,
    tick_and_send,
)

ALICE = "alice@customer.test"


@pytest.fixture
def gw(settings: Settings, tmp_path: Path, clock: FakeClock) -> Iterator[App]:
    kept = replace(
        scheduled_settings(settings, tmp_path),  # digest "mon 09:00"
        retention=RetentionSettings(closed_tickets=timedelta(days=30)),
    )
    kept = replace(kept, outbound=replace(kept.outbound, keep_sent=None))  # "forever"
    app = make_app(kept, clock)
    yield app
    app.close()


def _words(raw: bytes) -> str:
    out = []
    for part in email.message_from_bytes(raw, policy=compat32).walk():
        if part.get_content_maintype() == "text":
            data = part.get_payload(decode=True)
            if isinstance(data, bytes):
                out.append(data.decode(part.get_content_charset() or "utf-8", "replace"))
    return "\n".join(out)


def _sent_lists(app: App) -> dict[int, bytes]:
    with transaction(app.sessions) as s:
        rows = s.scalars(select(OutboxRow).where(OutboxRow.ticket_id.is_(None))).all()
        return {r.id: bytes(r.raw) for r in rows if r.state == "sent"}


def test_the_pass_drops_the_sent_lists_naming_a_ticket_it_erases(
    gw: App, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    zanzibar = open_ticket(gw, "Zanzibar VPN down", key="z1")
    open_ticket(gw, "Printer jam", key="p1", sender="Bob <bob@customer.test>")
    clock.advance(timedelta(days=7))  # Monday 10:00 JST: the digests go out
    tick_and_send(gw)
    first = _sent_lists(gw)
    naming = {i for i, raw in first.items() if "Zanzibar" in _words(raw)}
    assert naming, "the first week's digests list it"
    set_state(gw, zanzibar, TicketState.CLOSED)
    for _ in range(2):  # the next two weeks' (not yet past the policy): Bob's ticket only
        clock.advance(timedelta(days=7))
        tick_and_send(gw)
    before = _sent_lists(gw)
    later = set(before) - set(first)
    assert later and not any("Zanzibar" in _words(before[i]) for i in later)
    read: list[bytes] = []
    real = erasure_rules.tickets_named

    def counted(raw: bytes, *args: Any) -> frozenset[int]:
        read.append(raw)
        return real(raw, *args)

    monkeypatch.setattr(erasure_rules, "tickets_named", counted)
    clock.advance(timedelta(days=17))  # 31 days since it closed
    assert retention.drop_closed(gw.sessions, gw.settings, clock.now()) == 1
    after = _sent_lists(gw)
    with transaction(gw.sessions) as s:
        assert s.get(Ticket, zanzibar) is None
        [audit] = s.scalars(select(Erasure))
        assert audit.counts["outbox_bytes_dropped"] == len(naming)
    for i, raw in after.items():
        assert "Zanzibar" not in _words(raw) and ALICE not in _words(raw), i
        if i not in naming:
            assert raw == before[i], i  # naming it not: kept as it was
    # looked at: the lists sent while it could be listed, not those sent a week and more
    # after it closed (Bob's, which it was never on)
    assert read and set(read) <= {before[i] for i in first}, len(read)
