"""The figures a manager reads, against a history with the awkward cases: a duplicate
merged into its ticket (one request, counted once), the fallback's words in the weekly
summary (the same window as the board and ``stats``), tickets of an entry removed from
the catalog (their own lane on the board, whose count links to exactly them)."""

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
from gateway.tickets import changes, merge
from store import reminders, stats, tickets
from store.db import transaction
from tests.support.scheduling import (
    make_app,
    open_ticket,
    scheduled_settings,
    set_state,
    weekly_summary,
)

HOUR, DAY = timedelta(hours=1), timedelta(days=1)
TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def gw(settings: Settings, tmp_path: Path, clock: FakeClock) -> Iterator[App]:
    app = make_app(scheduled_settings(settings, tmp_path, ScheduleSettings(digest="off")), clock)
    yield app
    app.close()


def _merge(app: App, source: int, target: int) -> None:
    with transaction(app.sessions) as s:
        ticket = tickets.get(s, source)
        assert ticket is not None
        merge.merge(
            s,
            ticket,
            target,
            app.clock.now(),
            actor="t",
            channel="cli",
            tag=f"[#{target}]",
            max_watchers=10,
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


def test_a_merged_duplicate_is_one_request_in_every_count(gw: App, clock: FakeClock) -> None:
    start = clock.now()
    first = open_ticket(gw, "VPN drops every hour", key="m1")
    clock.advance(timedelta(minutes=5))
    again = open_ticket(gw, "VPN still drops", key="m2")  # the same requester, again
    clock.advance(HOUR)
    _merge(gw, again, first)  # closed as a duplicate an hour later
    clock.advance(9 * HOUR - timedelta(minutes=5))
    set_state(gw, first, TicketState.CLOSED)  # resolved ten hours after it came
    clock.advance(DAY)
    data = _figures(gw)
    vpn = next(e for e in data["entries"] if e["entry"] == "vpn")
    assert (vpn["open"], vpn["closed"]) == (0, 1)
    assert vpn["median_close_seconds"] == 10 * 3600  # not halfway to the merge's hour
    assert data["weeks"] == [{"week": "2026-W10", "opened": 1, "closed": 1}]
    recent = next(e for e in data["recent"]["30d"] if e["entry"] == "vpn")
    assert (recent["closed"], recent["median_close_seconds"]) == (1, 10 * 3600)
    with transaction(gw.sessions) as s:
        assert reminders.opened_between(s, start, clock.now()) == 1
        assert reminders.closed_between(s, start, clock.now()) == 1


def test_the_summary_suggests_the_fallback_words_of_the_boards_window(
    gw: App, clock: FakeClock
) -> None:
    """Words of last year's fallback tickets (closed long ago, or split into an entry
    since) are no candidate today: the summary reads the last 30 days, as the board's
    "other" panel and ``stats`` do, so the three never suggest different entries."""
    for n in range(3):
        ticket = open_ticket(gw, "Projector in room A is broken", key=f"old-{n}")
        set_state(gw, ticket, TicketState.CLOSED)
    clock.advance(60 * DAY)
    open_ticket(gw, "会議室の予約ができません", key="new-1")
    open_ticket(gw, "会議室の予約を取り消したい", key="new-2")
    summary = weekly_summary(gw)
    assert {(c.name, c.count) for c in summary.candidates} == {("予約", 2), ("会議室", 2)}
    assert stats.FALLBACK_DAYS == 30
    board = _figures(gw)["fallback"]
    assert {t["term"] for t in board["terms"]} == {c.name for c in summary.candidates}


def test_an_entry_removed_from_the_catalog_keeps_its_own_lane(
    settings: Settings, clock: FakeClock
) -> None:
    """Tickets of an entry the catalog no longer has were filed, under that entry: the
    board shows them in a lane of their own, named by its id and marked as gone (what
    ``catalog refile --from`` is for), whose count opens exactly those tickets; they
    are not thrown into one "(not filed)" lane whose link showed every ticket."""
    from tests.support.mails import mail
    from tests.support.pipeline import deliver
    from tests.support.web import member_page, rig

    with rig(settings, clock) as r:
        ids = []
        for subject in ("Printer offline", "Printer driver", "Toner order"):
            outcome = deliver(r.app, mail(subject=subject, body="Help.\n", date=clock.now()))
            assert outcome.ticket_id
            ids.append(outcome.ticket_id)
        with transaction(r.app.sessions) as s:
            for tid, old in zip(ids, ("printer-3f", "printer-3f", "toner"), strict=True):
                ticket = tickets.get(s, tid)
                assert ticket is not None
                ticket.catalog = old  # filed under entries since removed
        html = member_page(r, "ops@example.test", "/board")
    lane = html.split('id="lane-printer-3f"', 1)[1].split("</tr>", 1)[0]
    assert "printer-3f" in lane and "(not in the catalog)" in lane
    link = "/tickets?catalog=printer-3f&amp;state=new&amp;sort=oldest"  # the work to do
    assert f'<a class="count" href="{link}">2</a>' in lane
    assert f'id="card-{ids[0]}"' in lane and f'id="card-{ids[2]}"' not in lane
    toner = html.split('id="lane-toner"', 1)[1].split("</tr>", 1)[0]
    assert f'id="card-{ids[2]}"' in toner
    assert 'id="lane-none"' not in html
    panel = html.split('id="catalog"', 1)[1].split("</section>", 1)[0]
    assert "printer-3f" in panel and "(not in the catalog)" in panel


def test_stats_text_shows_each_members_stale_tickets(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Where work piles up is the stale column, not the open one alone: the text shows
    what ``--json`` and the board's members panel show (long before the real clock the
    command reads, so the VPN tickets are stale by its ``stale_after``)."""
    from datetime import UTC, datetime

    from gateway.config.load import load_settings
    from tests.support.app import MEMBERS
    from tests.support.cli import run
    from tests.support.config import members_toml, write_config
    from tests.support.scheduling import CATALOG

    (tmp_path / "catalog.yaml").write_text(CATALOG, encoding="utf-8")
    cfg = write_config(
        tmp_path,
        url=db_url,
        secret_file=True,
        extra='[catalog]\npath = "catalog.yaml"\n' + members_toml(MEMBERS),
    )
    app = make_app(load_settings(cfg), FakeClock(datetime(2024, 1, 8, 1, 0, tzinfo=UTC)))
    try:
        open_ticket(app, "VPN drops every hour", key="s1")
        open_ticket(app, "VPN password", key="s2")
        open_ticket(app, "Lunch menu", key="s3")  # the fallback: no stale_after
    finally:
        app.close()
    out = run(cfg, "stats", capsys=capsys).out
    header = next(line for line in out.splitlines() if line.startswith("assignee"))
    assert header.split()[:6] == ["assignee", "open", "stale", "overdue", "due", "soon"]
    ops = next(line for line in out.splitlines() if line.startswith("ops@example.test"))
    assert ops.split()[1:5] == ["2", "2", "2", "0"], ops  # both past vpn's SLA too
    boss = next(line for line in out.splitlines() if line.startswith("boss@example.test"))
    assert boss.split()[1:5] == ["1", "0", "0", "0"], boss


def _close(app: App, ticket_id: int, reason: CloseReason) -> None:
    with transaction(app.sessions) as s:
        ticket = tickets.get(s, ticket_id)
        assert ticket is not None
        changes.change_state(
            s, ticket, TicketState.CLOSED, app.clock.now(), actor="t", channel="cli", reason=reason
        )


def test_the_median_time_to_close_counts_only_resolutions(
    settings: Settings, clock: FakeClock
) -> None:
    """A spam ticket left 28 days before it was closed is no resolution (nor are a
    duplicate, a no-response close or an inventory close): the median is that of the
    resolved tickets, while the closed counts keep every close, and the board says so."""
    from tests.support.web import member_page, rig

    with rig(settings, clock) as r:  # the example catalog: vpn is "VPN and remote access"
        resolved = open_ticket(r.app, "VPN drops every hour", key="r1")
        junk = [open_ticket(r.app, f"VPN offer {n}", key=f"j{n}") for n in range(3)]
        clock.advance(10 * HOUR)
        _close(r.app, resolved, CloseReason.RESOLVED)
        _close(r.app, junk[0], CloseReason.NO_RESPONSE)
        clock.advance(28 * DAY)
        _close(r.app, junk[1], CloseReason.SPAM)
        _close(r.app, junk[2], CloseReason.STALE)
        clock.advance(HOUR)
        data = _figures(r.app)
        html = member_page(r, "ops@example.test", "/board")
    vpn = next(e for e in data["entries"] if e["entry"] == "vpn")
    assert (vpn["closed"], vpn["median_close_seconds"]) == (4, 10 * 3600)
    for window in ("30d", "90d"):
        recent = next(e for e in data["recent"][window] if e["entry"] == "vpn")
        assert (recent["closed"], recent["median_close_seconds"]) == (4, 10 * 3600)
    panel = html.split('id="catalog"', 1)[1].split("</section>", 1)[0]
    assert "Median time to resolve (90 days)" in panel
    assert "closed as resolved" in panel
    lane = panel.split("VPN and remote access", 1)[1].split("</tr>", 1)[0]
    assert "10 h" in lane, lane


def test_the_summarys_fallback_words_say_their_window(gw: App, clock: FakeClock) -> None:
    """The candidate words are those of the last 30 days (as on the board): the heading
    says so, in either language, so nobody reads them as the words of all time."""
    from gateway.notify.render import Renderer

    open_ticket(gw, "会議室の予約ができません", key="w1")
    open_ticket(gw, "会議室の予約を取り消したい", key="w2")
    summary = weekly_summary(gw)
    parts = {locale: Renderer().render(summary, locale) for locale in ("en", "ja")}
    for heading in (
        "Terms recurring in the last 30 days in tickets that matched no entry",
        "過去 30 日間",
    ):
        locale = "en" if heading.isascii() else "ja"
        assert heading in parts[locale].text, parts[locale].text
        assert heading in parts[locale].html


def test_the_summary_says_the_median_time_to_resolve_of_the_week(gw: App, clock: FakeClock) -> None:
    """The managers' summary says how long the tickets resolved this week took, as the
    median (one ticket left a month would pull an average far from what most
    requesters waited): resolutions only, as on the board, none from before the week."""
    early = open_ticket(gw, "Purchase: a desk", key="m0")
    clock.advance(HOUR)
    _close(gw, early, CloseReason.RESOLVED)  # resolved, but long before this week
    clock.advance(20 * DAY)
    quick, mid, slow, spam, dup = (
        open_ticket(gw, f"VPN trouble {n}", key=f"m{n}") for n in range(1, 6)
    )
    _merge(gw, dup, mid)
    clock.advance(HOUR)
    _close(gw, spam, CloseReason.SPAM)
    clock.advance(HOUR)
    _close(gw, quick, CloseReason.RESOLVED)  # 2 h
    clock.advance(8 * HOUR)
    _close(gw, mid, CloseReason.RESOLVED)  # 10 h
    clock.advance(DAY - 10 * HOUR + 30 * HOUR)
    _close(gw, slow, CloseReason.RESOLVED)  # 2 d 6 h
    clock.advance(HOUR)
    summary = weekly_summary(gw)
    assert summary.resolved == 3
    parts = _parts(summary)
    assert "Median time to resolve: 10 h (3 tickets resolved)" in parts["en"].text
    assert "解決までの時間（中央値）: 10 時間（解決 3 件）" in parts["ja"].text
    for part in parts.values():
        assert "10 h" in part.html or "10 時間" in part.html


def test_a_week_without_a_resolution_says_so(gw: App, clock: FakeClock) -> None:
    open_ticket(gw, "VPN trouble", key="n1")
    summary = weekly_summary(gw)
    assert summary.resolved == 0
    text = _texts(summary)
    assert "Median time to resolve" not in text["en"]
    assert "No ticket was resolved in the period." in text["en"]
    assert "期間中に解決したチケットはありません。" in text["ja"]


def _parts(summary: Any) -> dict[str, Any]:
    from gateway.notify.render import Renderer

    return {locale: Renderer().render(summary, locale) for locale in ("en", "ja")}


def _texts(summary: Any) -> dict[str, str]:
    return {locale: part.text for locale, part in _parts(summary).items()}


def test_every_week_from_the_first_to_now_is_listed_quiet_ones_as_zeros(
    gw: App, clock: FakeClock
) -> None:
    """``stats --json`` left a week with no ticket opened or closed out of ``weeks``
    (W11, W12 below, and the quiet weeks up to now), where the weekly summary says
    "opened 0, closed 0" of it: a chart drawn from the list skipped it."""
    first = open_ticket(gw, "VPN drops every hour", key="q1")  # 2026-W10
    clock.advance(21 * DAY)
    set_state(gw, first, TicketState.CLOSED)  # 2026-W13
    clock.advance(14 * DAY)  # now: 2026-W15, nothing since W13
    assert _figures(gw)["weeks"] == [
        {"week": "2026-W10", "opened": 1, "closed": 0},
        {"week": "2026-W11", "opened": 0, "closed": 0},
        {"week": "2026-W12", "opened": 0, "closed": 0},
        {"week": "2026-W13", "opened": 0, "closed": 1},
        {"week": "2026-W14", "opened": 0, "closed": 0},
        {"week": "2026-W15", "opened": 0, "closed": 0},
    ]
    with transaction(gw.sessions) as s:  # without a now (the past only): up to the last one
        assert [w["week"] for w in stats.per_week(s, TOKYO)][-1] == "2026-W13"
        assert len(stats.per_week(s, TOKYO)) == 4


def test_the_summary_suggests_no_word_an_entry_has_already(gw: App, clock: FakeClock) -> None:
    """Tickets left in the fallback (filed there before the vpn entry was written, and
    not refiled) still hold "vpn": the summary's candidates for new entries leave it
    out, as the board marks it and offers no entry with it."""
    from sqlalchemy import update

    from store.models import Ticket

    for n in range(2):
        ticket = open_ticket(gw, "VPN の会議室予約", key=f"before-{n}")
        with transaction(gw.sessions) as s:
            s.execute(update(Ticket).where(Ticket.id == ticket).values(catalog="other"))
    names = {c.name for c in weekly_summary(gw).candidates}
    assert "vpn" not in names and "会議室予約" in names, names
