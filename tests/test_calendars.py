"""Several calendars: an entry names the one its tickets count in (Zammad's calendar per
SLA). The office line follows ``[business_hours]``, the outage line the built-in
``always`` (24x7), a second site its own ``[[business_hours.calendars]]`` table with its
own zone and holidays. Every wait and deadline of a ticket is counted in its entry's
calendar; the config's own ``[schedule]`` waits keep the default one."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from gateway.catalog.load import load_catalog
from gateway.catalog.model import Entry
from gateway.config.load import load_settings
from gateway.config.settings import ScheduleSettings, Settings
from gateway.core.business_hours import Calendar, WorkingDays
from gateway.core.calendars import ALWAYS, Calendars, always, calendar_for
from gateway.core.clock import FakeClock
from gateway.core.errors import CatalogError
from gateway.runtime.app import App
from gateway.scheduling import rules, scheduler, workload
from gateway.scheduling.rules import PendingAction, TicketTimes, times_of
from gateway.tickets import changes
from store import stats, tickets
from store.db import transaction
from tests.support.app import MEMBERS
from tests.support.cli import run
from tests.support.config import LOCAL, config_error, load_toml, members_toml, write_config
from tests.support.pipeline import outbox, text_of
from tests.support.scheduling import make_app, open_ticket, scheduled_settings

TOKYO = ZoneInfo("Asia/Tokyo")
MINUTE, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)
NINE_SIX = ((9 * 60, 18 * 60),)
OFFICE = Calendar("Asia/Tokyo", (NINE_SIX,) * 5 + ((), ()))
# a second site: the same hours, but Monday 2026-03-09 is its holiday
OSAKA = replace(OFFICE, holidays=frozenset({date(2026, 3, 9)}))
CALENDARS = Calendars(OFFICE, (("osaka", OSAKA), (ALWAYS, always("Asia/Tokyo"))))
TOKYO_LOCAL = LOCAL + 'timezone = "Asia/Tokyo"\n'


def jst(*args: int) -> datetime:
    return datetime(*args, tzinfo=TOKYO)  # type: ignore[misc]


FRIDAY_18 = jst(2026, 3, 6, 18, 0)


class Row:
    """A ticket as the rules read it (``rules.Timed``)."""

    def __init__(self, at: datetime, state: str = "new") -> None:
        self.id, self.state, self.priority = 1, state, "normal"
        self.created_at = self.updated_at = at
        self.first_response_at: datetime | None = None
        self.due_at: datetime | None = None


def _entry(calendar: str | None, **waits: object) -> Entry:
    return Entry(id="e", names={"en": "E"}, calendar=calendar, **waits)  # type: ignore[arg-type]


# ---------------------------------------------------------------- picking the calendar


def test_an_entry_counts_in_the_calendar_it_names() -> None:
    assert calendar_for(None, CALENDARS) is OFFICE  # names none: the default
    assert calendar_for("osaka", CALENDARS) is OSAKA
    assert calendar_for(ALWAYS, CALENDARS) == always("Asia/Tokyo")
    assert calendar_for(None, Calendars()) is None  # no [business_hours]: the wall clock


def test_the_same_arrival_is_due_at_different_times_per_entrys_calendar() -> None:
    """Friday 18:00, an 8-hour first response: the office line's is due on Monday at
    17:00, the outage line's (24x7) on Saturday at 02:00."""
    office = rules.deadlines(
        times_of(Row(FRIDAY_18), _entry(None, first_response=8 * HOUR), CALENDARS)
    )
    outage = rules.deadlines(
        times_of(Row(FRIDAY_18), _entry(ALWAYS, first_response=8 * HOUR), CALENDARS)
    )
    assert [d.at for d in office] == [jst(2026, 3, 9, 17, 0)]
    assert [d.at for d in outage] == [jst(2026, 3, 7, 2, 0)]


