"""The digest's unassigned tickets carry the marks its members' own tickets carry: past
an SLA deadline or due soon, stale, high or urgent. Nobody has them, which is when a
deadline is missed without anyone noticing (a member left, a ticket was handed back):
the managers' summary counted them "overdue" under nobody while every digest listed
them as if all were well, in an order ("most urgent first") whose reason it hid."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.priority import Priority
from gateway.runtime.app import App
from gateway.tickets import changes, priority
from store import tickets
from store.db import transaction
from tests.support.pipeline import outbox, parsed, text_of
from tests.support.scheduling import make_app, open_ticket, scheduled_settings, tick_and_send
from tests.support.unwrap import unwrapped

DAY, HOUR = timedelta(days=1), timedelta(hours=1)


@pytest.fixture
def gw(settings: Settings, tmp_path: Path, clock: FakeClock) -> Iterator[App]:
    app = make_app(scheduled_settings(settings, tmp_path), clock)  # digest "mon 09:00"
    yield app
    app.close()


def _handed_back(app: App, subject: str, key: str, level: Priority) -> int:
    """A VPN ticket (4h first response, 2d resolve, stale after 3d) nobody has."""
    tid = open_ticket(app, subject, key=key)
    with transaction(app.sessions) as s:
        ticket = tickets.get(s, tid)
        assert ticket is not None
        now, by = app.clock.now(), "boss@example.test"
        changes.assign(s, ticket, None, now, actor=by, channel="cli")
        if level != Priority.NORMAL:
            priority.set_priority(s, ticket, level, now, actor=by, channel="cli", source="command")
    return tid


def _digest_of(app: App, member: str) -> str:
    [mail] = [m for m in outbox(app, "weekly_digest") if m.recipients == [member]]
    return unwrapped(text_of(mail))


def _section(text: str, heading: str) -> str:
    return text.split(heading, 1)[1]


def _line(text: str, tag: str) -> str:
    [line] = [ln for ln in text.splitlines() if ln.strip().startswith(tag)]
    return line


def test_an_unassigned_ticket_past_its_deadlines_is_marked_in_every_digest(
    gw: App, clock: FakeClock
) -> None:
    late = _handed_back(gw, "VPN down in Osaka", "late", Priority.URGENT)
    clock.advance(7 * DAY - HOUR)  # its 4h first response and 2d resolve passed, stale
    fresh = _handed_back(gw, "VPN slow at home", "fresh", Priority.NORMAL)
    clock.advance(HOUR)  # Monday 10:00 JST: the digest is due
    tick_and_send(gw)
    en = _section(_digest_of(gw, "ops@example.test"), "Unassigned tickets (2)")
    marks = ", OVERDUE since Mon, Mar 2, 2026, 14:00 JST, STALE, priority urgent"
    assert f"(from Alice Example, 7 days old){marks} act by reply:" in _line(en, f"[#{late}]")
    plain = _line(en, f"[#{fresh}]")  # no deadline passed yet, not stale: nothing added
    assert "(from Alice Example, 1 hour old) act by reply:" in plain
    ja = _section(_digest_of(gw, "ops2@example.test"), "担当者のいないチケット（2 件）")
    marks = "、期限超過（2026年3月2日(月) 14:00 JST）、放置、優先度 緊急"
    assert re.search(
        f"（Alice Example、経過 7 日）{re.escape(marks)}\\s*返信先:", _line(ja, f"[#{late}]")
    )
    assert re.search(r"（Alice Example、経過 1 時間）\s*返信先:", _line(ja, f"[#{fresh}]"))


def test_the_html_part_marks_them_too(gw: App, clock: FakeClock) -> None:
    late = _handed_back(gw, "VPN down in Osaka", "late-html", Priority.HIGH)
    clock.advance(7 * DAY)
    tick_and_send(gw)
    [mail] = [m for m in outbox(gw, "weekly_digest") if m.recipients == ["ops@example.test"]]
    html = parsed(mail).get_body(preferencelist=("html",))
    assert html is not None
    [row] = [r for r in str(html.get_content()).split("<tr>") if f"[#{late}]" in r]
    assert "OVERDUE since" in row and "STALE" in row and "priority high" in row
