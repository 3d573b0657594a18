"""``[schedule] calendar = NAME``: the calendar the config's own waits on a requester
(``pending_reminder_after``, ``pending_close_after``) count working days in. Without it
they keep the default one, ``[business_hours]``; a team whose calendars are all named
(``[[business_hours.calendars]]``), or that follows requesters up on any day
(``always``), says which. An unknown name stops the start, naming the key and the file."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from gateway.catalog.model import Entry
from gateway.config.settings import Settings
from gateway.core.calendars import ALWAYS
from gateway.core.i18n import translate
from gateway.scheduling import rules
from gateway.scheduling.rules import PendingAction, times_of
from tests.support.cli import run
from tests.support.config import LOCAL, config_error, load_toml

TOKYO = ZoneInfo("Asia/Tokyo")
OFFICE = '[[business_hours.calendars]]\nname = "office"\n' + "".join(
    f'{day} = "09:00-18:00"\n' for day in ("mon", "tue", "wed", "thu", "fri")
)
WAITS = '[schedule]\npending_reminder_after = "1bd"\npending_close_after = "3bd"\n'


def jst(*args: int) -> datetime:
    return datetime(*args, tzinfo=TOKYO)  # type: ignore[misc]


FRIDAY_18 = jst(2026, 3, 6, 18, 0)


class Row:
    """A pending ticket as the rules read it (``rules.Timed``), last touched at ``at``."""

    def __init__(self, at: datetime) -> None:
        self.id, self.state, self.priority = 1, "pending", "normal"
        self.created_at = self.updated_at = at
        self.first_response_at: datetime | None = None
        self.due_at: datetime | None = None


def _reminded(settings: Settings, at: datetime, entry: Entry | None = None) -> bool:
    t = times_of(Row(FRIDAY_18), entry, settings.calendars)
    due = rules.pending_due(t, at, settings.schedule)
    return due is not None and due.action is PendingAction.REMIND


def test_named_calendars_alone_may_count_the_schedules_working_days(tmp_path: Path) -> None:
    """No ``[business_hours]`` of its own, only named calendars: ``"1bd"`` is refused
    without the key (tests/test_calendars.py) and counted in the named one with it: a
    question left on Friday evening is followed up on Monday evening."""
    settings = load_toml(tmp_path, LOCAL, WAITS + 'calendar = "office"', OFFICE)
    assert settings.schedule.calendar == "office"
    assert not _reminded(settings, jst(2026, 3, 9, 17, 59))  # Monday, a minute early
    assert _reminded(settings, jst(2026, 3, 9, 18, 0))


def test_always_follows_up_on_any_day_whatever_the_default(tmp_path: Path) -> None:
    """A team in office hours that follows requesters up every day: Saturday evening,
    for a ticket of any entry, its own calendar notwithstanding."""
    hours = "[business_hours]\n" + OFFICE.split("\n", 2)[2]  # the same hours as the default
    settings = load_toml(tmp_path, LOCAL, WAITS + f'calendar = "{ALWAYS}"', hours)
    assert _reminded(settings, jst(2026, 3, 7, 18, 0))
    office_entry = Entry(id="e", names={"en": "E"}, calendar=None)
    assert _reminded(settings, jst(2026, 3, 7, 18, 0), office_entry)
    without = load_toml(tmp_path, LOCAL, WAITS, hours)  # the key left out: the default's
    assert without.schedule.calendar is None
    assert not _reminded(without, jst(2026, 3, 7, 18, 0))
    assert _reminded(without, jst(2026, 3, 9, 18, 0))


@pytest.mark.parametrize(
    ("locale", "words"),
    [
        ("en", "no calendar 'ofice' in the config (there are: always, office)"),
        ("ja", "設定にカレンダー「ofice」はありません（あるもの: always, office）"),
    ],
)
def test_an_unknown_calendar_is_refused_naming_the_key_and_the_file(
    tmp_path: Path, locale: str, words: str
) -> None:
    err = config_error(tmp_path, LOCAL, WAITS + 'calendar = "ofice"', OFFICE)
    assert err.key == "schedule.calendar"
    assert err.path == str(tmp_path / "gateway.toml")
    assert translate(err.message, locale) == words


def test_a_calendar_that_is_not_a_name_is_refused(tmp_path: Path) -> None:
    err = config_error(tmp_path, LOCAL, "[schedule]\ncalendar = 3", OFFICE)
    assert err.key == "schedule.calendar"


def test_the_command_names_the_key_and_the_file_and_exits_78(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "gateway.toml"
    cfg.write_text(LOCAL + WAITS + 'calendar = "osaka"\n' + OFFICE, encoding="utf-8")
    ran = run(cfg, "catalog", "check", capsys=capsys)
    assert ran.code == 78
    assert "[schedule.calendar]" in ran.err and str(cfg) in ran.err and "'osaka'" in ran.err


@pytest.mark.parametrize(
    ("locale", "words"),
    [
        ("en", "a [business_hours] table or [schedule] calendar"),
        ("ja", "[business_hours] の表か [schedule] の calendar"),
    ],
)
def test_working_days_without_a_calendar_name_both_ways_to_give_one(
    tmp_path: Path, locale: str, words: str
) -> None:
    """Refused as before (tests/test_pending_working_days.py), now saying the key too."""
    err = config_error(tmp_path, LOCAL, WAITS, OFFICE)
    assert err.key == "schedule.pending_reminder_after"
    assert words in translate(err.message, locale) and "'3d'" in translate(err.message, locale)
