"""How long something took, as the board's median and ``catalog stats`` show it
(:func:`gateway.core.spans.span`, which the pages' ``span`` macro calls): days
and hours from a day on, hours and minutes from an hour, minutes under an hour and
"under 1 min" (「1 分未満」) under a minute, never "0.0 h" for a ticket closed in
seconds. The Japanese said 「< 1 分」, a sign no Japanese sentence uses for a length
of time, and 「1.0 時間」, 「2.0 日」, 「1.5 時間」 where a Japanese reader (and an
English one: "1.0 h") reads whole units: 「1 時間」, 「1 時間 30 分」, 「2 日」."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

import pytest

from gateway.core.i18n import translate
from gateway.core.spans import age, span
from gateway.web.pages import environment


def _span(seconds: float | None, locale: str) -> str:
    macros = environment(locale).get_template("_macros.html.j2").module
    return unescape(str(macros.span(seconds))).strip()  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("seconds", "en", "ja"),
    [
        (None, "–", "–"),
        (0, "under 1 min", "1 分未満"),
        (12, "under 1 min", "1 分未満"),
        (59, "under 1 min", "1 分未満"),
        (60, "1 min", "1 分"),
        (42 * 60 + 30, "42 min", "42 分"),
        (3599, "59 min", "59 分"),
        (3600, "1 h", "1 時間"),
        (5400, "1 h 30 min", "1 時間 30 分"),
        (10 * 3600 + 59, "10 h", "10 時間"),  # whole minutes, counted down
        (2 * 86400, "2 d", "2 日"),
        (2 * 86400 + 5 * 3600 + 1800, "2 d 5 h", "2 日 5 時間"),
    ],
)
def test_a_span_is_written_in_a_unit_that_fits(seconds: float | None, en: str, ja: str) -> None:
    assert _span(seconds, "en") == en and _span(seconds, "ja") == ja
    # the command line (catalog stats) says it with the same function
    assert translate(span(seconds), "en") == en and translate(span(seconds), "ja") == ja


@pytest.mark.parametrize(
    ("seconds", "en", "ja"),
    [
        (0, "under 1 min", "1 分未満"),
        (59, "under 1 min", "1 分未満"),
        (60, "1 min", "1 分"),
        (3599, "59 min", "59 分"),  # a fresh ticket's card said "0 h"
        (3600, "1 h", "1 時間"),
        (5 * 3600 + 3599, "5 h", "5 時間"),  # whole units, counted down, as before
        (86400 + 23 * 3600, "1 d", "1 日"),
        (-30, "under 1 min", "1 分未満"),  # a clock a little behind the row's time
    ],
)
def test_an_age_is_whole_units_and_minutes_under_an_hour(seconds: int, en: str, ja: str) -> None:
    """How old a card's ticket is (the board): whole days, hours, then minutes."""
    length = timedelta(seconds=seconds)
    assert translate(age(length), "en") == en and translate(age(length), "ja") == ja


@pytest.mark.parametrize(
    ("length", "en", "ja"),
    [
        (timedelta(0), "1 minute", "1 分"),  # at least one: "for 0 minutes" says nothing
        (timedelta(seconds=90), "1 minute", "1 分"),
        (timedelta(minutes=45), "45 minutes", "45 分"),
        (timedelta(hours=1, minutes=59), "1 hour", "1 時間"),
        (timedelta(hours=12), "12 hours", "12 時間"),
        (timedelta(days=1, hours=20), "1 day", "1 日"),
        (timedelta(days=3), "3 days", "3 日"),
    ],
)
def test_a_period_in_a_sentence_is_whole_units_counted_down(
    length: timedelta, en: str, ja: str
) -> None:
    """How long a reminder says something waited: a sentence says 「3 日以上」, so the
    whole units counted down are true in both languages."""
    from gateway.core.spans import period

    assert translate(period(length), "en") == en and translate(period(length), "ja") == ja
