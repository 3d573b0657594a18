"""A ``/due`` date a member types is a day of *their* calendar (``[[members]]
time_zone``), not the team's: a member in New York who writes ``/due 2026-12-05`` on
the evening of the 5th means the end of that day in New York, while in Tokyo it is
already the 6th. The transcript says the instant it took, in their zone and with its
name, so nobody reads it as the team's day."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App, build
from tests.support.app import MEMBERS, reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, words_of

NEW_YORK = "America/New_York"
OPS = "ops@example.test"  # en
OPS2 = "ops2@example.test"  # ja
# Saturday 2026-12-05 16:00 UTC: 11:00 that Saturday in New York, Sunday 01:00 in Tokyo
SATURDAY_NY = datetime(2026, 12, 5, 16, 0, tzinfo=UTC)


@pytest.fixture
def ny_team(settings: Settings) -> Iterator[tuple[App, FakeClock]]:
    """The test team (Tokyo) with both ops members reading New York's time."""
    assert settings.gateway.timezone == "Asia/Tokyo"
    team = tuple(replace(m, time_zone=NEW_YORK) if m.email in (OPS, OPS2) else m for m in MEMBERS)
    clock = FakeClock(SATURDAY_NY)
    app = build(replace(settings, members=team), clock)
    yield app, clock
    app.close()


def _due(app: App, member: str, day: str) -> tuple[int, str]:
    """``member`` replies ``/due <day>`` to a new ticket; (ticket id, their transcript)."""
    tid = deliver(app, mail(subject="VPN down", sender="Alice <alice@customer.test>")).ticket_id
    assert tid is not None
    to = reply_address(app, tid, member)
    deliver(
        app,
        mail(subject=f"Re: [#{tid}] VPN down", sender=f"<{member}>", to=to, body=f"/due {day}\n"),
    )
    *_, transcript = [m for m in outbox(app, "command_result") if m.recipients == [member]]
    return tid, words_of(transcript)


def _stored(app: App, tid: int) -> datetime:
    due = show(app, tid)["due_at"]
    at = due if isinstance(due, datetime) else datetime.fromisoformat(due)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("member", "said"),
    [
        (OPS, "applied: due Sat, Dec 5, 2026, 23:59 EST"),
        (OPS2, "期限を 2026年12月5日(土) 23:59 EST にしました"),
    ],
)
def test_today_in_new_york_is_not_yesterday_in_tokyo(
    ny_team: tuple[App, FakeClock], member: str, said: str
) -> None:
    """The 5th is still today in New York though Tokyo is on the 6th: it is taken, as
    the end of the 5th there, and confirmed with the time and New York's zone."""
    app, _ = ny_team
    tid, text = _due(app, member, "2026-12-05")
    assert said in text, text
    assert "JST" not in text and "過去" not in text and "in the past" not in text
    end = datetime(2026, 12, 5, 23, 59, 59, tzinfo=ZoneInfo(NEW_YORK))
    assert _stored(app, tid) == end


def test_a_day_is_read_in_the_members_zone_not_the_teams(ny_team: tuple[App, FakeClock]) -> None:
    """Any day, not only today: the end of the 9th in New York is the 10th in Tokyo."""
    app, _ = ny_team
    tid, _text = _due(app, OPS, "2026-12-09")
    assert _stored(app, tid) == datetime(2026, 12, 10, 4, 59, 59, tzinfo=UTC)


def test_yesterday_in_new_york_is_refused_though_tokyo_could_not_tell(
    ny_team: tuple[App, FakeClock],
) -> None:
    """The 4th has passed in New York (and in Tokyo): refused, the day as they wrote it."""
    app, _ = ny_team
    tid, text = _due(app, OPS, "2026-12-04")
    assert "refused: Fri, Dec 4, 2026 is in the past" in text, text
    assert show(app, tid)["due_at"] is None


def test_a_member_of_the_teams_zone_reads_the_day_alone(settings: Settings) -> None:
    """Tokyo's member: the team's day, said as before (no time, no zone to tell apart)."""
    clock = FakeClock(SATURDAY_NY)  # Sunday 01:00 in Tokyo
    app = build(replace(settings, members=MEMBERS), clock)
    try:
        tid, text = _due(app, OPS, "2026-12-06")
        assert "applied: due Sun, Dec 6, 2026" in text and "23:59" not in text, text
        assert _stored(app, tid) == datetime(2026, 12, 6, 23, 59, 59, tzinfo=ZoneInfo("Asia/Tokyo"))
        _, refused = _due(app, OPS, "2026-12-05")  # Saturday has ended in Tokyo
        assert "Sat, Dec 5, 2026 is in the past" in refused, refused
    finally:
        app.close()


def test_the_ticket_page_says_the_due_date_in_each_readers_zone(settings: Settings) -> None:
    """The due date the New York member set, on the ticket's page: the end of the 5th
    in New York for them, the same instant in Tokyo's time for a Tokyo colleague."""
    from tests.support.web import member_page, rig

    team = tuple(replace(m, time_zone=NEW_YORK) if m.email == OPS else m for m in MEMBERS)
    with rig(settings, FakeClock(SATURDAY_NY), members=team) as r:
        tid, _text = _due(r.app, OPS, "2026-12-05")
        theirs = member_page(r, OPS, f"/tickets/{tid}")
        tokyo = member_page(r, OPS2, f"/tickets/{tid}")  # ja, the team's zone
    assert "Sat, Dec 5, 2026, 23:59 EST" in theirs
    assert "2026年12月6日(日) 13:59 JST" in tokyo
