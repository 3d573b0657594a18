"""How long something took, as the board's median and ``catalog stats`` show it
(:func:`gateway.core.spans.span`, which the pages' ``span`` macro calls): days
from a day on, hours from an hour, minutes under an hour and "< 1 min" under a
minute, never "0.0 h" for a ticket closed in seconds."""

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
        (0, "< 1 min", "< 1 分"),
        (12, "< 1 min", "< 1 分"),
        (59, "< 1 min", "< 1 分"),
        (60, "1 min", "1 分"),
        (42 * 60 + 30, "42 min", "42 分"),
        (3599, "59 min", "59 分"),
        (3600, "1.0 h", "1.0 時間"),
        (5400, "1.5 h", "1.5 時間"),
        (2 * 86400, "2.0 d", "2.0 日"),
    ],
)
def test_a_span_is_written_in_a_unit_that_fits(seconds: float | None, en: str, ja: str) -> None:
    assert _span(seconds, "en") == en and _span(seconds, "ja") == ja
    # the command line (catalog stats) says it with the same function
    assert translate(span(seconds), "en") == en and translate(span(seconds), "ja") == ja


@pytest.mark.parametrize(
    ("seconds", "en", "ja"),
    [
        (0, "< 1 min", "< 1 分"),
        (59, "< 1 min", "< 1 分"),
        (60, "1 min", "1 分"),
        (3599, "59 min", "59 分"),  # a fresh ticket's card said "0 h"
        (3600, "1 h", "1 時間"),
        (5 * 3600 + 3599, "5 h", "5 時間"),  # whole units, counted down, as before
        (86400 + 23 * 3600, "1 d", "1 日"),
        (-30, "< 1 min", "< 1 分"),  # a clock a little behind the row's time
    ],
)
def test_an_age_is_whole_units_and_minutes_under_an_hour(seconds: int, en: str, ja: str) -> None:
    """How old a card's ticket is (the board): whole days, hours, then minutes."""
    length = timedelta(seconds=seconds)
    assert translate(age(length), "en") == en and translate(age(length), "ja") == ja