def test_due_soon_counts_what_is_left_in_the_entrys_calendar() -> None:
    """A 4-hour target from Friday 17:00, seen at 20:30: the 24x7 line has half an hour
    left (due soon); the office's clock stopped at 18:00 and three of its hours are
    left on Monday morning."""
    schedule = ScheduleSettings(due_soon=HOUR, due_soon_percent=100)
    ticket = Row(jst(2026, 3, 6, 17, 0))
    outage = times_of(ticket, _entry(ALWAYS, first_response=4 * HOUR), CALENDARS)
    office = times_of(ticket, _entry(None, first_response=4 * HOUR), CALENDARS)
    now = jst(2026, 3, 6, 20, 30)
    assert rules.sla_state(outage, now, schedule)[0] is rules.SlaState.DUE_SOON
    assert rules.sla_state(office, now, schedule)[0] is rules.SlaState.OK


def test_working_day_waits_per_entry() -> None:
    """``stale_after: 1bd`` left on Friday 18:00: the office reminds on Monday, the
    24x7 line on Saturday, the Osaka site on Tuesday (its Monday is a holiday); and an
    entry's ``auto_close_after: 2bd`` likewise."""
    ticket = Row(FRIDAY_18, state="open")
    first = {}
    for name in (None, ALWAYS, "osaka"):
        t = times_of(ticket, _entry(name, stale_after=WorkingDays(1)), CALENDARS)
        first[name] = next(
            at for at in (FRIDAY_18 + HOUR * h for h in range(1, 200)) if rules.stale_period(t, at)
        )
    assert first == {
        None: jst(2026, 3, 9, 18, 0),
        ALWAYS: jst(2026, 3, 7, 18, 0),
        "osaka": jst(2026, 3, 10, 18, 0),
    }
    pending = Row(FRIDAY_18, state="pending")
    sched = ScheduleSettings(pending_reminder_after=10 * DAY, pending_close_after=20 * DAY)
    outage = times_of(pending, _entry(ALWAYS, auto_close_after=WorkingDays(2)), CALENDARS)
    due = rules.pending_due(outage, jst(2026, 3, 8, 18, 0), sched)  # Sunday
    assert due is not None and due.action is PendingAction.CLOSE
    office = times_of(pending, _entry(None, auto_close_after=WorkingDays(2)), CALENDARS)
    assert rules.pending_due(office, jst(2026, 3, 10, 17, 59), sched) is None
    assert rules.pending_due(office, jst(2026, 3, 10, 18, 0), sched) is not None


def test_the_schedules_own_waits_keep_the_default_calendar() -> None:
    """``[schedule] pending_reminder_after = "1bd"`` is the team's working day, whatever
    the entry's calendar: a ticket of the 24x7 line left pending on Friday evening is
    followed up on Monday, not on Saturday."""
    sched = ScheduleSettings(
        pending_reminder_after=WorkingDays(1), pending_close_after=WorkingDays(5)
    )
    t = times_of(Row(FRIDAY_18, state="pending"), _entry(ALWAYS), CALENDARS)
    assert rules.pending_due(t, jst(2026, 3, 8, 20, 0), sched) is None
    due = rules.pending_due(t, jst(2026, 3, 9, 18, 0), sched)
    assert due is not None and due.action is PendingAction.REMIND


def test_a_refiled_ticket_counts_in_its_new_entrys_calendar_from_its_arrival() -> None:
    """The deadlines are computed from the ticket's times each time (as Zammad
    recomputes on a change of SLA): refiled from the office line to the outage line,
    Friday 18:00's 8-hour target is Saturday 02:00, as if it had come there."""
    ticket = Row(FRIDAY_18)
    before = rules.deadlines(times_of(ticket, _entry(None, first_response=8 * HOUR), CALENDARS))
    after = rules.deadlines(times_of(ticket, _entry(ALWAYS, first_response=8 * HOUR), CALENDARS))
    assert before[0].at != after[0].at
    assert after[0].at == jst(2026, 3, 7, 2, 0)


def test_ticket_times_carry_both_calendars() -> None:
    t = times_of(Row(FRIDAY_18), _entry("osaka"), CALENDARS)
    assert isinstance(t, TicketTimes)
    assert (t.hours, t.schedule_hours) == (OSAKA, OFFICE)


# ---------------------------------------------------------------- the config


