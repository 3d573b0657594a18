"""Two daemons started at once on one PostgreSQL database: the open tickets of someone
who left the team are told to their manager once, not once per daemon's first pass."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from gateway.config.settings import ScheduleSettings, Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App
from gateway.scheduling import scheduler
from tests.support.app import MEMBERS
from tests.support.databases import postgres_only
from tests.support.pipeline import outbox, show, words_of
from tests.support.scheduling import make_app, open_ticket, scheduled_settings
from tests.test_leaver_handover import LEAVER, QUIET


def _both_start(first: App, second: App) -> None:
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(app: App) -> None:
        start.wait()
        try:
            scheduler.tick(app, first=True)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(a,)) for a in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors


@postgres_only
def test_two_daemons_starting_at_once_tell_a_leavers_tickets_once(
    settings: Settings, tmp_path: Path, clock: FakeClock
) -> None:
    schedule = ScheduleSettings(digest="off")
    before = make_app(scheduled_settings(settings, tmp_path, schedule, QUIET[0]), clock)
    try:
        ids = [open_ticket(before, f"Purchase: chair {n}", key=f"left-{n}") for n in range(3)]
        ids = [i for i in ids if show(before, i)["assignee"] == LEAVER]  # shared by turns
        assert ids
    finally:
        before.close()
    later = scheduled_settings(settings, tmp_path, schedule, QUIET[1])
    team = replace(later, members=tuple(m for m in MEMBERS if m.email != LEAVER))
    first, second = make_app(team, clock), make_app(team, clock)
    try:
        clock.advance(timedelta(hours=1))
        _both_start(first, second)
        told = outbox(first, "left_work")
        assert [r.recipients for r in told] == [["boss@example.test"]], told
        words = words_of(told[0])
        assert all(f"[#{i}]" in words for i in ids), words
    finally:
        first.close()
        second.close()
