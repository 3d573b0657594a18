"""A manager reminded of tickets nobody on the team has (a member left, a ticket was
handed back) is not told they are "their" tickets: the stale reminder and the overdue
list say these are tickets they answer for, and mark each ticket nobody has, so the
manager knows to give it to someone rather than look for work they forgot. A member's
own reminder reads as before."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from gateway.config.settings import Member, ScheduleSettings, Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App
from tests.support.app import MEMBERS
from tests.support.pipeline import outbox, text_of
from tests.support.scheduling import (
    CATALOG,
    make_app,
    open_ticket,
    scheduled_settings,
    tick_and_send,
)
from tests.support.unwrap import unwrapped

DAY = timedelta(days=1)
NOBODY_JA = "チームに担当者がいないため、管理者のあなたにお知らせしています。"
# a leaver's ticket says whose unfinished work it is (README "When someone leaves or joins")
LEFT_JA = "このチケットの担当者だった ops3@example.test はもうチームにいません。"


LEAVER = Member(email="ops3@example.test", name="Ops Three", role="ops", locale="en")
PRINTERS = """
  - id: printer
    name: {ja: プリンター, en: Printers}
    keywords: [{term: printer, weight: 3}]
    sla: {first_response: 4h, resolve: 2d}
    stale_after: 3d
"""


def _catalog(assignee: str) -> str:
    """The test catalog with a printers entry (no manager of its own: the fallback's,
    boss, who reads Japanese, answers for what nobody on the team has)."""
    return CATALOG.replace("entries:\n", "entries:\n" + PRINTERS.lstrip("\n") + assignee, 1)


def _left_behind(settings: Settings, tmp_path: Path, clock: FakeClock, n: int) -> list[int]:
    """``n`` open printer tickets of a member who has left the team since."""
    cfg = scheduled_settings(
        settings,
        tmp_path,
        ScheduleSettings(digest="off"),
        _catalog(f"    assignee: {LEAVER.email}\n"),
    )
    app = make_app(replace(cfg, members=(*MEMBERS, LEAVER)), clock)
    try:
        return [open_ticket(app, f"Printer {k} jams", key=f"p{k}") for k in range(n)]
    finally:
        app.close()


@pytest.fixture
def gw(settings: Settings, tmp_path: Path, clock: FakeClock) -> Iterator[App]:
    """The team without the leaver, the printers entry without an assignee."""
    ids = _left_behind(settings, tmp_path, clock, 2)
    assert ids == [1, 2]
    cfg = scheduled_settings(settings, tmp_path, ScheduleSettings(digest="off"), _catalog(""))
    app = make_app(cfg, clock)
    yield app
    app.close()


def _mail_to(app: App, kind: str, who: str) -> str:
    [mail] = [m for m in outbox(app, kind) if m.recipients == [who]]
    return unwrapped(text_of(mail))


def test_the_managers_stale_reminder_and_overdue_list_say_whose_tickets_they_are(
    gw: App, clock: FakeClock
) -> None:
    ids = [1, 2]  # the leaver's (the fixture)
    mine = open_ticket(gw, "VPN slow at home", key="mine")  # ops@'s own, as before
    clock.advance(3 * DAY + DAY // 2)
    tick_and_send(gw)
    stale = _mail_to(gw, "stale_reminder", "boss@example.test")
    assert "あなたが受け持つチケットのうち、3 日以上更新のないものが 2 件あります。" in stale
    assert "担当のチケットのうち" not in stale
    assert stale.count(LEFT_JA) == len(ids) and NOBODY_JA not in stale
    late = _mail_to(gw, "sla_overdue_list", "boss@example.test")
    assert "あなたが受け持つチケットのうち、2 件が SLA の期限を過ぎました。" in late
    assert "担当のチケットのうち" not in late
    assert late.count(LEFT_JA) == len(ids) and NOBODY_JA not in late
    own = _mail_to(gw, "stale_reminder", "ops@example.test")  # in English, and theirs
    assert f"[#{mine}]" in own
    assert "1 of your tickets has not been updated for 3 days or more:" in own
    assert "nobody on the team" not in own and "you answer for" not in own
