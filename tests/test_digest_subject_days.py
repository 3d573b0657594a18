"""The weekly mails' subjects name the days they cover, as their readers count a week.

The subject said the ISO week and both dates in full, year and weekday and all:
「【週次ダイジェスト】2026年2月23日(月)〜2026年3月1日(日)（2026-W09） 担当 …」. A
Japanese reader does not count weeks by ISO number, and a mail list cuts such a
subject before the counts; 「2月23日〜3月1日」 is how a Japanese calendar writes the
week (CLDR's month-and-day form, as the catalog's date forms say a day). The
English subject reads "Feb 23 – Mar 1" likewise. The body keeps the full range
and the week number, for the teams that plan by it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.i18n import translate
from gateway.core.weeks import span_days
from gateway.scheduling import scheduler
from tests.support.pipeline import outbox, subject_of, text_of
from tests.support.scheduling import make_app, open_ticket, scheduled_settings


@pytest.mark.parametrize(
    ("first", "last", "en", "ja"),
    [
        (date(2026, 2, 23), date(2026, 3, 1), "Feb 23 – Mar 1", "2月23日〜3月1日"),
        (date(2026, 12, 7), date(2026, 12, 13), "Dec 7 – Dec 13", "12月7日〜12月13日"),
        (date(2026, 12, 28), date(2027, 1, 3), "Dec 28 – Jan 3", "12月28日〜1月3日"),
    ],
)
def test_the_days_are_said_by_month_and_day(first: date, last: date, en: str, ja: str) -> None:
    assert translate(span_days(first, last), "en", times=True) == en
    assert translate(span_days(first, last), "ja", times=True) == ja


def test_the_scheduled_digests_subject_names_the_days(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    """Monday 2026-03-02 10:00 in Tokyo: the digest of Feb 23 – Mar 1 goes out."""
    app = make_app(scheduled_settings(settings, tmp_path), clock)
    try:
        open_ticket(app, "購入申請: モニター", key="c1")  # ops2's (Japanese)
        open_ticket(app, "VPN drops", key="c2")
        scheduler.tick(app)
        subjects = {
            r.recipients[0]: (subject_of(r), text_of(r))
            for r in outbox(app)
            if r.kind in ("weekly_digest", "weekly_summary")
        }
    finally:
        app.close()
    ja, body = subjects["ops2@example.test"]
    assert ja.startswith("【週次ダイジェスト】2月23日〜3月1日 "), ja
    assert "W09" not in ja and "2026年" not in ja
    assert "2026-W09" in body  # the body keeps the full range and the week
    en, _ = subjects["ops@example.test"]
    assert en.startswith("Weekly digest Feb 23 – Mar 1: "), en
    summary, _ = subjects["boss@example.test"]
    assert summary.startswith("【週次サマリー】2月23日〜3月1日 "), summary
