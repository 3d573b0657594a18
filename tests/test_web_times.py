"""Times on the members' pages are the team's times: ``[gateway] timezone``, with
its name, as the mails and ``tickets show`` give them. A Tokyo team reading a
ticket that arrived at 10:00 JST must not see "01:00" of a clock nobody uses."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from tests.support.mails import mail
from tests.support.pipeline import deliver
from tests.support.web import member_page, rig

MEMBER = "ops@example.test"  # locale en


def _times(html: str) -> list[str]:
    return re.findall(r"\w{3}, \w{3} \d+, \d{4}, \d\d:\d\d(?: [A-Z+\-0-9]+)?", html)


def test_ticket_page_and_list_show_the_teams_time_zone(
    settings: Settings, clock: FakeClock
) -> None:
    # the clock says 2026-03-02 01:00 UTC: 10:00 in Tokyo (the default time zone)
    with rig(settings, clock) as r:
        sent = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)  # the mail's Date: 09:30 in Tokyo
        tid = deliver(r.app, mail(subject="Printer jam on 3F", date=sent)).ticket_id
        ticket = member_page(r, MEMBER, f"/tickets/{tid}")
        listed = member_page(r, MEMBER, "/tickets")
    shown = _times(ticket.split("<main")[1]) + _times(listed.split("<tbody>")[1])
    assert shown, "no time on the pages"
    assert all(t.endswith(" JST") for t in shown), shown
    assert "<dd>Mon, Mar 2, 2026, 10:00 JST</dd>" in ticket  # opened, with its weekday
    assert "Mon, Mar 2, 2026, 09:30 JST" in ticket  # the message's own date
    assert "<td>Mon, Mar 2, 2026, 10:00 JST</td>" in listed  # updated


def test_another_time_zone_is_followed(settings: Settings, clock: FakeClock) -> None:
    berlin = replace(settings, gateway=replace(settings.gateway, timezone="Europe/Berlin"))
    with rig(berlin, clock) as r:
        tid = deliver(r.app, mail(subject="Printer jam on 3F")).ticket_id
        ticket = member_page(r, MEMBER, f"/tickets/{tid}")
    assert "Mon, Mar 2, 2026, 02:00 CET" in ticket and "01:00" not in ticket


def test_a_japanese_reader_sees_the_weekday_as_japanese_writes_it(
    settings: Settings, clock: FakeClock
) -> None:
    with rig(settings, clock) as r:
        tid = deliver(r.app, mail(subject="Printer jam on 3F")).ticket_id
        ticket = member_page(r, "ops2@example.test", f"/tickets/{tid}")  # locale ja
        listed = member_page(r, "ops2@example.test", "/tickets")
    assert "<dd>2026年3月2日(月) 10:00 JST</dd>" in ticket
    assert "<td>2026年3月2日(月) 10:00 JST</td>" in listed
    assert "2026-03-02" not in ticket.split("<main")[1]
