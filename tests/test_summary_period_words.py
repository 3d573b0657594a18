"""The managers' summary speaks of the days it covers, not of "this week".

It goes out on the digest's day about the seven days before (Monday: the week just
ended), yet said "No ticket was resolved this week." and "Force-closed as stale this
week" (「今週解決したチケットはありません。」): read on Monday, "this week" is the week
that has just begun, of which nothing is counted. Both now say the period its first
line names."""

from __future__ import annotations

from dataclasses import replace

import pytest

from gateway.notify import views
from gateway.notify.render import Renderer
from tests.support import samples


@pytest.mark.parametrize(
    ("locale", "wrong", "right"),
    [
        ("en", "this week", ("No ticket was resolved in the period.", "in the period")),
        ("ja", "今週", ("期間中に解決したチケットはありません。", "期間中に")),
    ],
)
def test_the_summary_names_its_period(locale: str, wrong: str, right: tuple[str, str]) -> None:
    [summary, *_] = [x for x in samples.SAMPLES if isinstance(x, views.WeeklySummary)]
    summary = replace(summary, resolved=0)
    parts = Renderer().render(summary, locale)
    for text in (parts.text, parts.html):
        assert wrong not in text
        assert all(words in text for words in right), text
