"""A ticket nobody has (given back: ``tickets assign ID -``), under an entry that names
no manager, is told to the fallback entry's manager (the one manager every catalog has,
who gets such an entry's new tickets), as a leaver's ticket there is: "the assignee,
else the entry's manager" would otherwise tell its stale reminder, its SLA notice and
its requester's reply to nobody, the weekly digest aside."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from gateway.config.settings import Member, ScheduleSettings, Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App
from gateway.scheduling import scheduler
from gateway.tickets import changes
from store import tickets
from store.db import transaction
from tests.support.app import MEMBERS, reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, text_of
from tests.support.scheduling import make_app, open_ticket, scheduled_settings

DAY = timedelta(days=1)
TEAM_MANAGER = "boss2@example.test"
OPS = "ops@example.test"
# printers: nobody is given its tickets, and nobody manages it
CATALOG = f"""
entries:
  - id: printer
    name: {{ja: プリンター, en: Printers}}
    keywords: [{{term: printer, weight: 3}}]
    stale_after: 3d
    sla: {{first_response: 4h}}
  - id: other
    name: {{ja: その他, en: Other}}
    fallback: true
    manager: {TEAM_MANAGER}
"""


@pytest.fixture
def gw(settings: Settings, tmp_path: Path, clock: FakeClock) -> Iterator[App]:
    boss2 = Member(email=TEAM_MANAGER, name="Boss Two", role="manager", locale="en")
    later = scheduled_settings(settings, tmp_path, ScheduleSettings(digest="off"), CATALOG)
    app = make_app(replace(later, members=(*MEMBERS, boss2)), clock)
    yield app
    app.close()


def test_an_unassigned_ticket_of_an_unmanaged_entry_goes_to_the_fallbacks_manager(
    gw: App, clock: FakeClock
) -> None:
    tid = open_ticket(gw, "The printer jams", key="unmanaged-new-1")
    assert show(gw, tid)["assignee"] == TEAM_MANAGER  # an entry without assignees: theirs
    with transaction(gw.sessions) as s:  # given to ops, who gives it back to nobody
        ticket = tickets.get(s, tid)
        assert ticket is not None
        changes.assign(s, ticket, OPS, clock.now(), actor=TEAM_MANAGER, channel="cli")
        changes.assign(s, ticket, None, clock.now(), actor=OPS, channel="cli")
    assert show(gw, tid)["assignee"] is None
    clock.advance(DAY)
    told = len(outbox(gw, "ticket_notice"))  # of the hand-overs
    deliver(
        gw,
        mail(
            subject=f"Re: [#{tid}] The printer jams",
            body="It jams on every page now.\n",
            to=reply_address(gw, tid, "alice@customer.test"),
            message_id="<unmanaged-new-2@customer.test>",
        ),
    )
    clock.advance(timedelta(minutes=30))  # past the notices' coalescing window
    assert [r.recipients for r in outbox(gw, "ticket_notice")[told:]] == [[TEAM_MANAGER]]
    scheduler.tick(gw)  # its first response was due 4 hours after it came
    [overdue] = outbox(gw, "sla_overdue")
    assert overdue.recipients == [TEAM_MANAGER]
    clock.advance(3 * DAY)  # untouched for its stale_after since the reply
    scheduler.tick(gw)
    [stale] = outbox(gw, "stale_reminder")
    assert stale.recipients == [TEAM_MANAGER]
    # told as a ticket they answer for, not as one of theirs
    assert "Nobody on the team has it" in text_of(stale)


def test_the_entrys_own_manager_still_comes_first(
    settings: Settings, tmp_path: Path, clock: FakeClock
) -> None:
    managed = CATALOG.replace(
        "    stale_after: 3d\n", "    stale_after: 3d\n    manager: boss@example.test\n", 1
    )
    boss2 = Member(email=TEAM_MANAGER, name="Boss Two", role="manager", locale="en")
    later = scheduled_settings(settings, tmp_path, ScheduleSettings(digest="off"), managed)
    app = make_app(replace(later, members=(*MEMBERS, boss2)), clock)
    try:
        tid = open_ticket(app, "The printer jams", key="managed-1")
        with transaction(app.sessions) as s:  # given back to nobody
            ticket = tickets.get(s, tid)
            assert ticket is not None
            changes.assign(s, ticket, None, clock.now(), actor=TEAM_MANAGER, channel="cli")
        clock.advance(5 * timedelta(hours=1))
        scheduler.tick(app)
        assert [r.recipients for r in outbox(app, "sla_overdue")] == [["boss@example.test"]]
    finally:
        app.close()
