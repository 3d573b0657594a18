"""A member may read times in their own zone (``[[members]] time_zone``), as Zammad and
RT users do: the notices and reminders mailed to them, their digest and the pages they
see signed in say every time in that zone, with its name. What a requester reads, and
the team's own calendar (SLA, business hours, the digest's week and day), stay the
team's (``[gateway] timezone``)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gateway.config.settings import Member, ScheduleSettings, Settings
from gateway.core import zone
from gateway.core.clock import FakeClock
from gateway.core.i18n import N_
from gateway.notify import views as v
from gateway.notify.reader_zone import in_reader_zone
from gateway.runtime.app import build
from gateway.scheduling import scheduler
from tests.support.app import MEMBERS, reply_address
from tests.support.cli import run
from tests.support.config import LOCAL, config_error, load_toml
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, text_of
from tests.support.scheduling import make_app, open_ticket, scheduled_settings
from tests.support.unwrap import unwrapped
from tests.support.web import member_page, rig

LONDON = "Europe/London"  # GMT in March (BST from the 29th): 9 hours behind Tokyo
BOSS = "boss@example.test"  # the plain catalog's manager: told of every ticket (ja)
OPS = "ops@example.test"  # the example catalogs' assignee (en)
ALICE = "alice@customer.test"
MONDAY = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo, 01:00 in London


def _team(email: str, time_zone: str) -> tuple[Member, ...]:
    """The test team with ``email`` reading times in ``time_zone``."""
    return tuple(replace(m, time_zone=time_zone) if m.email == email else m for m in MEMBERS)


# --- the notices mailed to a member -------------------------------------------------


def _notice_and_answer(settings: Settings, boss_zone: str) -> tuple[str, str]:
    """The boss's notice of a requester's reply, and the requester's acknowledgement,
    in a team whose boss reads ``boss_zone``: the same mails at the same instants."""
    clock = FakeClock(MONDAY)
    app = build(replace(settings, members=_team(BOSS, boss_zone)), clock)
    try:
        out = deliver(app, mail(subject="VPN down", message_id="<r-1@customer.test>"))
        assert out.ticket_id is not None
        clock.advance(timedelta(minutes=30))  # she writes again at 01:30 UTC
        to = reply_address(app, out.ticket_id, ALICE)
        deliver(app, mail(subject="Re: VPN down", body="Still down.\n", to=to))
        [notice] = [m for m in outbox(app, "ticket_notice") if m.recipients == [BOSS]]
        [answer] = outbox(app, "acknowledgement")
        return text_of(notice), text_of(answer)
    finally:
        app.close()


def _lines_with(text: str, words: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if words in line]


def test_the_same_notice_says_each_members_own_time(settings: Settings) -> None:
    london, answer_london = _notice_and_answer(settings, LONDON)
    tokyo, answer_tokyo = _notice_and_answer(settings, "Asia/Tokyo")
    # the item of the requester's reply, "<when> <who> wrote:", in each reader's clock
    assert "2026年3月2日(月) 10:30 JST" in tokyo and "GMT" not in tokyo
    assert "2026年3月2日(月) 1:30 GMT" in london and "JST" not in london
    # the same sentence around the time: only the time differs
    said = [line.replace("1:30 GMT", "10:30 JST") for line in _lines_with(london, "1:30 GMT")]
    assert said and all(line in tokyo for line in said)
    # the requester reads the team's time whatever a member reads
    assert "JST" in answer_london and "GMT" not in answer_london
    assert answer_london == answer_tokyo


def test_a_team_member_without_a_zone_reads_the_teams(settings: Settings) -> None:
    """Another team's zone: a member with none of their own follows it."""
    berlin = replace(settings, gateway=replace(settings.gateway, timezone="Europe/Berlin"))
    text, _ = _notice_and_answer(berlin, "")
    assert "2026年3月2日(月) 2:30 CET" in text


# --- the digest and the reminders ---------------------------------------------------


def test_a_digest_lists_the_members_times_in_the_teams_week(
    settings: Settings, tmp_path: Path
) -> None:
    """Digests at Monday 07:00 in Tokyo: Sunday 22:00 in London. The week the digest
    covers and the day it is sent are the team's; the deadlines it lists are the
    reader's."""
    clock = FakeClock(MONDAY - timedelta(hours=5))  # Monday 05:00 JST
    cfg = scheduled_settings(settings, tmp_path, ScheduleSettings(digest="mon 07:00"))
    team = tuple(
        replace(m, time_zone=LONDON) if m.email == OPS else replace(m, locale="en") for m in MEMBERS
    )
    app = make_app(replace(cfg, members=team), clock)
    try:
        open_ticket(app, "VPN down at the branch", key="v1")  # ops's: 4h to a first answer
        open_ticket(app, "Purchase of a laptop", key="p1")  # ops2's (Tokyo): a digest too
        clock.advance(timedelta(hours=5))  # Monday 10:00 JST: an hour past it
        scheduler.tick(app)
        # our sentences as written, not as wrapped into lines (tests/support/unwrap.py)
        digests = {m.recipients[0]: unwrapped(text_of(m)) for m in outbox(app, "weekly_digest")}
        [overdue] = [m for m in outbox(app, "sla_overdue") if m.recipients == [OPS]]
        [brief] = [m for m in outbox(app, "new_ticket") if m.recipients == [OPS]]
    finally:
        app.close()
    london, tokyo = digests[OPS], digests["ops2@example.test"]
    assert "OVERDUE since Mon, Mar 2, 2026, 00:00 GMT" in london  # 09:00 JST
    assert "JST" not in london
    week = re.compile(r"your weekly digest for (.+)\.")
    assert week.findall(london) == week.findall(tokyo) != []  # the team's week, one for all
    assert "(Mon, Mar 2, 2026, 00:00 GMT)" in unwrapped(text_of(overdue))  # the reminder too
    # the new ticket's brief: its deadlines, 4h and 2d after Monday 05:00 JST
    said = unwrapped(text_of(brief))
    assert "Mon, Mar 2, 2026, 00:00 GMT" in said
    assert "Tue, Mar 3, 2026, 20:00 GMT" in said and "JST" not in said


