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

from gateway.config.settings import Member, ScheduleSettings, Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App
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


def test_one_who_came_back_and_left_again_is_told_again(
    settings: Settings, tmp_path: Path, clock: FakeClock
) -> None:
    """Taken out of ``[[members]]`` for a leave, put back on return, taken out again a
    year later: the claim of the first leaving kept the address told for good, and
    the manager heard nothing of the tickets left the second time. A start whose team
    holds the address again ends that claim: the next leaving is told too."""
    schedule = ScheduleSettings(digest="off")
    team = tuple(m for m in MEMBERS if m.email != LEAVER)

    def start(members: tuple[Member, ...]) -> App:
        later = scheduled_settings(settings, tmp_path, schedule, QUIET[1])
        return make_app(replace(later, members=members), clock)

    first = make_app(scheduled_settings(settings, tmp_path, schedule, QUIET[0]), clock)
    try:
        tid = open_ticket(first, "Purchase: a chair", key="again-1")
        assert show(first, tid)["assignee"] == LEAVER
    finally:
        first.close()
    for members, told in ((team, 1), (MEMBERS, 1), (team, 2)):  # left, back, left again
        clock.advance(timedelta(days=1))
        app = start(members)
        try:
            scheduler.tick(app, first=True)  # the first pass after each start
            assert len(outbox(app, "left_work")) == told, members
        finally:
            app.close()


def test_a_bounced_handover_mail_is_named_as_such(
    settings: Settings, tmp_path: Path, clock: FakeClock
) -> None:
    """The handover mail to a manager is a mail about no one ticket, as a digest is: its
    bounce is kept naming the mail (``inbox list``) and status warns of the manager whose
    mail came back, in words: it said only "a mail of ours" (its kind had no name)."""
    from gateway.core.i18n import translate
    from gateway.scheduling import health
    from tests.support import dsn
    from tests.support.pipeline import deliver
    from tests.support.scheduling import send

    schedule = ScheduleSettings(digest="off")
    first = make_app(scheduled_settings(settings, tmp_path, schedule, QUIET[0]), clock)
    try:
        open_ticket(first, "Purchase: a chair", key="bounced-1")
    finally:
        first.close()
    team = tuple(m for m in MEMBERS if m.email != LEAVER)
    later = scheduled_settings(settings, tmp_path, schedule, QUIET[1])
    app = make_app(replace(later, members=team), clock)
    try:
        scheduler.tick(app, first=True)
        send(app)
        [told] = outbox(app, "left_work")
        assert deliver(app, dsn.postfix(told.message_id, "boss@example.test")).ticket_id is None
        report = health.check(app.settings, app.sessions, app.clock.now())
        [line] = [translate(m, "en") for m in report.bounced_members]
        assert "boss@example.test" in line and "a mail of ours" not in line, line
    finally:
        app.close()
