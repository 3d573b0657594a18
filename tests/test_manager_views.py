"""What a manager reads of where work piles up (``stats``, the board's panels, the
weekly summary), checked against a history counted by hand: the three views say the
same, and tickets that are no work of the team's do not steer them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from gateway.config.settings import ScheduleSettings, Settings
from gateway.core.clock import FakeClock
from gateway.core.model import CloseReason, TicketState
from gateway.runtime.app import App
from gateway.tickets import changes
from store import stats, tickets
from store.db import transaction
from tests.support.scheduling import make_app, open_ticket, scheduled_settings, weekly_summary

DAY = timedelta(days=1)
TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def gw(settings: Settings, tmp_path: Path, clock: FakeClock) -> Iterator[App]:
    app = make_app(scheduled_settings(settings, tmp_path, ScheduleSettings(digest="off")), clock)
    yield app
    app.close()


def _close(app: App, ticket_id: int, reason: CloseReason) -> None:
    with transaction(app.sessions) as s:
        ticket = tickets.get(s, ticket_id)
        assert ticket is not None
        changes.change_state(
            s, ticket, TicketState.CLOSED, app.clock.now(), actor="t", channel="cli", reason=reason
        )


def _figures(app: App) -> dict[str, Any]:
    with transaction(app.sessions) as s:
        return stats.compute(
            s,
            entry_ids=["vpn", "purchase", "other"],
            fallback_id="other",
            tz=TOKYO,
            now=app.clock.now(),
        )


def test_spam_closed_under_the_fallback_is_no_candidate_entry(gw: App, clock: FakeClock) -> None:
    """A run of spam lands in the fallback (it matches no entry) and is closed as spam.
    Its shared words were the top "recurring terms" and the first ready-to-paste entry
    (bitcoin, cheap, investment, offer) in ``stats``, on the board and in the summary,
    above the real pattern; the spam counted among the fallback's tickets too. The
    entries table still counts those closes: they were closed, work was done."""
    for n in range(3):
        junk = open_ticket(
            gw, f"Cheap bitcoin investment offer {n}", key=f"sp{n}", sender=f"x{n}@spam.test"
        )
        _close(gw, junk, CloseReason.SPAM)
    open_ticket(gw, "会議室の予約ができません", key="a")
    open_ticket(gw, "会議室の予約を取り消したい", key="b", sender="bob@customer.test")
    data = _figures(gw)
    report = data["fallback"]
    assert report["tickets"] == 2
    assert {t["term"] for t in report["terms"]} == {"予約", "会議室"}
    assert [g["terms"] for g in report["groups"]] == [["予約", "会議室"]]
    summary = weekly_summary(gw)
    assert {(c.name, c.count) for c in summary.candidates} == {("予約", 2), ("会議室", 2)}
    other = next(e for e in data["entries"] if e["entry"] == "other")
    assert (other["open"], other["closed"]) == (2, 3)


def test_a_spam_close_taken_back_counts_again(gw: App, clock: FakeClock) -> None:
    """Closed as spam by mistake and reopened: a request again, its words with it."""
    ids = [open_ticket(gw, "Projector in room A flickers", key=f"p{n}") for n in range(2)]
    _close(gw, ids[0], CloseReason.SPAM)
    with transaction(gw.sessions) as s:
        ticket = tickets.get(s, ids[0])
        assert ticket is not None
        changes.change_state(s, ticket, TicketState.OPEN, clock.now(), actor="t", channel="cli")
    report = _figures(gw)["fallback"]
    assert report["tickets"] == 2
    assert {"projector": 2}.items() <= {t["term"]: t["tickets"] for t in report["terms"]}.items()