def test_named_calendars_beside_the_default(tmp_path: Path) -> None:
    (tmp_path / "holidays-osaka.txt").write_text("2026-03-09 site holiday\n", encoding="utf-8")
    settings = load_toml(
        tmp_path,
        TOKYO_LOCAL,
        '[business_hours]\nmon = "09:00-18:00"',
        "[[business_hours.calendars]]",
        'name = "osaka"',
        'tue = "08:00-17:00"',
        'holidays_file = "holidays-osaka.txt"',
        "[[business_hours.calendars]]",
        'name = "berlin"',
        'timezone = "Europe/Berlin"',
        'wed = "09:00-17:00"',
    )
    default = settings.business_hours
    assert default is not None and default.week[0] == ((540, 1080),)  # unchanged
    named = dict(settings.calendars.named)
    assert named["osaka"].week[1] == ((480, 1020),)
    assert named["osaka"].holidays == {date(2026, 3, 9)}
    assert named["osaka"].timezone == "Asia/Tokyo"  # [gateway] timezone unless given
    assert named["berlin"].timezone == "Europe/Berlin"
    assert named[ALWAYS] == always("Asia/Tokyo")
    assert settings.calendars.default == default


def test_named_calendars_alone_leave_the_default_on_the_wall_clock(tmp_path: Path) -> None:
    settings = load_toml(
        tmp_path, LOCAL, '[[business_hours.calendars]]\nname = "office"\nmon = "09:00-18:00"'
    )
    assert settings.business_hours is None
    assert "office" in settings.calendars.names


def test_the_schedules_working_days_need_the_default_calendar(tmp_path: Path) -> None:
    err = config_error(
        tmp_path,
        LOCAL,
        '[schedule]\npending_reminder_after = "1bd"\npending_close_after = "3bd"',
        '[[business_hours.calendars]]\nname = "office"\nmon = "09:00-18:00"',
    )
    assert err.key == "schedule.pending_reminder_after"


@pytest.mark.parametrize(
    ("lines", "key", "words"),
    [
        (
            ['name = "osaka"', 'mon = "18:00-09:00"'],
            "business_hours.calendars[0].mon",
            "not working hours",
        ),
        (
            ['name = "osaka"', 'mondays = "09:00-18:00"'],
            "business_hours.calendars[0].mondays",
            "unknown",
        ),
        (['name = "osaka"'], "business_hours.calendars[0]", "no working hours"),
        (['mon = "09:00-18:00"'], "business_hours.calendars[0].name", "name"),
        (
            ['name = "Osaka Site"', 'mon = "09:00-18:00"'],
            "business_hours.calendars[0].name",
            "name",
        ),
        (['name = "always"', 'mon = "09:00-18:00"'], "business_hours.calendars[0].name", "always"),
        (
            ['name = "x"', 'timezone = "Mars/Olympus"', 'mon = "09:00-18:00"'],
            "business_hours.calendars[0].timezone",
            "Mars/Olympus",
        ),
        (
            ['name = "x"', 'mon = "09:00-18:00"', 'holidays_file = "nowhere.txt"'],
            "business_hours.calendars[0].holidays_file",
            "no such file",
        ),
    ],
)
def test_a_calendars_mistake_names_its_key_and_the_file(
    tmp_path: Path, lines: list[str], key: str, words: str
) -> None:
    err = config_error(tmp_path, LOCAL, "[[business_hours.calendars]]", *lines)
    assert err.key == key
    assert err.path.endswith("gateway.toml")
    assert words in err.problem


def test_two_calendars_of_one_name_are_refused(tmp_path: Path) -> None:
    err = config_error(
        tmp_path,
        LOCAL,
        '[[business_hours.calendars]]\nname = "osaka"\nmon = "09:00-18:00"',
        '[[business_hours.calendars]]\nname = "osaka"\ntue = "09:00-18:00"',
    )
    assert err.key == "business_hours.calendars[1].name"


