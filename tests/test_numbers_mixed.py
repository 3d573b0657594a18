"""Numbers written with digits and kanji units together, as Japanese requesters write
amounts and quantities (``1万``, ``3千``, ``2万5千``, ``1.5万``, ``3億5000万``): read as
they mean them, or refused with the forms that work, never read as another number.
Each text is read in one pass (no backtracking): a long one costs its length."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gateway.catalog.load import parse_catalog
from gateway.catalog.model import Entry
from gateway.catalog.numbers import kanji_number, read_number
from gateway.catalog.sheet import parse_sheet
from gateway.core.i18n import translate
from tests.support.cpu import cpu_within

CATALOG = """
entries:
  - id: budget
    name: {ja: 予算申請, en: Budget}
    keywords: [budget]
    assignee: boss@example.test
    fields:
      - {name: amount, label: {ja: 金額, en: Amount}, type: number}
  - id: other
    name: Other
    fallback: true
    manager: boss@example.test
"""


@pytest.fixture
def entry() -> Entry:
    found = parse_catalog(CATALOG).entry("budget")
    assert found is not None
    return found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1万", "10000"),
        ("3千", "3000"),
        ("2万5千", "25000"),
        ("2万5000", "25000"),
        ("1万2千3百", "12300"),
        ("二千5百", "2500"),
        ("2千500", "2500"),
        ("5百万", "5000000"),
        ("15万", "150000"),
        ("1,500万", "15000000"),  # the comma a thousand's place is written with
        ("１．５万", "15000"),  # full width, as the input method types it
        ("1.5万", "15000"),
        ("0.5万", "5000"),
        ("2.5千", "2500"),
        ("1.25億", "125000000"),
        ("1億", "100000000"),
        ("一億", "100000000"),
        ("3億5000万", "350000000"),
        ("1兆", "1000000000000"),
        ("約1万", "10000"),
        ("1万円", "10000"),  # the currency, as the counter of an amount
        ("10万円です", "100000"),
        ("1.5万円", "15000"),
        ("¥12,000", "12000"),
        ("12,000円", "12000"),
    ],
)
def test_digits_and_kanji_units_are_read_as_people_mean_them(
    entry: Entry, text: str, expected: str
) -> None:
    sheet = parse_sheet(entry, f"金額：{text}\n")
    assert sheet.values == {"amount": expected} and sheet.rejected == ()


@pytest.mark.parametrize(
    "text",
    [
        "1万20000",  # a place below 万 holds at most 9999: 30000 or 1万2000?
        "2千5000",  # the same below 千
        "15百",  # 百 takes one digit before it (1500 is written 1500 or 千5百)
        "1.5万5千",  # a decimal stands before one unit, with nothing after it
        "2万1.5千",
        "1..5万",
        "1.5.万",
        "千万1億",  # units out of order
        "1万1万",
        "万1億",
        "1万十二三",
    ],
)
def test_a_mixed_form_that_says_no_one_number_is_refused_naming_forms_that_work(
    entry: Entry, text: str
) -> None:
    sheet = parse_sheet(entry, f"金額：{text}\n")
    [bad] = sheet.rejected
    assert sheet.values == {}
    ja, en = translate(bad.why, "ja"), translate(bad.why, "en")
    assert "2万5000" in ja and "1.5万" in ja, ja
    assert "25000" in en, en


def test_kanji_alone_keep_their_readings() -> None:
    assert kanji_number("九千九百九十九") == 9999
    assert kanji_number("二〇二六") == 2026
    assert kanji_number("一万二千") == 12000
    assert kanji_number("十二三") is None
    assert read_number("1.5万") == ("15000", None)


def test_a_long_mixed_text_is_read_in_linear_time() -> None:
    for text in ("1" * 20000 + "万", "1万" * 10000, "千" * 20000, "1." * 10000 + "万"):
        # CPU seconds: a loaded machine stretches wall time alone
        value, problem = cpu_within(0.5, lambda: read_number(text), text[:8])  # noqa: B023
        assert value == "" and problem is not None


def test_a_decimal_result_is_exact() -> None:
    assert kanji_number("1.23456万") == Decimal("12345.6")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,200", "1200"),
        ("12,345,678", "12345678"),
        ("1 000", "1000"),  # a space between thousands, as in French or SI
        ("1,234.5", "1234.5"),
        ("１，２００台", "1200"),
        ("3 台", "3"),  # a space before the counter is no separator of digits
        ("5 users", "5"),
        ("3ユーザー", "3"),
        ("10アカウント", "10"),
        ("3名様", "3"),
        ("4人分", "4"),
        ("20 seats", "20"),
        ("3 people", "3"),
    ],
)
def test_thousands_separators_and_counters(entry: Entry, text: str, expected: str) -> None:
    sheet = parse_sheet(entry, f"金額：{text}\n")
    assert sheet.values == {"amount": expected} and sheet.rejected == ()


@pytest.mark.parametrize(
    "text",
    [
        "1,2",  # 1.2 in much of Europe, or 1 and 2: read as 12 before
        "3 4台",  # two numbers: read as 34 before
        "1,2台",
        "12,00",
        "1,2345",
        "1 2 3",
        "1,000 000",  # two kinds of separator
        "1.234,5",  # a European decimal comma
    ],
)
def test_digits_apart_otherwise_than_in_thousands_are_refused(entry: Entry, text: str) -> None:
    sheet = parse_sheet(entry, f"金額：{text}\n")
    [bad] = sheet.rejected
    assert sheet.values == {} and "3" in translate(bad.why, "en")


def test_separators_are_read_in_linear_time() -> None:
    """Texts long enough that a quadratic reading is seconds of CPU (a Python loop over
    the rest of a 10,000-character text at each character was under the bound); the
    linear one takes milliseconds."""
    for text in ("1" * 50_000 + ",", "1," * 50_000, "1 " * 50_000, "12,345 " * 20_000):
        cpu_within(0.5, lambda: read_number(text), text[:8])  # noqa: B023
