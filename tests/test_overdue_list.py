"""Overdue notices gathered per member and pass: a member whose tickets' deadlines pass
together (an import, a morning's queue nobody took up) gets one mail listing them, not
one mail per ticket; each deadline is still told once, the list is bounded like the
stale reminder's, and a pass that fails before its mail is queued tells nothing and
loses nothing (the claims and the outbox row are one transaction)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from gateway.config.settings import ScheduleSettings, Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App
from gateway.scheduling import scheduler, told
from gateway.scheduling.rules import Job
from gateway.tickets import changes, conversation
from store import jobs, tickets
from store.db import transaction
from tests.support.app import reply_address
from tests.support.pipeline import outbox, subject_of, text_of
from tests.support.scheduling import make_app, open_ticket, scheduled_settings

MINUTE, HOUR = timedelta(minutes=1), timedelta(hours=1)


@pytest.fixture
def gw(settings: Settings, tmp_path: Path, clock: FakeClock) -> Iterator[App]:
    app = make_app(scheduled_settings(settings, tmp_path, ScheduleSettings(digest="off")), clock)
    yield app
    app.close()


def _passes(app: App, clock: FakeClock, times: int) -> None:
    for _ in range(times):
        scheduler.tick(app)
        clock.advance(5 * MINUTE)


def _listed(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"^  \[#(\d+)\]", text, flags=re.M)]


def _due(app: App, tid: int, after: timedelta) -> None:
    with transaction(app.sessions) as s:
        ticket = tickets.get(s, tid)
        assert ticket is not None
        now = app.clock.now()
        changes.set_due(s, ticket, now + after, now, actor="ops2@example.test", channel="mail")


def _claims(app: App, tid: int) -> list[str]:
    """The overdue deadlines of ``tid`` marked told (``job_runs``)."""
    with transaction(app.sessions) as s:
        return [r.period for r in jobs.runs(s, Job.OVERDUE) if r.ticket_id == tid]


def test_a_member_with_many_overdue_tickets_gets_one_mail_listing_them(
    gw: App, clock: FakeClock
) -> None:
    ids = [open_ticket(gw, f"VPN down at site {n}", key=f"od-{n}") for n in range(5)]
    clock.advance(4 * HOUR)  # the 4h first response of all five passes at once
    _passes(gw, clock, 4)
    assert outbox(gw, "sla_overdue") == []  # not one mail per ticket
    [mail] = outbox(gw, "sla_overdue_list")
    assert mail.recipients == ["ops@example.test"]  # reads English
    text = text_of(mail)
    assert _listed(text) == ids  # each once, in the sweep's order
    assert "5 of your tickets have passed an SLA deadline:" in text
    assert subject_of(mail) == "5 tickets past an SLA deadline"
    for tid in ids:  # each with the member's own address for acting on it
        assert f"act by reply: {reply_address(gw, tid, 'ops@example.test')}" in text
    assert text.count("first response deadline passed") == 5
    for tid in ids:  # and each ticket's breach recorded once
        assert _claims(gw, tid) == [f"{tid}:first_response"]


def test_one_overdue_ticket_is_still_told_in_its_own_thread(gw: App, clock: FakeClock) -> None:
    """One deadline passed in a pass: the ticket's own mail (its tag, its reply address,
    stored on the ticket), as before; a list of one says less."""
    tid = open_ticket(gw, "VPN does not connect", key="od-one")
    clock.advance(4 * HOUR)
    _passes(gw, clock, 3)
    assert outbox(gw, "sla_overdue_list") == []
    [mail] = outbox(gw, "sla_overdue")
    assert mail.ticket_id == tid and mail.recipients == ["ops@example.test"]


def test_the_list_is_bounded_and_the_rest_come_next_pass_each_once(
    gw: App, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(told, "OVERDUE_LISTED", 3)
    ids = [open_ticket(gw, f"VPN down at site {n}", key=f"many-{n}") for n in range(7)]
    clock.advance(4 * HOUR)
    _passes(gw, clock, 5)  # three passes are enough, more send nothing
    lists = [_listed(text_of(m)) for m in outbox(gw, "sla_overdue_list")]
    [single] = outbox(gw, "sla_overdue")  # the last pass had one left
    assert [len(x) for x in lists] == [3, 3]
    assert [t for x in lists for t in x] + [single.ticket_id] == ids  # none lost, none twice
    for tid in ids:
        assert _claims(gw, tid) == [f"{tid}:first_response"]


def test_a_pass_that_fails_before_its_mail_tells_nothing_and_loses_nothing(
    gw: App, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = [open_ticket(gw, f"VPN down at site {n}", key=f"fail-{n}") for n in range(3)]
    clock.advance(4 * HOUR)
    queue = told.queue_member_mail

    def broken(*args: object, **kwargs: object) -> int | None:
        raise RuntimeError("the list could not be queued")

    monkeypatch.setattr(told, "queue_member_mail", broken)
    with pytest.raises(RuntimeError):
        scheduler.tick(gw)
    assert all(_claims(gw, tid) == [] for tid in ids)  # the claims went with it
    monkeypatch.setattr(told, "queue_member_mail", queue)
    _passes(gw, clock, 2)
    [mail] = outbox(gw, "sla_overdue_list")
    assert _listed(text_of(mail)) == ids


def test_the_list_in_japanese(gw: App, clock: FakeClock) -> None:
    """A member who reads Japanese reads the list in Japanese (ops2 answers for purchase
    tickets, which have no SLA here: a due date set on them is a deadline of its own)."""
    ids = [open_ticket(gw, f"Purchase: item {n}", key=f"ja-{n}") for n in range(2)]
    for tid in ids:
        _due(gw, tid, HOUR)
    clock.advance(2 * HOUR)
    _passes(gw, clock, 2)
    [mail] = outbox(gw, "sla_overdue_list")
    assert mail.recipients == ["ops2@example.test"]
    text = text_of(mail)
    assert _listed(text) == ids
    assert "担当のチケットのうち、2 件が SLA の期限を過ぎました。" in text
    assert "first response" not in text and "act by reply" not in text


def test_a_ticket_that_fails_in_the_pass_is_not_listed_and_is_told_next_pass_once(
    gw: App, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ticket whose jobs fail after its deadline was claimed is rolled back to its
    savepoint, claim and all: the pass's mail must not name it (else the next pass,
    finding it unclaimed, tells it a second time)."""
    ids = [open_ticket(gw, f"VPN down at site {n}", key=f"sp-{n}") for n in range(3)]
    clock.advance(4 * HOUR)
    flush, calls = conversation.flush, []

    def first_fails(session: Session) -> list[int]:
        calls.append(1)
        if len(calls) == 1:  # the first ticket of the pass, after its claims
            raise RuntimeError("a notice of this ticket could not be written")
        return flush(session)

    monkeypatch.setattr(conversation, "flush", first_fails)
    scheduler.tick(gw)
    monkeypatch.setattr(conversation, "flush", flush)
    [listed] = outbox(gw, "sla_overdue_list")
    assert _listed(text_of(listed)) == ids[1:]
    assert _claims(gw, ids[0]) == []
    _passes(gw, clock, 2)
    [alone] = outbox(gw, "sla_overdue")
    assert alone.ticket_id == ids[0] and len(outbox(gw, "sla_overdue_list")) == 1


