"""The Date of the mail we send is the team's local time (RFC 5322 section 3.3: the
date and time-of-day SHOULD express local time), as the times in its text are: a
Japanese team's acknowledgement said "10:00 JST" in its body and ``01:00 +0000`` in its
header, which mutt, Becky! and any "show all headers" view print as they are."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import build
from tests.support.app import MEMBERS
from tests.support.mails import mail
from tests.support.pipeline import deliver, header_of, outbox


@pytest.mark.parametrize(
    ("timezone", "offset"),
    [("Asia/Tokyo", "+0900"), ("America/New_York", "-0500"), ("UTC", "+0000")],
)
def test_every_mail_is_dated_in_the_teams_zone(
    settings: Settings, clock: FakeClock, timezone: str, offset: str
) -> None:
    gateway = replace(settings.gateway, timezone=timezone)
    app = build(replace(settings, gateway=gateway, members=MEMBERS), clock)
    try:
        deliver(app, mail(subject="VPN に接続できません", body="接続できません。\n"))
        rows = outbox(app)
        assert {r.kind for r in rows} >= {"acknowledgement", "new_ticket"}
        for row in rows:
            date = header_of(row, "Date")
            assert date.endswith(offset), (row.kind, date)
            assert (
                parsedate_to_datetime(date) == clock.now() == datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
            )
    finally:
        app.close()