def test_a_bad_calendar_stops_a_command_with_exit_78(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(
        tmp_path, extra='[[business_hours.calendars]]\nname = "osaka"\nmon = "9-18"\n'
    )
    ran = run(config, "catalog", "check", capsys=capsys)
    assert ran.code == 78
    assert "gateway.toml" in ran.err and "business_hours.calendars[0].mon" in ran.err


# ---------------------------------------------------------------- the catalog

ENTRY = """
entries:
  - id: outage
    name: Outages
    keywords: [{{term: down, weight: 3}}]
    {body}
  - id: other
    name: Other
    fallback: true
    manager: boss@example.test
"""


def _catalog(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "catalog.yaml"
    path.write_text(ENTRY.format(body=body), encoding="utf-8")
    return path


def test_an_entry_names_its_calendar(tmp_path: Path) -> None:
    path = _catalog(tmp_path, "calendar: osaka\n    stale_after: 1bd")
    entry = load_catalog(path, calendars=frozenset({"osaka"})).entry("outage")
    assert entry is not None and entry.calendar == "osaka"
    assert entry.stale_after == WorkingDays(1)  # its own calendar has working days


def test_always_needs_no_config_and_has_working_days(tmp_path: Path) -> None:
    path = _catalog(tmp_path, "calendar: always\n    auto_close_after: 2bd")
    entry = load_catalog(path).entry("outage")
    assert entry is not None and entry.calendar == ALWAYS
    assert entry.auto_close_after == WorkingDays(2)


@pytest.mark.parametrize("body", ["calendar: osak", "calendar: [osaka]", "calendar: ''"])
def test_an_unknown_calendar_names_the_entry_the_key_and_the_file(
    tmp_path: Path, body: str
) -> None:
    path = _catalog(tmp_path, body)
    with pytest.raises(CatalogError) as caught:
        load_catalog(path, working_days=True, calendars=frozenset({"osaka"}))
    [problem] = caught.value.problems
    assert str(path) in str(caught.value)
    message = str(problem.message)
    assert "'outage'" in message and "calendar" in message and "osaka" in message
    assert problem.line == 6


@pytest.mark.parametrize(("names", "code"), [("", 65), ('name = "osaka"\n', 0)])
def test_catalog_check_knows_the_configs_calendars(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], names: str, code: int
) -> None:
    path = _catalog(tmp_path, "calendar: osaka")
    extra = f'[[business_hours.calendars]]\n{names}mon = "09:00-18:00"\n' if names else ""
    ran = run(write_config(tmp_path, extra=extra), "catalog", "check", str(path), capsys=capsys)
    assert ran.code == code, ran
    if code:
        assert f"{path}:6:" in ran.out and "'outage'" in ran.out and "calendar" in ran.out


# ---------------------------------------------------------------- the sweep

CATALOG = """
entries:
  - id: outage
    name: {ja: 障害, en: Outages}
    keywords: [{term: down, weight: 3}]
    assignee: ops2@example.test
    calendar: always
    sla: {first_response: 8h}
  - id: office
    name: {ja: 事務, en: Office}
    keywords: [{term: paper, weight: 3}]
    assignee: ops2@example.test
    sla: {first_response: 8h}
  - id: other
    name: {ja: その他, en: Other}
    fallback: true
    manager: boss@example.test
"""


@pytest.fixture
def gw(settings: Settings, tmp_path: Path) -> Iterator[tuple[App, FakeClock]]:
    clock = FakeClock(FRIDAY_18)
    site = replace(
        scheduled_settings(settings, tmp_path, ScheduleSettings(digest="off"), CATALOG),
        business_hours=OFFICE,
    )
    site = replace(site, gateway=replace(site.gateway, timezone="Asia/Tokyo"))
    app = make_app(site, clock)
    yield app, clock
    app.close()


def _overdue_told(app: App) -> int:
    return len(outbox(app, "sla_overdue")) + len(outbox(app, "sla_overdue_list"))


def test_the_sweep_tells_the_outage_line_on_saturday_and_the_office_on_monday(
    gw: tuple[App, FakeClock],
) -> None:
    app, clock = gw
    open_ticket(app, "Server down", key="cal-outage")
    open_ticket(app, "Paper jam", key="cal-office")
    clock.advance(8 * HOUR)  # Saturday 02:00
    scheduler.tick(app)
    assert _overdue_told(app) == 1  # the outage ticket only
    clock.advance(2 * DAY + 14 * HOUR)  # Monday 16:00
    scheduler.tick(app)
    assert _overdue_told(app) == 1
    clock.advance(HOUR)  # Monday 17:00: the office's 8 working hours are up
    scheduler.tick(app)
    assert _overdue_told(app) == 2


def _refile(app: App, tid: int, entry: str) -> None:
    with transaction(app.sessions) as s:
        ticket = tickets.get(s, tid)
        assert ticket is not None
        changes.set_category(
            s, ticket, entry, app.clock.now(), actor="ops@example.test", channel="cli"
        )


def test_a_ticket_refiled_to_the_outage_line_is_due_by_its_calendar(
    gw: tuple[App, FakeClock],
) -> None:
    app, clock = gw
    tid = open_ticket(app, "Paper jam", key="cal-refile")
    clock.advance(HOUR)
    _refile(app, tid, "outage")
    clock.advance(6 * HOUR + 59 * MINUTE)  # Saturday 01:59
    scheduler.tick(app)
    assert _overdue_told(app) == 0
    clock.advance(MINUTE)  # Saturday 02:00: 8 hours since it came, on the 24x7 clock
    scheduler.tick(app)
    assert _overdue_told(app) == 1


def test_refiled_after_its_new_deadline_it_is_overdue_at_the_next_sweep(
    gw: tuple[App, FakeClock],
) -> None:
    """Counted again from its arrival: moved to the 24x7 line on Saturday at 09:00, its
    8-hour first response was due at 02:00 already, and the next sweep tells it."""
    app, clock = gw
    tid = open_ticket(app, "Paper jam", key="cal-late")
    clock.advance(15 * HOUR)  # Saturday 09:00: the office's clock has not run since 18:00
    scheduler.tick(app)
    assert _overdue_told(app) == 0
    _refile(app, tid, "outage")
    scheduler.tick(app)
    assert _overdue_told(app) == 1


def test_the_brief_and_the_boards_counts_use_the_entrys_calendar(
    gw: tuple[App, FakeClock],
) -> None:
    """The assignee's new-ticket brief says each ticket's own deadline, and at Saturday
    03:00 the board and ``stats`` count the outage ticket overdue, the office one not."""
    app, clock = gw
    outage = open_ticket(app, "Server down", key="cal-brief-1")
    office = open_ticket(app, "Paper jam", key="cal-brief-2")
    said = {
        t: " ".join(text_of(r) for r in outbox(app) if r.ticket_id == t) for t in (outage, office)
    }
    assert "2026年3月7日(土) 2:00" in said[outage]  # ops2 reads Japanese
    assert "2026年3月9日(月) 17:00" in said[office]
    clock.advance(9 * HOUR)  # Saturday 03:00
    with transaction(app.sessions) as s:
        counts = workload.sla_counts(
            stats.open_times(s), app.catalog.current, app.settings, clock.now(), frozenset()
        )
    assert counts.by_entry.get("outage", Counter())["overdue"] == 1
    assert counts.by_entry.get("office", Counter())["overdue"] == 0


def test_tickets_show_reads_the_calendars_from_the_config(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CLI as the daemon: the named calendar from the file, its holiday from its own
    file; Friday 18:00's 8 hours at a site whose Monday is a holiday are Tuesday 17:00."""
    (tmp_path / "holidays-osaka.txt").write_text("2026-03-09\n", encoding="utf-8")
    (tmp_path / "catalog.yaml").write_text(
        CATALOG.replace("calendar: always", "calendar: osaka"), encoding="utf-8"
    )
    extra = (
        f'[catalog]\npath = "{tmp_path / "catalog.yaml"}"\n'
        + members_toml(MEMBERS)
        + '[business_hours]\nmon = "09:00-18:00"\n'
        + '[[business_hours.calendars]]\nname = "osaka"\nholidays_file = "holidays-osaka.txt"\n'
        + "".join(f'{d} = "09:00-18:00"\n' for d in ("mon", "tue", "wed", "thu", "fri"))
    )
    config = write_config(tmp_path, url=db_url, secret_file=True, extra=extra)
    text = config.read_text(encoding="utf-8").replace(
        "[gateway]\n", '[gateway]\ntimezone = "Asia/Tokyo"\n', 1
    )
    config.write_text(text, encoding="utf-8")
    app = make_app(load_settings(config), FakeClock(FRIDAY_18))
    try:
        tid = open_ticket(app, "Server down", key="cal-show")
    finally:
        app.close()
    data = json.loads(run(config, "tickets", "show", str(tid), "--json", capsys=capsys).out)
    due = [(d["target"], datetime.fromisoformat(d["at"])) for d in data["deadlines"]]
    assert due == [("first_response", jst(2026, 3, 10, 17, 0))]
