"""The managers' summary says one thing of a leaver's ticket: its per-assignee rows count
it as nobody's, and its "oldest" list shows the leaver's address marked "(not in the
team)", as the board, the ticket list and its own per-member sections mark them, in the
manager's language (ja and en) — not the bare address of someone who seems to have it.
Every member's digest lists it with the tickets nobody has, marked the same way."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from gateway.config.settings import Member, ScheduleSettings, Settings
from gateway.core.clock import FakeClock
from gateway.notify import views
from gateway.notify.render import renderer
from gateway.scheduling import digest, scheduler
from store.db import transaction
from tests.support.scheduling import CATALOG, make_app, open_ticket, scheduled_settings

DAY = timedelta(days=1)
LEAVER = "ops2@example.test"
# ops2 leaves: the entry that named them is given to ops first (else nothing starts)
AFTER = CATALOG.replace(f"assignee: {LEAVER}", "assignee: ops@example.test")
MARK = {"ja": "（チームにいません）", "en": "(not in the team)"}


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_the_oldest_list_marks_a_leavers_ticket_as_the_rows_count_it(
    settings: Settings, tmp_path: Path, clock: FakeClock, locale: str
) -> None:
    team = (
        Member(email="ops@example.test", name="Ops One", role="ops", locale=locale),
        Member(email=LEAVER, name="Ops Two", role="ops", locale=locale),
        Member(email="boss@example.test", name="Boss", role="manager", locale=locale),
    )
    schedule = ScheduleSettings(digest="off")
    first = make_app(replace(scheduled_settings(settings, tmp_path, schedule), members=team), clock)
    try:
        open_ticket(first, "Purchase: a bag", key="leaver-oldest")  # ops2's
    finally:
        first.close()
    stayed = tuple(m for m in team if m.email != LEAVER)
    later = scheduled_settings(settings, tmp_path, schedule, AFTER)
    app = make_app(replace(later, members=stayed), clock)
    try:
        clock.advance(DAY)
        with transaction(app.sessions) as s:
            ctx = scheduler.context(app)
            now = app.clock.now()
            mails = digest.build(s, ctx, now, digest.manual_run(now, ctx.tz))
    finally:
        app.close()
    [summary] = [m.view for m in mails if isinstance(m.view, views.WeeklySummary)]
    assert {row.name: row.count for row in summary.by_assignee} == {"": 1}  # nobody's
    [oldest] = summary.oldest
    assert oldest.assignee.startswith(LEAVER) and oldest.assignee.endswith(MARK[locale])
    text = renderer(None).render(summary, locale).text
    assert f"{LEAVER} {MARK[locale]}" in text
    [mine] = [m.view for m in mails if isinstance(m.view, views.WeeklyDigest)][:1]
    assert [t.assignee for t in mine.unassigned] == [oldest.assignee]
