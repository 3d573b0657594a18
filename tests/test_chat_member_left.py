"""A chat notice about a ticket whose assignee left the team (a stale one, after the
restart that reads ``[[members]]`` without them) names them as the pages do: their
address marked as no longer in the team, not as if they still had it."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from gateway.config.settings import ChatSettings, ScheduleSettings, Settings, WebhookSettings
from gateway.core.clock import FakeClock
from gateway.scheduling import scheduler
from tests.support import chat as c
from tests.support.app import MEMBERS
from tests.support.scheduling import CATALOG, make_app, open_ticket, scheduled_settings
from tests.support.slack_fake import FakeSlack

LEAVER = "ops2@example.test"


def test_a_stale_notice_marks_an_assignee_who_left(
    settings: Settings, clock: FakeClock, fake: FakeSlack, tmp_path: Path
) -> None:
    hook = ChatSettings(webhook=WebhookSettings(url=fake.hook_url("webhook"), locale="en"))
    schedule = ScheduleSettings(digest="off")
    first = make_app(replace(scheduled_settings(settings, tmp_path, schedule), chat=hook), clock)
    try:
        tid = open_ticket(first, "purchase a chair", key="chat-left-1")
        c.poster(first).drain()
    finally:
        first.close()
    catalog = CATALOG.replace(f"assignee: {LEAVER}", "assignee: ops@example.test")
    later = scheduled_settings(settings, tmp_path, schedule, catalog)
    team = tuple(m for m in MEMBERS if m.email != LEAVER)
    app = make_app(replace(later, members=team, chat=hook), clock)
    try:
        fake.hooks["webhook"].clear()
        clock.advance(timedelta(days=4))
        scheduler.tick(app)
        assert c.poster(app).drain().sent
    finally:
        app.close()
    [stale] = [b["text"] for b in fake.hooks["webhook"] if f"#{tid}" in b["text"]]
    assert f"{LEAVER} (not in the team)" in stale, stale
