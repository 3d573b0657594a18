"""The managers' summary's "Oldest open tickets" are the oldest ones: the open tickets
come urgent-first for the digest's working order, and the summary's list must not take
that order for age (ten fresh urgent tickets would hide a month-old one)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from gateway.config.settings import ScheduleSettings, Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App
from tests.support.scheduling import make_app, open_ticket, scheduled_settings, weekly_summary

DAY = timedelta(days=1)


@pytest.fixture
def gw(settings: Settings, tmp_path: Path, clock: FakeClock) -> Iterator[App]:
    app = make_app(scheduled_settings(settings, tmp_path, ScheduleSettings(digest="off")), clock)
    yield app
    app.close()


def test_the_oldest_list_is_by_age_whatever_the_priority(gw: App, clock: FakeClock) -> None:
    old = open_ticket(gw, "Purchase: a projector", key="old")
    clock.advance(20 * DAY)
    urgent = [open_ticket(gw, f"【至急】 VPN down {n}", key=f"u{n}") for n in range(12)]
    clock.advance(DAY)
    oldest = weekly_summary(gw).oldest
    assert len(oldest) == 10
    assert oldest[0].tag == f"[#{old}]"  # a month-old ticket heads the list…
    assert [t.tag for t in oldest[1:]] == [f"[#{n}]" for n in urgent[:9]]  # …then by age
