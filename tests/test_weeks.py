"""One week rule for the digest, the managers' summary and ``stats``: the ISO week of
the days covered, in the team's time zone (gateway/core/weeks.py). Year ends, week-53
years, other weekdays and time zones; then the digest and ``stats`` on one database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.i18n import translate
from gateway.core.weeks import iso_week, span_days, span_label, span_week, week_of
from gateway.notify import views
from gateway.scheduling import digest, scheduler
from gateway.scheduling.rules import previous_digest
from store import stats
from store.db import transaction
from tests.support.scheduling import make_app, open_ticket, scheduled_settings

TOKYO, UTC_ZONE = ZoneInfo("Asia/Tokyo"), ZoneInfo("UTC")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("day", "week"),
    [
        (date(2026, 12, 27), "2026-W52"),  # a Sunday
        (date(2026, 12, 28), "2026-W53"),  # 2026 starts on a Thursday: 53 weeks
        (date(2026, 12, 31), "2026-W53"),
        (date(2027, 1, 1), "2026-W53"),  # New Year's Day in the old year's week
        (date(2027, 1, 3), "2026-W53"),
        (date(2027, 1, 4), "2027-W01"),
        (date(2025, 12, 29), "2026-W01"),  # and the other way round
        (date(2025, 12, 28), "2025-W52"),
        (date(2020, 12, 31), "2020-W53"),  # a leap year starting on a Wednesday
        (date(2021, 1, 3), "2020-W53"),
        (date(2024, 12, 30), "2025-W01"),
        (date(2026, 3, 2), "2026-W10"),
    ],
)
def test_a_day_is_in_its_iso_week(day: date, week: str) -> None:
    assert iso_week(day) == week


@pytest.mark.parametrize(
    ("at", "zone", "week"),
    [
        (utc(2027, 1, 3, 14, 59), TOKYO, "2026-W53"),  # Sunday 23:59 in Tokyo
        (utc(2027, 1, 3, 15, 0), TOKYO, "2027-W01"),  # Monday 00:00 in Tokyo …
        (utc(2027, 1, 3, 15, 0), UTC_ZONE, "2026-W53"),  # … still Sunday in UTC
        (utc(2027, 1, 4, 5, 0), LOS_ANGELES, "2026-W53"),  # Sunday evening in California
        (utc(2027, 1, 4, 8, 0), LOS_ANGELES, "2027-W01"),
    ],
)
def test_an_instant_is_read_in_the_teams_time_zone(at: datetime, zone: ZoneInfo, week: str) -> None:
    assert week_of(at, zone) == week


def test_a_span_is_named_by_the_week_holding_most_of_its_days() -> None:
    assert span_week(date(2026, 12, 28), date(2027, 1, 3)) == "2026-W53"  # Monday–Sunday
    assert span_week(date(2026, 12, 27), date(2027, 1, 2)) == "2026-W53"  # Sunday–Saturday
    assert span_week(date(2026, 12, 23), date(2026, 12, 29)) == "2026-W52"  # Wed–Tue: 5 in W52
    assert span_week(date(2026, 12, 26), date(2027, 1, 1)) == "2026-W53"  # Sat–Fri: 5 in W53
    assert span_week(date(2027, 1, 3), date(2026, 12, 28)) == "2026-W53"  # order is no matter
    assert (
        str(span_label(date(2026, 11, 23), date(2026, 11, 29)))
        == "2026-W48 (2026-11-23 – 2026-11-29)"
    )


def test_a_japanese_reader_reads_the_days_as_a_japanese_range() -> None:
    """Japanese writes a span of days with 〜 and the dates as its mails write them, with
    the weekday (as in 受付日時); the ISO week, what ``stats`` lists, follows in
    full-width brackets. Where scripts read it (``stats``, the log) the dates are plain."""
    label = span_label(date(2026, 12, 28), date(2027, 1, 3))
    assert translate(label, "ja", times=True) == "2026年12月28日(月)〜2027年1月3日(日)（2026-W53）"
    assert translate(label, "en", times=True) == "2026-W53 (Mon, Dec 28, 2026 – Sun, Jan 3, 2027)"
    assert translate(label, "ja") == "2026-12-28〜2027-01-03（2026-W53）"
    assert translate(label, "en") == "2026-W53 (2026-12-28 – 2027-01-03)"


# a subject names the days alone, by month and day (span_days): the body says the week
JA_DAYS, EN_DAYS = "11月23日〜11月29日", "Nov 23 – Nov 29"
SUMMARY_LINES = {
    "ja": "2026年11月23日(月)〜2026年11月29日(日)（2026-W48）の週次サマリーです。",
    "en": "the weekly summary for 2026-W48 (Mon, Nov 23, 2026 – Sun, Nov 29, 2026).",
}


@pytest.mark.parametrize(
    ("locale", "subject", "line"),
    [
        (
            "ja",
            "【週次ダイジェスト】11月23日〜11月29日 ",
            "2026年11月23日(月)〜2026年11月29日(日)（2026-W48）の週次ダイジェストです。",
        ),
        (
            "en",
            "Weekly digest Nov 23 – Nov 29: ",
            "your weekly digest for 2026-W48 (Mon, Nov 23, 2026 – Sun, Nov 29, 2026).",
        ),
    ],
)
def test_the_digest_and_summary_say_the_week_in_their_readers_language(
    locale: str, subject: str, line: str
) -> None:
    from gateway.notify.render import Renderer
    from tests.support import samples

    period = span_label(date(2026, 11, 23), date(2026, 11, 29))
    days = span_days(date(2026, 11, 23), date(2026, 11, 29))
    [mine, *_] = [x for x in samples.SAMPLES if isinstance(x, views.WeeklyDigest)]
    mine = replace(mine, period=period, days=days)
    parts = Renderer().render(mine, locale)
    assert parts.subject.startswith(subject) and line in parts.text and line in parts.html
    [summary, *_] = [x for x in samples.SAMPLES if isinstance(x, views.WeeklySummary)]
    summary = replace(summary, period=period, days=days)
    parts = Renderer().render(summary, locale)
    said = SUMMARY_LINES[locale]
    assert said in parts.text and said in parts.html
    assert translate(days, locale, times=True) in parts.subject


WEEKLY_SUBJECTS = {
    # the week's days stand as the system's other reports do (【障害】, 【復旧】):
    # a bracketed name, the days, the counts
    "ja": (
        "【週次ダイジェスト】" + JA_DAYS + " 担当 {mine} 件 / 担当者なし {un} 件",
        "【週次サマリー】" + JA_DAYS + " 新規 {opened} 件 / 完了 {closed} 件",
    ),
    "en": (
        "Weekly digest " + EN_DAYS + ": {mine} yours, {un} unassigned",
        "Weekly summary " + EN_DAYS + ": {opened} opened, {closed} closed",
    ),
}


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_the_weekly_subjects_are_written_as_each_language_writes_a_subject(
    locale: str,
) -> None:
    from gateway.notify.render import Renderer
    from tests.support import samples

    period = span_label(date(2026, 11, 23), date(2026, 11, 29))
    days = span_days(date(2026, 11, 23), date(2026, 11, 29))
    [mine, *_] = [x for x in samples.SAMPLES if isinstance(x, views.WeeklyDigest)]
    mine = replace(mine, period=period, days=days)
    [summary, *_] = [x for x in samples.SAMPLES if isinstance(x, views.WeeklySummary)]
    summary = replace(summary, period=period, days=days)
    digest_subject, summary_subject = WEEKLY_SUBJECTS[locale]
    counts = {"mine": len(mine.assigned), "un": len(mine.unassigned)}
    assert Renderer().render(mine, locale).subject == digest_subject.format(**counts)
    counts = {"opened": summary.opened, "closed": summary.closed}
    assert Renderer().render(summary, locale).subject == summary_subject.format(**counts)


@pytest.mark.parametrize(
    ("now", "spec", "label"),
    [
        # the example: the digest sent on Monday 2026-11-30 covers W48
        (utc(2026, 11, 30, 1, 0), "mon 09:00", "2026-W48 (2026-11-23 – 2026-11-29)"),
        (utc(2026, 12, 28, 1, 0), "mon 09:00", "2026-W52 (2026-12-21 – 2026-12-27)"),
        (utc(2027, 1, 4, 1, 0), "mon 09:00", "2026-W53 (2026-12-28 – 2027-01-03)"),
        (utc(2027, 1, 11, 1, 0), "mon 09:00", "2027-W01 (2027-01-04 – 2027-01-10)"),
        # Monday 08:59 in Tokyo: the digest due is still the one of a week before
        (utc(2027, 1, 3, 23, 59), "mon 09:00", "2026-W52 (2026-12-21 – 2026-12-27)"),
        (utc(2027, 1, 3, 10, 0), "sun 18:00", "2026-W53 (2026-12-27 – 2027-01-02)"),
        (utc(2026, 12, 30, 1, 0), "wed 09:00", "2026-W52 (2026-12-23 – 2026-12-29)"),
    ],
)
def test_the_digest_is_labelled_with_the_week_it_covers(
    now: datetime, spec: str, label: str
) -> None:
    run = previous_digest(now, spec, TOKYO)
    assert run is not None and str(run.label) == label and label.startswith(run.week + " (")
    assert run.since.astimezone(TOKYO).time().isoformat() == "00:00:00"  # whole local days
    assert run.until.astimezone(TOKYO).date() == run.at.astimezone(TOKYO).date()


def test_the_run_key_stays_the_scheduled_days_week() -> None:
    """job_runs and the outbox keep the key they always had (the day it is sent), so an
    upgrade neither sends this week's digest again nor takes next week's for sent."""
    run = previous_digest(utc(2026, 11, 30, 1, 0), "mon 09:00", TOKYO)
    assert run is not None and run.period == "2026-W49" and run.week == "2026-W48"


def test_a_manual_digest_names_its_seven_days_by_the_same_rule() -> None:
    run = digest.manual_run(utc(2027, 1, 2, 16, 0), TOKYO)  # Sunday 01:00 in Tokyo
    assert str(run.label) == "2026-W53 (2026-12-28 – 2027-01-03)"
    assert run.since == datetime(2026, 12, 28, tzinfo=TOKYO) and run.until == run.at


def test_the_summary_and_stats_count_the_same_week(
    settings: Settings, tmp_path: Path, clock: FakeClock
) -> None:
    """Tickets around the Tokyo year end: the managers' summary of the digest sent on
    Monday 2027-01-04 counts exactly what ``stats`` lists under 2026-W53."""
    app = make_app(scheduled_settings(settings, tmp_path), clock)
    try:
        arrivals = [
            utc(2026, 12, 27, 14, 59),  # Sunday 23:59 JST: W52
            utc(2026, 12, 27, 15, 0),  # Monday 00:00 JST: W53
            utc(2027, 1, 1, 3, 0),  # New Year's Day: W53
            utc(2027, 1, 3, 14, 59),  # Sunday 23:59 JST: W53
            utc(2027, 1, 3, 15, 30),  # Monday 00:30 JST, before the digest: W01
        ]
        for n, at in enumerate(arrivals):
            clock.advance(at - clock.now())
            open_ticket(app, f"Purchase: item {n}", key=f"wk-{n}")
        clock.advance(utc(2027, 1, 4, 1, 0) - clock.now())  # Monday 10:00 JST
        ctx = scheduler.context(app)
        run = digest.current_run(ctx, clock.now())
        assert str(run.label) == "2026-W53 (2026-12-28 – 2027-01-03)"
        with transaction(app.sessions) as s:
            mails = digest.build(s, ctx, clock.now(), run)
            weeks = {w["week"]: w["opened"] for w in stats.per_week(s, TOKYO)}
        [summary] = [m.view for m in mails if isinstance(m.view, views.WeeklySummary)]
        assert weeks == {"2026-W52": 1, "2026-W53": 3, "2027-W01": 1}
        assert summary.period == run.label and summary.opened == weeks[run.week] == 3
        [mine] = [
            m.view
            for m in mails
            if isinstance(m.view, views.WeeklyDigest) and m.view.recipient.email.startswith("ops2")
        ]
        assert str(mine.period) == "2026-W53 (2026-12-28 – 2027-01-03)"
    finally:
        app.close()
