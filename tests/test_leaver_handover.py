"""The open tickets of someone taken out of ``[[members]]`` are told to the manager who
answers for them now, at once and once: not left for a requester's reply, a stale
reminder, a deadline or the weekly digest to reveal (under an entry with neither
reminder nor SLA, and the digest off, nothing ever did). Zammad and RT leave a disabled
agent's tickets where they were; a manager here hears of them the first pass after the
start that reads the team without them."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from gateway.config.settings import ScheduleSettings, Settings
from gateway.core.clock import FakeClock
from gateway.scheduling import scheduler
from tests.support.app import MEMBERS
from tests.support.pipeline import outbox, show, subject_of, words_of
from tests.support.scheduling import make_app, open_ticket, scheduled_settings
from tests.test_former_member import AFTER, BEFORE

LEAVER = "ops2@example.test"
# no stale reminder, no SLA: before this, nothing but the digest would ever tell anyone
QUIET = (
    BEFORE.replace("    stale_after: 3d\n", "").replace("    sla: {resolve: 2d}\n", ""),
    AFTER.replace("    stale_after: 3d\n", "").replace("    sla: {resolve: 2d}\n", ""),
)


@pytest.mark.parametrize("locale", ["en", "ja"])
def test_a_leavers_open_tickets_are_told_to_their_manager_once(
    settings: Settings, tmp_path: Path, clock: FakeClock, locale: str
) -> None:
    schedule = ScheduleSettings(digest="off")
    first = make_app(scheduled_settings(settings, tmp_path, schedule, QUIET[0]), clock)
    try:
        tid = open_ticket(first, "Purchase: a chair", key="handover-1")
        assert show(first, tid)["assignee"] == LEAVER
    finally:
        first.close()
    team = tuple(
        replace(m, locale=locale) if m.role == "manager" else m
        for m in MEMBERS
        if m.email != LEAVER
    )
    later = scheduled_settings(settings, tmp_path, schedule, QUIET[1])
    app = make_app(replace(later, members=team), clock)
    try:
        clock.advance(timedelta(hours=1))
        scheduler.tick(app)  # a later pass of a daemon: its team may not be the file's
        assert outbox(app, "left_work") == []
        scheduler.tick(app, first=True)  # the first pass after the start
        [told] = outbox(app, "left_work")
        assert told.recipients == ["boss@example.test"]
        words = words_of(told)
        assert f"[#{tid}]" in words and LEAVER in words
        assert f"ticket-gateway tickets list --assignee {LEAVER}" in words
        assert "support+" in words  # the manager's own reply address, to /assign it
        assert LEAVER in words_of(told).split("[#")[0]  # said first: whose they were
        assert ("left the team" if locale == "en" else "チームを離れた") in subject_of(told)
        clock.advance(timedelta(days=1))
        scheduler.tick(app, first=True)  # another start: told once
        assert len(outbox(app, "left_work")) == 1
    finally:
        app.close()
