"""Dates as requesters write them in a sheet beyond the numeric forms: English month
names (``April 1``, ``1 Apr 2027``, ``Wednesday, April 1, 2026``), a compact
``20270401``, a deadline's ending (``4/1まで``, ``4月1日頃``, ``by April 1``); a day no
calendar has is said to be none (``2027/2/29``), not "not a date"; and what stays
refused (a period, a relative day, a range, a two-digit year) names the forms that work."""

from __future__ import annotations

from datetime import date

import pytest

from gateway.catalog.dates import dated
from gateway.catalog.load import parse_catalog
from gateway.catalog.model import Entry
from gateway.catalog.sheet import parse_sheet
from gateway.core.i18n import translate
from gateway.pipeline.due_dates import due_date
from tests.support.cpu import cpu_within

CATALOG = """
entries:
  - id: pc
    name: PC
    keywords: [pc]
    assignee: boss@example.test
    fields:
      - {name: needed_by, label: {ja: 希望納期, en: Needed by}, type: date}
  - id: other
    name: Other
    fallback: true
    manager: boss@example.test
"""
TODAY = date(2026, 12, 28)


@pytest.fixture
def entry() -> Entry:
    found = parse_catalog(CATALOG).entry("pc")
    assert found is not None
    return found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("April 1", "2027-04-01"),
        ("april 1st", "2027-04-01"),
        ("Apr. 1", "2027-04-01"),
        ("Jan 5", "2027-01-05"),  # next year's, written on December 28th
        ("Dec 28", "2026-12-28"),  # today counts
        ("April 1, 2027", "2027-04-01"),
        ("April 1 2027", "2027-04-01"),
        ("1 Apr 2027", "2027-04-01"),
        ("1st of April 2027", "2027-04-01"),
        ("1 April", "2027-04-01"),
        ("Sept 30, 2027", "2027-09-30"),
        ("Wednesday, April 1, 2026", "2026-04-01"),  # a past day, its year given
        ("Thu, 1 Apr 2027", "2027-04-01"),
        ("April 1, 2027 (Thu)", "2027-04-01"),
        ("20270401", "2027-04-01"),
        ("4/1まで", "2027-04-01"),
        ("4月1日までに", "2027-04-01"),
        ("2027年4月1日（木）まで", "2027-04-01"),
        ("4/1迄", "2027-04-01"),
        ("4/1頃", "2027-04-01"),
        ("4月1日ごろ", "2027-04-01"),
        ("4/1希望", "2027-04-01"),
        ("4/1でお願いします。", "2027-04-01"),
        ("by April 1", "2027-04-01"),
        ("by 2027-04-01", "2027-04-01"),
        # a month's end is its last day: 4月末まで, the deadline Japanese requests name most
        ("4月末", "2027-04-30"),
        ("4月末まで", "2027-04-30"),
        ("4月末日", "2027-04-30"),
        ("12月末", "2026-12-31"),  # today counts
        ("2月末", "2027-02-28"),
        ("2028年2月末", "2028-02-29"),
        ("end of April", "2027-04-30"),
        ("end of Feb 2028", "2028-02-29"),
        ("by the end of March", "2027-03-31"),
    ],
)
def test_more_shapes_are_read(entry: Entry, text: str, expected: str) -> None:
    sheet = parse_sheet(entry, f"希望納期：{text}\n", today=TODAY)
    assert sheet.values == {"needed_by": expected} and sheet.rejected == ()


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("2027/2/29", "2027/2/29"),
        ("4/31", "4/31"),
        ("April 31", "april 31"),
        ("20270230", "20270230"),
        ("13月末", "13月末"),
    ],
)
def test_a_day_no_calendar_has_is_said_to_be_none(entry: Entry, text: str, shown: str) -> None:
    sheet = parse_sheet(entry, f"希望納期：{text}\n", today=TODAY)
    [bad] = sheet.rejected
    assert translate(bad.why, "ja") == f"「{shown}」という日付はありません"


def test_a_leading_weekday_not_the_dates_is_refused(entry: Entry) -> None:
    """2027-04-01 is a Thursday: which of the two was meant cannot be known."""
    sheet = parse_sheet(entry, "希望納期：Wednesday, April 1, 2027\n", today=TODAY)
    [bad] = sheet.rejected
    assert "2027-04-01" in translate(bad.why, "en")


@pytest.mark.parametrize(
    "text",
    [
        "4月上旬",  # a period: which day is not said
        "月末",  # this month's end, or next? counted from when it was written
        "今月末",
        "2027年4月",
        "来週月曜",  # a relative day: the day it was written is not the day it came
        "明日",
        "tomorrow",
        "4/1〜4/3",  # a range
        "4/1-4/3",
        "27/4/1",  # a two-digit year: 2027, or 平成27年?
        "4/1/2027",  # month first or day first: April 1st or January 4th?
        "1/4/2027",
        "2027/4/1 17:00",
        "4/1以降",  # from, not by: not the day a deadline field asks
        "Aprill 1",
        "ASAP",
        "1日",
    ],
)
def test_what_stays_refused_names_the_forms_that_work(entry: Entry, text: str) -> None:
    sheet = parse_sheet(entry, f"希望納期：{text}\n", today=TODAY)
    [bad] = sheet.rejected
    assert "2026/3/2" in translate(bad.why, "en") and "3月2日" in translate(bad.why, "ja")


def test_the_due_command_reads_the_same_english_dates() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 12, 28, 3, 0, tzinfo=UTC)
    due = due_date("April 1", "Asia/Tokyo", now)
    assert isinstance(due, datetime) and due.date() == date(2027, 4, 1)


def test_long_texts_are_read_in_linear_time() -> None:
    for text in (
        "april" + " " * 20000 + "1x",
        "1" + " " * 20000 + "april x",
        "1" * 20000,
        "april 1" + "まで" * 5000,
        "wed," * 5000 + " april 1",
        "end" + " of" * 5000 + " april",
        "4" + " " * 20000 + "月末x",
    ):
        cpu_within(0.5, lambda: dated(text, TODAY), text[:20])  # noqa: B023
