"""``requesters forget`` and the team's own mails about no one ticket: a member's weekly
digest lists the open tickets with their numbers, subjects and requesters, and its sent
bytes stay in the outbox for ``[outbound] keep_sent`` (30 days, or for ever). The
erasure took the requester's tickets and every mail of ours *to* her, but the digests
*about* her tickets kept her address and her subject: a sent such mail that names her
or one of her erased tickets has its bytes dropped, as ``keep_sent`` drops them; one
that names neither keeps its bytes."""

from __future__ import annotations

import email
from collections.abc import Iterator
from datetime import timedelta
from email.policy import compat32
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App
from gateway.tickets import erasure
from store.db import transaction
from store.models import OutboxRow
from tests.support.scheduling import make_app, open_ticket, scheduled_settings, tick_and_send

ALICE = "alice@customer.test"


@pytest.fixture
def gw(settings: Settings, tmp_path: Path, clock: FakeClock) -> Iterator[App]:
    app = make_app(scheduled_settings(settings, tmp_path), clock)  # digest "mon 09:00"
    yield app
    app.close()


def _words(raw: bytes) -> str:
    """The mail's text parts, decoded (a Japanese digest is ISO-2022-JP or base64)."""
    out = []
    for part in email.message_from_bytes(raw, policy=compat32).walk():
        if part.get_content_maintype() == "text":
            data = part.get_payload(decode=True) or b""
            out.append(data.decode(part.get_content_charset() or "utf-8", "replace"))
    return "\n".join(out)


def _digests(app: App) -> list[OutboxRow]:
    """The sent mails about no one ticket: digests, the manager's summary, lists."""
    with transaction(app.sessions) as s:
        rows = s.scalars(select(OutboxRow).where(OutboxRow.ticket_id.is_(None))).all()
        return [r for r in rows if r.state == "sent"]


def test_a_sent_digest_listing_her_ticket_keeps_no_bytes_of_her(gw: App, clock: FakeClock) -> None:
    hers = open_ticket(gw, "Zanzibar VPN down", key="z1")
    clock.advance(timedelta(days=7))  # Monday 10:00 JST: the digests go out
    tick_and_send(gw)
    sent = _digests(gw)
    naming = [r for r in sent if ALICE in _words(r.raw) or "Zanzibar" in _words(r.raw)]
    assert "weekly_digest" in {r.kind for r in naming}, "the digest lists her ticket"
    with transaction(gw.sessions) as s:
        out = erasure.forget(s, ALICE, clock.now(), actor="test", key=b"k" * 32)
    assert out.tickets == [hers]
    for row in _digests(gw):
        words = _words(row.raw)
        assert ALICE not in words and "Zanzibar" not in words, row.kind
    assert out.outbox_bytes_dropped == len(naming)


def test_a_digest_that_names_neither_keeps_its_bytes(gw: App, clock: FakeClock) -> None:
    open_ticket(gw, "Printer jam", key="p1", sender="Bob <bob@customer.test>")
    clock.advance(timedelta(days=7))
    tick_and_send(gw)
    before = {r.id: r.raw for r in _digests(gw)}
    assert before and all(before.values())
    with transaction(gw.sessions) as s:
        out = erasure.forget(s, ALICE, clock.now(), actor="test", key=b"k" * 32)
    assert out.outbox_bytes_dropped == 0
    assert {r.id: r.raw for r in _digests(gw)} == before
