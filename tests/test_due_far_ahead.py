"""A ``/due`` date so far ahead that its instant leaves the calendar a computer keeps
(``/due 9999-12-31`` in New York is 10000-01-01 in UTC) is refused in the member's
transcript, like a date in the past, instead of failing the mail's processing (which
shunted it, told the member nothing and alerted the managers), and a date no member
means (more than a hundred years ahead) with it, so no reader's zone meets a year past
9999. A far date that is still sensible is taken."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App, build
from tests.support.app import MEMBERS, reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, inbox_rows, outbox, show, words_of

OPS = "ops@example.test"  # en
OPS2 = "ops2@example.test"  # ja


@pytest.fixture
def team(settings: Settings) -> Iterator[App]:
    """The Tokyo team with ops reading New York's time and ops2 Auckland's."""
    zones = {OPS: "America/New_York", OPS2: "Pacific/Auckland"}
    members = tuple(replace(m, time_zone=zones.get(m.email, "")) for m in MEMBERS)
    app = build(replace(settings, members=members), FakeClock(datetime(2026, 12, 5, tzinfo=UTC)))
    yield app
    app.close()


def _due(app: App, member: str, day: str) -> tuple[int, str]:
    tid = deliver(app, mail(subject="VPN down", sender="Alice <alice@customer.test>")).ticket_id
    assert tid is not None
    body = f"/due {day}\n"
    to = reply_address(app, tid, member)
    deliver(app, mail(subject=f"Re: [#{tid}] VPN down", sender=f"<{member}>", to=to, body=body))
    *_, transcript = [m for m in outbox(app, "command_result") if m.recipients == [member]]
    return tid, words_of(transcript)


@pytest.mark.parametrize("member", [OPS, OPS2])
@pytest.mark.parametrize("day", ["9999-12-31", "2127-01-01"])
def test_a_due_date_past_a_hundred_years_is_refused_in_the_transcript(
    team: App, member: str, day: str
) -> None:
    tid, text = _due(team, member, day)
    assert [r.state for r in inbox_rows(team) if r.state == "shunted"] == []
    assert show(team, tid)["due_at"] is None
    if member == OPS:
        assert "more than 100 years ahead" in text, text
    else:
        assert "100 年より先" in text, text


def test_a_far_but_sensible_due_date_is_taken(team: App) -> None:
    tid, text = _due(team, OPS, "2126-12-04")  # 99 years, 364 days ahead
    due = show(team, tid)["due_at"]
    assert due is not None and "refused" not in text, text
    assert str(due).startswith("2126-12-05")  # the end of the 4th in New York, in UTC
