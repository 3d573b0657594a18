"""Sheet values as requesters write them: Excel's tab-separated lines, a quantity with
its counter, polite ending or kanji numerals, a date without its year (the next such
day from the day the mail came), in Japanese and English mails; what is still refused
says which forms work."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from gateway.catalog.dates import next_month_day
from gateway.catalog.load import parse_catalog
from gateway.catalog.model import Entry
from gateway.catalog.numbers import kanji_number
from gateway.catalog.sheet import parse_sheet
from gateway.core.i18n import translate
from gateway.pipeline import commands

CATALOG = """
entries:
  - id: pc
    name: {ja: PC手配, en: PC setup}
    keywords: [pc]
    assignee: boss@example.test
    fields:
      - {name: os, label: {ja: OS, en: OS}, type: choice, choices: [windows, mac]}
      - {name: quantity, label: {ja: 台数, en: Quantity}, type: number}
      - {name: needed_by, label: {ja: 希望納期, en: Needed by}, type: date}
      - {name: note, label: {ja: 備考, en: Note}}
  - id: other
    name: Other
    fallback: true
    manager: boss@example.test
"""
TODAY = date(2026, 3, 10)  # the day the mail came, in the team's zone


@pytest.fixture
def entry() -> Entry:
    found = parse_catalog(CATALOG).entry("pc")
    assert found is not None
    return found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("OS\twindows\n台数\t3\n", {"os": "windows", "quantity": "3"}),
        ("OS\t\twindows\n", {"os": "windows"}),  # a blank cell between
        ("Quantity\t2\nNeeded by\t2026-04-01\n", {"quantity": "2", "needed_by": "2026-04-01"}),
        ("・台数\t3\n", {"quantity": "3"}),
        ("OS\t\n台数\t3\n", {"quantity": "3"}),  # a blank cell: not given, not "empty"
        # a colon wins where the line has one: the tab is then part of the value
        ("備考: a\tb\n", {"note": "a\tb"}),
    ],
)
def test_a_line_pasted_from_a_spreadsheet_is_read(
    entry: Entry, text: str, expected: dict[str, str]
) -> None:
    sheet = parse_sheet(entry, text)
    assert sheet.values == expected and sheet.rejected == ()


def test_a_tab_in_prose_names_no_field(entry: Entry) -> None:
    sheet = parse_sheet(entry, "see\tattached\nThanks\tagain\n")
    assert sheet.values == {} and sheet.rejected == ()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("３台です", "3"),
        ("3台", "3"),
        ("3台でお願いします", "3"),
        ("3台でお願いいたします。", "3"),
        ("3回", "3"),
        ("約3", "3"),  # about 3: the number is kept, the mail keeps the "about"
        ("約３台です", "3"),
        ("二台", "2"),
        ("十", "10"),
        ("二十五", "25"),
        ("百", "100"),
        ("三千五百", "3500"),
        ("九千九百九十九", "9999"),
        ("一万二千", "12000"),
        ("二〇二六", "2026"),
        ("三つ", "3"),
        ("十人", "10"),
        ("3 units", "3"),
        ("3 pcs", "3"),
        ("about 3", "3"),
        ("approx. 3", "3"),
        ("3 please", "3"),
    ],
)
def test_a_quantity_as_people_write_it_is_a_number(entry: Entry, value: str, expected: str) -> None:
    sheet = parse_sheet(entry, f"台数：{value}\n")
    assert sheet.values == {"quantity": expected} and sheet.rejected == ()


@pytest.mark.parametrize(
    "value",
    [
        "3台と5台",
        "3か4台",
        "二十か三十",
        "3〜5台",
        "たくさん",
        "です",
        "台",
        "約",
        "a few",
        "十二三",
    ],
)
def test_two_numbers_or_none_are_still_refused(entry: Entry, value: str) -> None:
    sheet = parse_sheet(entry, f"台数：{value}\n")
    [bad] = sheet.rejected
    assert bad.field == "quantity" and sheet.values == {}
    # the refusal says which forms work, in each language
    assert "3" in translate(bad.why, "en") and "3台" in translate(bad.why, "ja")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("十", 10),
        ("十一", 11),
        ("二十", 20),
        ("百一", 101),
        ("千", 1000),
        ("一千", 1000),
        ("九千九百九十九", 9999),
        ("九九", 99),
        ("一億", 100_000_000),  # an amount's field reads it as a quantity's reads 一万
        ("十十", None),
        ("二二十", None),
        ("百千", None),
        ("", None),
    ],
)
def test_kanji_numerals(text: str, expected: int | None) -> None:
    assert kanji_number(text) == expected


def test_kanji_numerals_are_read_in_linear_time(entry: Entry) -> None:
    sheet = parse_sheet(entry, "台数：" + "十" * 1500 + "\n")
    assert sheet.values == {} and len(sheet.rejected) == 1


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("4月1日", "2026-04-01"),
        ("４月１日", "2026-04-01"),
        ("4/1", "2026-04-01"),
        ("3/10", "2026-03-10"),  # today counts
        ("3/9", "2027-03-09"),  # yesterday's is next year's
        ("3月9日(火)", "2027-03-09"),
        ("2/29", "2028-02-29"),
    ],
)
def test_a_date_without_its_year_is_the_next_such_day(
    entry: Entry, value: str, expected: str
) -> None:
    sheet = parse_sheet(entry, f"希望納期：{value}\nNeeded by: {value}\n", today=TODAY)
    assert sheet.values == {"needed_by": expected} and sheet.rejected == ()


@pytest.mark.parametrize("value", ["2/30", "13/1", "4月31日"])
def test_a_month_and_day_no_year_has_is_refused(entry: Entry, value: str) -> None:
    sheet = parse_sheet(entry, f"希望納期：{value}\n", today=TODAY)
    [bad] = sheet.rejected
    assert bad.field == "needed_by"


def test_a_date_without_its_year_is_refused_when_the_day_is_not_known(entry: Entry) -> None:
    """Where no arrival day is given (a form's stored value checked again), the year
    cannot be known: refused, with the forms that work."""
    sheet = parse_sheet(entry, "希望納期：4/1\n")
    [bad] = sheet.rejected
    assert "2026/3/2" in translate(bad.why, "en") and "3月2日" in translate(bad.why, "ja")


def test_the_due_command_and_the_sheet_share_the_next_day_rule() -> None:
    assert next_month_day((4, 1), TODAY) == date(2026, 4, 1)
    assert next_month_day((3, 9), TODAY) == date(2027, 3, 9)
    with pytest.raises(ValueError):
        next_month_day((2, 30), TODAY)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/field needed_by 3/2", "2026-03-02"),  # today in Tokyo (still 03-01 in UTC)
        ("/field 希望納期 3月1日", "2027-03-01"),
        ("/field 台数 二台です", "2"),
    ],
)
def test_a_members_field_command_reads_the_same_forms(
    entry: Entry, line: str, expected: str
) -> None:
    [cmd] = commands.parse_commands(line, 20).commands
    now = datetime(2026, 3, 1, 16, 0, tzinfo=UTC)  # 2026-03-02 01:00 in Tokyo
    context = commands.CommandContext(
        commands.Role.MEMBER, ("ops@example.test",), ("pc",), entry, now, "Asia/Tokyo"
    )
    decided = commands.decide(cmd, context)
    assert isinstance(decided, commands.SetField) and decided.value == expected
