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
from gateway.scheduling import workload
from gateway.tickets import changes
from store import stats, tickets
from store.db import transaction
from tests.support.scheduling import (
    CATALOG,
    make_app,
    open_ticket,
    scheduled_settings,
    set_state,
    weekly_summary,
)

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


# an entry pasted from the "other" panel, its words many: the tickets that taught them
# stay in the fallback (closed before the entry was written) for thirty days
PASTED_WORDS = "hdmi cable screen lamp beamer remote flicker display adapter ceiling mount"
PASTED = CATALOG.replace(
    "  - id: other",
    "  - id: projector\n"
    "    name: {ja: プロジェクター, en: Projector}\n"
    f"    keywords: [{', '.join(PASTED_WORDS.split())}]\n"
    "    assignee: ops@example.test\n"
    "  - id: other",
)


def test_a_pasted_entrys_words_leave_room_for_the_next_pattern(
    settings: Settings, tmp_path: Path, clock: FakeClock
) -> None:
    """After an entry is pasted, its words still rank first among the fallback's
    tickets of the month (closed ones are not refiled). The summary read its top ten
    terms and then dropped the ones an entry has: all ten were, so it suggested nothing,
    while ``stats`` and the board (top twenty) showed 予約 and 会議室. The candidates are
    counted after the marks, so the three views offer the same new entry."""
    configured = scheduled_settings(settings, tmp_path, ScheduleSettings(digest="off"))
    app = make_app(configured, clock)
    try:
        for n in range(4):
            done = open_ticket(app, f"{PASTED_WORDS} {n}", key=f"p{n}")
            set_state(app, done, TicketState.CLOSED)
        open_ticket(app, "会議室の予約ができません", key="a")
        open_ticket(app, "会議室の予約を取り消したい", key="b", sender="bob@customer.test")
    finally:
        app.close()
    (tmp_path / "catalog.yaml").write_text(PASTED, encoding="utf-8")
    app = make_app(configured, clock)
    try:
        summary = weekly_summary(app)
        with transaction(app.sessions) as s:
            catalog = app.catalog.current
            shown = workload.stats_figures(s, catalog, app.settings, clock.now())["fallback"]
    finally:
        app.close()
    assert {(c.name, c.count) for c in summary.candidates} == {("予約", 2), ("会議室", 2)}
    offered = [t["term"] for t in shown["terms"] if not t["keyword_of"]]
    assert sorted(offered) == sorted(c.name for c in summary.candidates)
    known = {t["term"]: t["keyword_of"] for t in shown["terms"] if t["keyword_of"]}
    assert known["hdmi"] == ["projector"] and len(known) == len(PASTED_WORDS.split())
    assert [g["terms"] for g in shown["groups"]] == [["予約", "会議室"]]


