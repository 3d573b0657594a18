"""The manager who answers for a ticket whose assignee left the team is told so by name,
in every mail about it: the requester's news, the stale reminder, the SLA notice. Those
mails said "Nobody on the team has it", or nothing at all (the SLA notice read as if the
ticket were the manager's own), so the manager learned neither that a colleague's
unfinished work had come to them nor whose it was, which the board and the digest say
("(not in the team)")."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from gateway.config.settings import ScheduleSettings, Settings
from gateway.core.clock import FakeClock
from gateway.scheduling import scheduler
from tests.support.app import MEMBERS, reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, words_of
from tests.support.scheduling import make_app, open_ticket, scheduled_settings
from tests.test_former_member import AFTER, BEFORE

DAY = timedelta(days=1)
LEAVER = "ops2@example.test"
SAID = {
    "en": f"{LEAVER} had this ticket and is no longer in the team",
    "ja": f"{LEAVER} はもうチームにいません",
}


@pytest.mark.parametrize("locale", ["en", "ja"])
def test_the_manager_is_told_whose_ticket_it_was(
    settings: Settings, tmp_path: Path, clock: FakeClock, locale: str
) -> None:
    schedule = ScheduleSettings(digest="off")
    first = make_app(scheduled_settings(settings, tmp_path, schedule, BEFORE), clock)
    try:
        tid = open_ticket(first, "Purchase: a chair", key="named-1")
    finally:
        first.close()
    team = tuple(
        replace(m, locale=locale) if m.role == "manager" else m
        for m in MEMBERS
        if m.email != LEAVER
    )
    later = scheduled_settings(settings, tmp_path, schedule, AFTER)
    app = make_app(replace(later, members=team), clock)
    try:
        clock.advance(DAY)
        deliver(
            app,
            mail(
                subject=f"Re: [#{tid}] Purchase: a chair",
                body="Any news? It is for the new colleague.\n",
                to=reply_address(app, tid, "alice@customer.test"),
                message_id="<named-2@customer.test>",
            ),
        )
        clock.advance(timedelta(minutes=30))  # past the notices' coalescing window
        clock.advance(3 * DAY)
        scheduler.tick(app)
        for kind in ("ticket_notice", "stale_reminder", "sla_overdue"):
            [told] = [r for r in outbox(app, kind) if r.recipients == ["boss@example.test"]]
            assert SAID[locale] in words_of(told), (kind, words_of(told))
    finally:
        app.close()
