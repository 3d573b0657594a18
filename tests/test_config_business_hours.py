"""``[business_hours]`` as an operator writes it: off when absent, days as ranges (a
lunch break as two), holidays inline and from a file such as Japan's list; every
mistake names the file and the key (and a holiday file's line)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from gateway.core.i18n import translate
from tests.support.config import LOCAL, config_error, load_toml

TOKYO_LOCAL = LOCAL + 'timezone = "Asia/Tokyo"\n'


def test_off_unless_the_section_is_there(tmp_path: Path) -> None:
    assert load_toml(tmp_path, LOCAL).business_hours is None


def test_a_japanese_teams_calendar(tmp_path: Path) -> None:
    (tmp_path / "holidays-jp.txt").write_text(
        "# 国民の祝日 2027\n2027-01-01 元日\n\n2027-01-11  成人の日  # 第2月曜\n",
        encoding="utf-8",
    )
    cal = load_toml(
        tmp_path,
        TOKYO_LOCAL,
        "[business_hours]",
        'mon = "09:00-18:00"',
        'tue = "09:00-12:00, 13:00-18:00"',
        'wed = ["13:00-18:00", "09:00-12:00"]',
        'thu = ""',
        'fri = "22:00-24:00"',
        'holidays = ["2026-12-31", 2026-12-30]',
        'holidays_file = "holidays-jp.txt"',
    ).business_hours
    assert cal is not None
    assert cal.timezone == "Asia/Tokyo"
    assert cal.week == (
        ((540, 1080),),
        ((540, 720), (780, 1080)),
        ((540, 720), (780, 1080)),
        (),
        ((1320, 1440),),
        (),
        (),
    )
    assert cal.holidays == {
        date(2026, 12, 30),
        date(2026, 12, 31),
        date(2027, 1, 1),
        date(2027, 1, 11),
    }


def test_the_zone_is_the_teams(tmp_path: Path) -> None:
    cal = load_toml(
        tmp_path, LOCAL + 'timezone = "Europe/Berlin"\n', '[business_hours]\nmon = "08:00-17:00"'
    ).business_hours
    assert cal is not None and cal.timezone == "Europe/Berlin"


@pytest.mark.parametrize(
    ("lines", "key", "words"),
    [
        ([], "business_hours", "no working hours"),  # the section with no day at all
        (['mon = ""', 'sat = ""'], "business_hours", "no working hours"),
        (['mon = "9-18"'], "business_hours.mon", "not working hours"),
        (['mon = "18:00-09:00"'], "business_hours.mon", "not working hours"),  # overnight
        (['mon = "09:00-24:30"'], "business_hours.mon", "not working hours"),
        (['mon = "24:00-24:00"'], "business_hours.mon", "not working hours"),
        (['tue = "09:60-18:00"'], "business_hours.tue", "not working hours"),
        (["mon = 9"], "business_hours.mon", "not working hours"),
        (['mon = "09:00-13:00, 12:00-18:00"'], "business_hours.mon", "overlap"),
        (['mon = "09:00-18:00"', 'holiday = ["2027-01-01"]'], "business_hours.holiday", "unknown"),
        (['mon = "09:00-18:00"', 'holidays = ["2027-02-30"]'], "business_hours.holidays", "date"),
        (['mon = "09:00-18:00"', 'holidays = ["1/1"]'], "business_hours.holidays", "date"),
        # a TOML date-time is no date: taken as one, it would match no day and be no holiday
        (
            ['mon = "09:00-18:00"', "holidays = [2027-01-01T00:00:00]"],
            "business_hours.holidays",
            "date",
        ),
        (['mon = "09:00-18:00"', 'holidays = "2027-01-01"'], "business_hours.holidays", "list"),
        (
            ['mon = "09:00-18:00"', 'holidays_file = "nowhere.txt"'],
            "business_hours.holidays_file",
            "no such file",
        ),
    ],
)
def test_mistakes_name_the_key(tmp_path: Path, lines: list[str], key: str, words: str) -> None:
    err = config_error(tmp_path, LOCAL, "[business_hours]", *lines)
    assert err.key == key
    assert err.path.endswith("gateway.toml")
    assert words in err.problem


@pytest.mark.parametrize(
    ("line", "written"),
    [
        ("holidays = [2027-01-01T00:00:00]", "'2027-01-01T00:00:00'"),
        ("holidays = [2027-01-01T09:00:00+09:00]", "'2027-01-01T09:00:00+09:00'"),
        ("holidays = [09:00:00]", "'09:00:00'"),
        ("tue = 09:00:00", "'09:00:00'"),
    ],
)
def test_a_toml_date_or_time_in_the_wrong_place_is_said_as_written(
    tmp_path: Path, line: str, written: str
) -> None:
    """TOML's own date-time and time values were said as Python writes them
    (``datetime.datetime(2027, 1, 1, 0, 0)``): the operator reads the value as the file
    has it. (Every key's: ``test_config_toml_errors``.)"""
    err = config_error(tmp_path, LOCAL, '[business_hours]\nmon = "09:00-18:00"', line)
    assert written in err.problem and "datetime." not in err.problem


def test_a_bad_line_in_the_holiday_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "holidays.txt").write_text("2027-01-01\n2027/01/11 成人の日\n", encoding="utf-8")
    err = config_error(
        tmp_path, LOCAL, '[business_hours]\nmon = "09:00-18:00"\nholidays_file = "holidays.txt"'
    )
    assert err.key == "business_hours.holidays_file (holidays.txt:2)"
    assert "'2027/01/11'" in err.problem


def test_the_errors_are_said_in_japanese_too(tmp_path: Path) -> None:
    err = config_error(tmp_path, LOCAL, '[business_hours]\nmon = "18:00-09:00"')
    assert "営業時間ではありません" in translate(err.message, "ja")


def test_a_holiday_file_not_in_utf8_names_the_line(tmp_path: Path) -> None:
    """Japan's official list comes as Shift_JIS: the error says which line could not be
    read and what to do, in the reader's language, not a codec's byte offset."""
    (tmp_path / "syukujitsu.txt").write_bytes(
        "2027-01-01\n2027-01-11\n2027-02-11 建国記念の日\n".encode("shift_jis")
    )
    err = config_error(
        tmp_path, LOCAL, '[business_hours]\nmon = "09:00-18:00"\nholidays_file = "syukujitsu.txt"'
    )
    assert err.key == "business_hours.holidays_file (syukujitsu.txt:3)"
    assert "UTF-8" in err.problem and "codec" not in err.problem
    said = translate(err.message, "ja")
    assert "UTF-8" in said and "codec" not in said and "save" not in said
