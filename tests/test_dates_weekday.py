"""A time shown to a person in a mail or on a page says its weekday, in the reader's
language, as the locale writes a date: ``2026年12月5日(土) 10:00 JST`` for a Japanese
reader, ``Sat, Dec 5, 2026, 10:00 JST`` for an English one (CLDR's pattern for a date
with its weekday, compared below with Babel's CLDR). The plain form a script reads
(``2026-12-05 10:00 JST``: the CLI, the log) is unchanged."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from gateway.core import zone
from gateway.core.i18n import N_
from gateway.notify import views as v
from gateway.notify.render import renderer
from gateway.pipeline import commands
from gateway.runner import command_said
from tests.support.samples import OPS, T42, TEAM
from tests.support.unwrap import unwrapped

SATURDAY = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo


def test_a_time_in_each_language_and_as_scripts_read_it() -> None:
    at = zone.local_time(SATURDAY, "Asia/Tokyo")
    assert at == "2026-12-05 10:00 JST"  # the plain text: the CLI and the log
    assert zone.said(at, "ja") == "2026年12月5日(土) 10:00 JST"
    assert zone.said(at, "en") == "Sat, Dec 5, 2026, 10:00 JST"
    assert zone.said("2026-12-05 10:00 JST", "ja") == "2026-12-05 10:00 JST"  # text: as is


def test_each_day_of_a_week_has_its_own_weekday() -> None:
    monday = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
    days = [zone.local_time(monday + timedelta(days=n), "Asia/Tokyo") for n in range(7)]
    assert [str(zone.said(d, "ja")).split("(")[1][0] for d in days] == list("月火水木金土日")
    assert [str(zone.said(d, "en"))[:3] for d in days] == [
        "Mon",
        "Tue",
        "Wed",
        "Thu",
        "Fri",
        "Sat",
        "Sun",
    ]


def test_the_time_zone_is_the_teams_and_the_date_is_that_zones() -> None:
    """01:00 UTC on Saturday is still Friday evening in New York."""
    at = zone.local_time(SATURDAY, "America/New_York")
    assert zone.said(at, "ja") == "2026年12月4日(金) 20:00 EST"
    assert zone.said(at, "en") == "Fri, Dec 4, 2026, 20:00 EST"


@pytest.mark.parametrize(
    ("locale", "shown"),
    [("ja", "2026年12月5日(土) 10:00 JST"), ("en", "Sat, Dec 5, 2026, 10:00 JST")],
)
def test_a_mail_says_the_weekday_in_its_text_and_html(locale: str, shown: str) -> None:
    at = zone.local_time(SATURDAY, "Asia/Tokyo")
    mail = renderer(None).render(v.SlaOverdue(TEAM, OPS, T42, "first_response", at), locale)
    assert shown in mail.text and shown in mail.html
    assert "2026-12-05" not in mail.text + mail.html


@pytest.mark.parametrize(
    ("locale", "shown"),
    [("ja", "2026年12月5日(土) 10:00 JST"), ("en", "Sat, Dec 5, 2026, 10:00 JST")],
)
def test_a_time_inside_a_message_is_said_so_too(locale: str, shown: str) -> None:
    """A health problem names the time it started (a parameter of the message)."""
    at = zone.local_time(SATURDAY, "Asia/Tokyo")
    problem = N_(
        "mailbox {account} last polled successfully at {at}, longer ago than "
        "health.max_poll_age = {limit}{why}",
        account="support@imap:993/INBOX",
        at=at,
        limit="1h",
        why="",
    )
    mail = renderer(None).render(v.HealthAlert(TEAM, OPS, problem, False, at), locale)
    assert unwrapped(mail.text).count(shown) >= 2 and "2026-12-05" not in mail.text


@pytest.mark.parametrize(
    ("locale", "shown"),
    [("ja", "期限を 2026年3月10日(火) にしました"), ("en", "due Tue, Mar 10, 2026")],
)
def test_a_due_date_set_by_reply_is_confirmed_with_its_weekday(locale: str, shown: str) -> None:
    """``/due 2026-03-10``: the transcript names the day, so a member who meant the
    Monday sees at once that it is a Tuesday (and no longer reads the instant,
    ``2026-03-10T23:59:59+09:00``, the command stores)."""
    due = commands.SetDue(datetime(2026, 3, 10, 23, 59, 59, tzinfo=ZoneInfo("Asia/Tokyo")))
    line = v.CommandLine("/due 2026-03-10", command_said.changed(due, "open"), "applied")
    mail = renderer(None).render(v.CommandResult(TEAM, OPS, T42, (line,)), locale)
    assert shown in mail.text and shown in mail.html
    assert "T23:59" not in mail.text


def test_a_day_in_the_past_is_named_with_its_weekday() -> None:
    past = zone.Day(date(2026, 3, 1))
    assert past == "2026-03-01"  # the plain form, as the CLI says it
    assert zone.said(past, "ja") == "2026年3月1日(日)"
    refused = N_("{day} is in the past", day=past)
    line = v.CommandLine("/due 2026-03-01", refused, "refused")
    mail = renderer(None).render(v.CommandResult(TEAM, OPS, T42, (line,), "help"), "ja")
    assert "2026年3月1日(日) は過去の日付です" in mail.text


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_every_day_of_two_years_reads_as_cldr_writes_it(locale: str) -> None:
    """Our table and pattern reader (gateway.core.date_forms) against Babel's own
    formatting of CLDR's skeletons, for every day of 2027 and 2028 (a leap year) at a
    clock time that changes with the day."""
    from babel.dates import format_datetime, format_skeleton

    start = datetime(2027, 1, 1, tzinfo=ZoneInfo("Asia/Tokyo"))
    for n in range(366 * 2):
        at = start + timedelta(days=n, minutes=n * 7 % 1440)
        day = format_skeleton("yMMMEd", at, tzinfo=at.tzinfo, locale=locale)
        clock = format_skeleton("Hm", at, tzinfo=at.tzinfo, locale=locale)
        glue = format_datetime(at, "medium", tzinfo=at.tzinfo, locale=locale)
        assert glue  # Babel joins with the same "medium" glue zone.Moment uses:
        from babel import Locale

        joined = str(Locale.parse(locale).datetime_formats["medium"]).format(clock, day)
        assert zone.said(zone.Moment(at), locale) == f"{joined} JST"
        assert zone.said(zone.Day(at.date()), locale) == day


def test_saying_a_time_takes_no_babel_into_the_process() -> None:
    """Babel's locale data was about 10 MB in each process that said a time (every
    acknowledgement is rendered in the processing child, under the daemon's 200 MB)."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from datetime import datetime, UTC\n"
        "from gateway.core import zone\n"
        "at = zone.local_time(datetime(2026, 12, 5, 1, tzinfo=UTC), 'Asia/Tokyo')\n"
        "print(zone.said(at, 'ja'))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'babel'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == ["2026年12月5日(土) 10:00 JST", "[]"]


def test_a_pattern_letter_not_known_is_refused_not_printed_wrong() -> None:
    from gateway.core.date_forms import FORMS, format_pattern

    at = datetime(2026, 12, 5, 10, 0)
    assert format_pattern("y'年''s' MMM", at, FORMS["en"]) == "2026年's Dec"
    for pattern in ("MMMM", "EEEE", "G", "a"):
        with pytest.raises(ValueError, match="not known"):
            format_pattern(pattern, at, FORMS["en"])