def test_stats_text_says_the_force_closes_a_members_row_is_there_for(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A member whose tickets the inventory closed this quarter keeps a row with nothing
    open (as on the board's members panel, whose column says how many). The text showed
    the row, all zeros and "—", and no count at all: a manager read it as a member with
    nothing to say. The text has the column, and says under the table what it counts."""
    from datetime import UTC, datetime

    from gateway.config.load import load_settings
    from store import reminders
    from tests.support.app import MEMBERS
    from tests.support.cli import run
    from tests.support.config import members_toml, write_config

    (tmp_path / "catalog.yaml").write_text(CATALOG, encoding="utf-8")
    cfg = write_config(
        tmp_path,
        url=db_url,
        secret_file=True,
        extra='[catalog]\npath = "catalog.yaml"\n' + members_toml(MEMBERS),
    )
    app = make_app(load_settings(cfg), FakeClock(datetime.now(UTC)))  # the command's quarter
    try:
        lying = open_ticket(app, "購入申請: ノートPC", key="f1")  # purchase: ops2's
        with transaction(app.sessions) as s:
            ticket = tickets.get(s, lying)
            assert ticket is not None and ticket.assignee == "ops2@example.test"
            changes.change_state(
                s,
                ticket,
                TicketState.CLOSED,
                app.clock.now(),
                actor=reminders.INVENTORY_ACTOR,
                channel="system",
                reason=CloseReason.STALE,
            )
    finally:
        app.close()
    out = run(cfg, "stats", capsys=capsys).out
    lines = out.splitlines()
    header = next(line for line in lines if line.startswith("assignee"))
    assert header.split()[-2:] == ["soon", "oldest"], header  # force-closes: listed below
    ops2 = next(line for line in lines if line.startswith("ops2@example.test"))
    assert ops2.split()[1:] == ["0", "0", "0", "0", "—"], ops2
    note = next(n for n, line in enumerate(lines) if line.startswith("force-closed: closed by"))
    assert ["ops2@example.test", "1"] in [line.split() for line in lines[note:]], out


# two floors' printers, one name in both languages (the ids tell them apart)
PRINTERS = CATALOG.replace(
    "  - id: other",
    """  - id: printer-3f
    name: {ja: プリンター, en: Printer}
    keywords: [{term: "3f", weight: 3}]
    assignee: ops@example.test
    sla: {first_response: 1h}
  - id: printer-5f
    name: {ja: プリンター, en: Printer}
    keywords: [{term: "5f", weight: 3}]
    assignee: ops@example.test
    sla: {first_response: 1h}
  - id: other""",
)


def test_the_summary_keeps_two_entries_of_one_name_apart(
    settings: Settings, tmp_path: Path, clock: FakeClock
) -> None:
    """The summary's per-entry rows were keyed by the entry's name: two entries named
    alike were added up in "open by entry" and, in the SLA rows, one overwrote the
    other (three tickets past their first-response deadline said as one). Each entry
    keeps its row, its id after the shared name, as two members of one name do."""
    configured = scheduled_settings(
        settings, tmp_path, ScheduleSettings(digest="off"), catalog=PRINTERS
    )
    app = make_app(configured, clock)
    try:
        open_ticket(app, "3F printer jams", key="a")
        open_ticket(app, "3F printer toner", key="b", sender="bob@customer.test")
        open_ticket(app, "5F printer offline", key="c", sender="carol@customer.test")
        clock.advance(timedelta(hours=5))
        summary = weekly_summary(app)
        with transaction(app.sessions) as s:
            figures = workload.stats_figures(s, app.catalog.current, app.settings, clock.now())
    finally:
        app.close()
    assert {(c.name, c.count) for c in summary.by_entry} == {
        ("プリンター (printer-3f)", 2),
        ("プリンター (printer-5f)", 1),
    }
    assert {(c.name, c.overdue) for c in summary.sla_by_entry} == {
        ("プリンター (printer-3f)", 2),
        ("プリンター (printer-5f)", 1),
    }
    overdue = {e["entry"]: e["overdue"] for e in figures["entries"] if e["overdue"]}
    assert overdue == {"printer-3f": 2, "printer-5f": 1}  # as stats and the board say


def test_stats_text_does_not_call_the_unfiled_tickets_a_removed_entry(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Tickets filed under no entry (kept from before the catalog) are the board's
    "(not filed)" lane; the text marked their row "(none) (not in the catalog)", as if
    an entry of that name had been removed and wanted ``catalog refile --from``."""
    from datetime import UTC, datetime

    from gateway.config.load import load_settings
    from tests.support.app import MEMBERS
    from tests.support.cli import run
    from tests.support.config import members_toml, write_config

    (tmp_path / "catalog.yaml").write_text(CATALOG, encoding="utf-8")
    cfg = write_config(
        tmp_path,
        url=db_url,
        secret_file=True,
        extra='[catalog]\npath = "catalog.yaml"\n' + members_toml(MEMBERS),
    )
    app = make_app(load_settings(cfg), FakeClock(datetime.now(UTC)))
    try:
        unfiled = open_ticket(app, "Lunch menu", key="u1")
        with transaction(app.sessions) as s:
            ticket = tickets.get(s, unfiled)
            assert ticket is not None
            ticket.catalog = None  # as a ticket from before the catalog is kept
    finally:
        app.close()
    out = run(cfg, "stats", capsys=capsys).out
    [row] = [line for line in out.splitlines() if line.startswith("(none)")]
    assert "not in the catalog" not in row and row.split()[1:3] == ["1", "0"], out


def test_no_candidate_left_is_said_so_on_the_board_and_in_the_text(
    settings: Settings, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every word recurring under the fallback is an entry's keyword already (tickets
    filed there by hand): the board offered "one new catalog entry each, ready to
    paste under entries:" over nothing, and the text headed the words "candidates for
    new entries". Both say there is no new entry."""
    from gateway.runtime.cli.common import Speaker
    from gateway.runtime.cli.stats_text import _print_stats
    from tests.support.mails import mail
    from tests.support.pipeline import deliver
    from tests.support.web import member_page, rig

    with rig(settings, clock) as r:
        ids = []
        for n in range(2):
            sent = mail(subject="VPN", body="VPN\n", sender=f"u{n}@customer.test")
            outcome = deliver(r.app, sent)
            assert outcome.ticket_id
            ids.append(outcome.ticket_id)
        with transaction(r.app.sessions) as s:
            for tid in ids:
                ticket = tickets.get(s, tid)
                assert ticket is not None
                ticket.catalog = "other"  # filed there by hand
        html = member_page(r, "ops@example.test", "/board")
        with transaction(r.app.sessions) as s:
            figures = workload.stats_figures(s, r.app.catalog.current, r.app.settings, clock.now())
    panel = html.split('id="other"', 1)[1].split("</section>", 1)[0]
    assert "(a keyword of vpn already)" in panel
    assert "<pre" not in panel and "no new entry to paste" in panel  # ops reads English
    assert figures["fallback"]["terms"] and figures["fallback"]["groups"] == []
    _print_stats(Speaker(r.app.settings), figures, "Asia/Tokyo")
    out = capsys.readouterr().out
    said = "no new candidates" in out or "新しい項目の候補はありません" in out  # the CLI's
    assert said and "(candidates for" not in out and "（新しい項目の候補）" not in out, out


def test_a_request_closed_as_a_duplicate_is_counted_once(gw: App, clock: FakeClock) -> None:
    """One person sent the same request twice; the second was closed as a duplicate
    (``/close duplicate``, not merged). Both stayed in the fallback report, so every
    word of that one mail "recurred" in two tickets and made a ready-to-paste entry of
    its own; a merged duplicate was already counted once. Now neither is."""
    first = open_ticket(gw, "Parking permit renewal form", key="d1")
    again = open_ticket(gw, "Parking permit renewal form", key="d2")
    _close(gw, again, CloseReason.DUPLICATE)
    report = _figures(gw)["fallback"]
    assert report["tickets"] == 1 and report["terms"] == [] and report["groups"] == []
    assert first != again


def test_a_resolution_counts_in_its_week_even_if_reopened_before_the_summary(
    settings: Settings, tmp_path: Path, clock: FakeClock
) -> None:
    """Resolved on Sunday evening (Tokyo), reopened by the requester at 07:00 on Monday,
    before the 09:00 summary: the week's summary counted the close ("closed 1", as
    ``stats`` does) but read its resolutions from the tickets closed now, and said "No
    ticket was resolved this week" beside it. A resolution counts in its week, as the
    closes do; the median is of the week's resolutions, opened to that close."""
    from datetime import UTC, datetime

    from gateway.notify import views
    from gateway.scheduling import digest, scheduler

    configured = scheduled_settings(settings, tmp_path, ScheduleSettings(digest="mon 09:00"))
    app = make_app(configured, clock)

    def to(at: datetime) -> None:
        clock.advance(at - clock.now())

    try:
        to(datetime(2026, 3, 9, 1, 0, tzinfo=UTC))  # Mon 10:00 JST, week 11
        asked = open_ticket(app, "VPN drops every hour", key="r1")
        to(datetime(2026, 3, 15, 10, 0, tzinfo=UTC))  # Sun 19:00 JST: resolved
        _close(app, asked, CloseReason.RESOLVED)
        to(datetime(2026, 3, 15, 22, 0, tzinfo=UTC))  # Mon 07:00 JST: "still broken"
        set_state(app, asked, TicketState.OPEN)
        to(datetime(2026, 3, 16, 0, 0, tzinfo=UTC))  # Mon 09:00 JST: the summary
        with transaction(app.sessions) as s:
            ctx = scheduler.context(app)
            run = digest.current_run(ctx, clock.now())
            mails = digest.build(s, ctx, clock.now(), run)
            weeks = stats.per_week(s, TOKYO, clock.now())
    finally:
        app.close()
    [summary] = [m.view for m in mails if isinstance(m.view, views.WeeklySummary)]
    assert run.week == "2026-W11"
    assert {"week": "2026-W11", "opened": 1, "closed": 1} in weeks
    assert (summary.opened, summary.closed, summary.resolved) == (1, 1, 1)
    assert summary.median_resolve is not None  # 6 days 9 hours, opened to resolved


def test_a_month_in_tokyo_every_view_says_what_the_events_say(
    settings: Settings, tmp_path: Path, clock: FakeClock
) -> None:
    """Four weeks in Asia/Tokyo, counted by hand from the events: a ticket resolved,
    reopened and resolved again (a close in each week), spam closed at once, a request
    on Sunday 23:30 and one on Monday 00:30 local (UTC puts both in one week), one given
    from ops2 to ops, one moved to another entry, a duplicate merged. Each Monday's
    summary, ``stats``' weeks and its per-entry and per-member rows agree."""
    from datetime import UTC, datetime

    from gateway.notify import views
    from gateway.scheduling import digest, scheduler
    from gateway.tickets import merge

    configured = scheduled_settings(settings, tmp_path, ScheduleSettings(digest="mon 09:00"))
    app = make_app(configured, clock)
    said: dict[str, tuple[int, int, int]] = {}

    def to(month: int, day: int, hour: int, minute: int = 0) -> None:
        clock.advance(datetime(2026, month, day, hour, minute, tzinfo=UTC) - clock.now())

    def summary() -> None:
        with transaction(app.sessions) as s:
            ctx = scheduler.context(app)
            run = digest.current_run(ctx, clock.now())
            mails = digest.build(s, ctx, clock.now(), run)
        [view] = [m.view for m in mails if isinstance(m.view, views.WeeklySummary)]
        said[run.week] = (view.opened, view.closed, view.resolved)

    def change(tid: int, do: Any) -> None:
        with transaction(app.sessions) as s:
            ticket = tickets.get(s, tid)
            assert ticket is not None
            do(s, ticket)

    try:
        to(3, 2, 1)  # Mon 10:00 JST, 2026-W10
        t1 = open_ticket(app, "VPN drops every hour", key="t1")
        to(3, 3, 1)
        t2 = open_ticket(app, "購入申請: モニター", key="t2", sender="kenji@customer.test")
        to(3, 3, 2)
        for n in range(2):
            junk = open_ticket(
                app, f"Cheap bitcoin offer {n}", key=f"s{n}", sender=f"x{n}@spam.test"
            )
            _close(app, junk, CloseReason.SPAM)
        to(3, 4, 1)
        _close(app, t1, CloseReason.RESOLVED)
        to(3, 9, 0)  # Mon 09:00 JST: W10's summary
        summary()
        to(3, 9, 2)
        set_state(app, t1, TicketState.OPEN)  # "still drops"
        to(3, 12, 1)
        _close(app, t1, CloseReason.RESOLVED)
        to(3, 15, 14, 30)  # Sun 23:30 JST: still W11
        t4 = open_ticket(app, "会議室の予約ができません", key="t4", sender="aiko@customer.test")
        to(3, 15, 15, 30)  # Mon 00:30 JST: W12 (UTC: still Sunday, W11)
        t5 = open_ticket(app, "VPN password expired", key="t5", sender="bob@customer.test")
        to(3, 16, 0)
        summary()
        to(3, 17, 1)
        now = clock.now()
        change(
            t2, lambda s, t: changes.assign(s, t, "ops@example.test", now, actor="t", channel="cli")
        )
        change(
            t4, lambda s, t: changes.set_category(s, t, "purchase", now, actor="t", channel="cli")
        )
        to(3, 18, 1)
        _close(app, t2, CloseReason.RESOLVED)
        _close(app, t4, CloseReason.RESOLVED)
        to(3, 19, 1)
        t6 = open_ticket(app, "VPN password expired again", key="t6", sender="bob@customer.test")
        now = clock.now()
        change(
            t6,
            lambda s, t: merge.merge(
                s, t, t5, now, actor="t", channel="cli", tag=f"[#{t5}]", max_watchers=10
            ),
        )
        to(3, 23, 0)
        summary()
        with transaction(app.sessions) as s:
            figures = workload.stats_figures(s, app.catalog.current, app.settings, clock.now())
    finally:
        app.close()
    weeks = {w["week"]: (w["opened"], w["closed"]) for w in figures["weeks"]}
    assert weeks == {"2026-W10": (4, 3), "2026-W11": (1, 1), "2026-W12": (1, 2), "2026-W13": (0, 0)}
    assert said == {"2026-W10": (4, 3, 1), "2026-W11": (1, 1, 1), "2026-W12": (1, 2, 2)}
    rows = {
        e["entry"]: (e["open"], e["closed"], e["median_close_seconds"]) for e in figures["entries"]
    }
    day = 86400
    assert rows["vpn"] == (1, 1, 10 * day)  # t1: opened to its last resolution
    assert rows["purchase"] == (0, 2, (15 * day + 2 * day + 10.5 * 3600) / 2)
    assert rows["other"] == (0, 2, None)  # the spam: closed, never resolved
    assert [(a["assignee"], a["open"], a["oldest_ticket"]) for a in figures["assignees"]] == [
        ("ops@example.test", 1, t5)
    ]
    recent = {e["entry"]: (e["open"], e["closed"]) for e in figures["recent"]["30d"]}
    assert recent == {"vpn": (1, 1), "purchase": (0, 2), "other": (0, 2)}
    assert figures["fallback"]["tickets"] == 0  # the spam is no request; t4 moved away
