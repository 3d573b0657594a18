"""A member's weekly digest lists a ticket whose assignee left the team with the tickets
nobody has, and says whose it was: their address marked "(not in the team)", as the
managers' summary, the board and the ticket list say it. The view carried the mark, but
the mail (text and HTML) printed the line of a ticket never assigned, so a reader could
not tell the leaver's unfinished work from a new request nobody took."""

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
from tests.support.scheduling import make_app, open_ticket, scheduled_settings
from tests.test_summary_leaver_oldest import AFTER, LEAVER, MARK


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_the_digest_says_whose_a_leavers_ticket_was(
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
        open_ticket(first, "Purchase: a bag", key="leaver-digest")  # ops2's
        open_ticket(first, "Something nobody matched", key="nobody-digest")  # the fallback's
    finally:
        first.close()
    stayed = tuple(m for m in team if m.email != LEAVER)
    later = scheduled_settings(settings, tmp_path, schedule, AFTER)
    app = make_app(replace(later, members=stayed), clock)
    try:
        clock.advance(timedelta(days=1))
        with transaction(app.sessions) as s:
            ctx = scheduler.context(app)
            now = app.clock.now()
            mails = digest.build(s, ctx, now, digest.manual_run(now, ctx.tz))
    finally:
        app.close()
    [mine] = [
        m.view
        for m in mails
        if isinstance(m.view, views.WeeklyDigest) and m.view.recipient.email == "ops@example.test"
    ]
    shown = renderer(None).render(mine, locale)
    for body in (shown.text, shown.html):
        assert f"{LEAVER} {MARK[locale]}" in body, body
        assert body.count(LEAVER) == 1  # on the leaver's ticket only