# --- the pages a member sees signed in ----------------------------------------------


def test_pages_say_the_signed_in_members_time(settings: Settings) -> None:
    clock = FakeClock(MONDAY)
    with rig(settings, clock, members=_team(OPS, LONDON)) as r:
        tid = deliver(r.app, mail(subject="Printer jam on 3F")).ticket_id
        ticket = member_page(r, OPS, f"/tickets/{tid}")
        listed = member_page(r, OPS, "/tickets")
        board = member_page(r, OPS, "/board")
        tokyo = member_page(r, "ops2@example.test", f"/tickets/{tid}")  # the team's (ja)
    assert "<dd>Mon, Mar 2, 2026, 01:00 GMT</dd>" in ticket  # opened
    assert "<td>Mon, Mar 2, 2026, 01:00 GMT</td>" in listed  # updated
    # every time the page says, the mails' own texts aside (what the requester was sent)
    ours = re.sub(r"<pre class=\"mail\">.*?</pre>", "", ticket + listed + board, flags=re.S)
    assert "JST" not in ours.split("<main", 1)[1]
    assert "<dd>2026年3月2日(月) 10:00 JST</dd>" in tokyo


# --- the config ---------------------------------------------------------------------

MEMBER = '[[members]]\nemail = "ops@example.test"\n'


def test_a_members_zone_is_read_and_picked_for_them_alone(tmp_path: Path) -> None:
    settings = load_toml(tmp_path, LOCAL, MEMBER + 'time_zone = "Europe/London"')
    assert settings.members[0].time_zone == LONDON
    assert settings.zone_of("ops@example.test") == LONDON
    assert settings.zone_of("OPS@Example.test") == LONDON  # an address as mail spells it
    assert settings.zone_of("alice@customer.test") == "Asia/Tokyo"  # a requester: the team's
    assert settings.zone_of(None) == "Asia/Tokyo"  # nobody signed in
    plain = load_toml(tmp_path, LOCAL, MEMBER)
    assert plain.members[0].time_zone == "" and plain.zone_of("ops@example.test") == "Asia/Tokyo"


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ("Europe/Londn", "'Europe/London'"),  # the one meant
        ("EST", "'America/New_York'"),  # no summer time, as for the team
        ("MST", "'America/Denver'"),
        ("localtime", "host"),
    ],
)
def test_a_members_zone_is_refused_as_the_teams_is(tmp_path: Path, written: str, said: str) -> None:
    err = config_error(tmp_path, LOCAL, MEMBER + f'time_zone = "{written}"')
    assert err.key == "members[0].time_zone" and said in str(err)


def test_the_command_names_the_key_and_the_file_and_exits_78(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "gateway.toml"
    cfg.write_text(LOCAL + MEMBER + 'time_zone = "EST"\n', encoding="utf-8")
    ran = run(cfg, "catalog", "check", capsys=capsys)
    assert ran.code == 78
    assert "[members[0].time_zone]" in ran.err and str(cfg) in ran.err


# --- the walk that moves a view's times ---------------------------------------------


def test_every_time_in_a_view_moves_and_nothing_else_does() -> None:
    at = zone.in_zone(MONDAY, "Asia/Tokyo")  # as the views are built: the team's zone
    due = zone.Day(MONDAY.date())
    line = v.DeadlineLine("resolve", at)
    reason = N_("{when} and {day}", when=at, day=due)
    moved = in_reader_zone((line, [reason], {"k": at}, "2026-03-02 10:00 JST", 3), LONDON)
    (line2, [reason2], mapping, text, n) = moved
    assert line2 == v.DeadlineLine("resolve", "2026-03-02 01:00 GMT")
    assert isinstance(line2.at, zone.Moment) and line2.at.at == MONDAY  # the same instant
    assert reason2.params["when"] == "2026-03-02 01:00 GMT" and reason2.params["day"] is due
    assert mapping == {"k": "2026-03-02 01:00 GMT"}
    assert (text, n) == ("2026-03-02 10:00 JST", 3)  # text is data: as it is
    assert in_reader_zone(line, "Asia/Tokyo") == line