def test_a_ticket_past_two_deadlines_in_one_pass_is_one_ticket_in_the_list(
    gw: App, clock: FakeClock
) -> None:
    """A pass that finds both the first response and the resolve deadline of a ticket
    passed (the daemon was down for days, a weekend without a sweep) lists that ticket
    once, with both deadlines under it, and counts tickets as the words say: two
    tickets are not "4 of your tickets" because each missed two deadlines."""
    ids = [open_ticket(gw, f"VPN down at site {n}", key=f"both-{n}") for n in range(2)]
    clock.advance(3 * 24 * HOUR)  # past the 4h first response and the 2d resolve of both
    _passes(gw, clock, 2)
    [mail] = outbox(gw, "sla_overdue_list")
    text = text_of(mail)
    assert _listed(text) == ids  # each ticket once
    assert "2 of your tickets have passed an SLA deadline:" in text
    assert subject_of(mail) == "2 tickets past an SLA deadline"
    assert text.count("first response deadline passed") == 2  # every deadline still said
    assert text.count("resolution deadline passed") == 2
    for tid in ids:  # each still recorded once per deadline
        assert sorted(_claims(gw, tid)) == [f"{tid}:first_response", f"{tid}:resolve"]
    for tid in ids:
        assert text.count(f"act by reply: {reply_address(gw, tid, 'ops@example.test')}") == 1


def test_one_ticket_past_two_deadlines_in_japanese(gw: App, clock: FakeClock) -> None:
    """The same in Japanese: one ticket is 1 件, with its two deadlines under it."""
    tid = open_ticket(gw, "Purchase: toner", key="both-ja")
    _due(gw, tid, HOUR)  # ops2 reads Japanese; a due date is the purchase entry's deadline
    with transaction(gw.sessions) as s:  # and the same ticket under vpn's SLA as well
        ticket = tickets.get(s, tid)
        assert ticket is not None
        changes.set_category(
            s, ticket, "vpn", clock.now(), actor="boss@example.test", channel="cli"
        )
        changes.assign(
            s, ticket, "ops2@example.test", clock.now(), actor="boss@example.test", channel="cli"
        )
    clock.advance(5 * HOUR)  # the due date and the 4h first response, both passed
    _passes(gw, clock, 2)
    [mail] = outbox(gw, "sla_overdue_list")
    text = text_of(mail)
    assert _listed(text) == [tid]
    assert "担当のチケットのうち、1 件が SLA の期限を過ぎました。" in text
    assert subject_of(mail) == "SLA の期限を過ぎたチケット 1 件"
