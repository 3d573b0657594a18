"""What a Japanese ops member naturally writes in a reply command, through the real
pipeline: ``/priority 至急`` (one of the team's urgent subject markers, so a word the
team itself uses for the level), ``/due 3/10`` and ``/due 3月10日`` (no year: the next
such day), and a refusal that quotes the member's words as each language quotes
(「bad-address」 in Japanese, never Python's ``'bad-address'`` inside Japanese text).
README "Working a ticket by reply" and "Priority"."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from gateway.config.settings import Settings
from gateway.config.work import PrioritySettings
from gateway.core.clock import FakeClock
from gateway.core.i18n import Msg, translate
from gateway.core.priority import DEFAULT_MARKERS, Priority
from gateway.pipeline import priority
from gateway.pipeline.due_dates import due_date
from gateway.runtime.app import App, build
from tests.support.app import MEMBERS, reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, words_of

OPS = "ops@example.test"  # reads English
OPS2 = "ops2@example.test"  # reads Japanese
# 2026-12-06 01:00 in Tokyo (the team's zone), still the 5th in UTC
NOW = datetime(2026, 12, 5, 16, 0, tzinfo=UTC)
MARKERS = {"urgent": DEFAULT_MARKERS["urgent"], "high": ("【重要】",), "low": ("[FYI]",)}


@pytest.fixture
def team(settings: Settings) -> Iterator[App]:
    """The test team, with a [priority] high and low list of its own."""
    chosen = replace(settings, members=MEMBERS, priority=PrioritySettings(MARKERS))
    app = build(chosen, FakeClock(NOW))
    yield app
    app.close()


def _reply(app: App, member: str, line: str) -> tuple[int, str]:
    """A new ticket, then ``member``'s reply holding ``line``: the ticket and what the
    transcript said."""
    tid = deliver(app, mail(subject="VPN down", sender="Alice <alice@customer.test>")).ticket_id
    assert tid is not None
    to = reply_address(app, tid, member)
    body = f"{line}\n"
    deliver(app, mail(subject=f"Re: [#{tid}] VPN down", sender=f"<{member}>", to=to, body=body))
    *_, transcript = [m for m in outbox(app, "command_result") if m.recipients == [member]]
    return tid, words_of(transcript)


# ------------------------------------------------------------------ /priority


@pytest.mark.parametrize(
    ("word", "level"),
    [
        ("至急", "urgent"),  # a default urgent marker
        ("【至急】", "urgent"),  # written with its brackets, as in a subject
        ("緊急", "urgent"),
        ("［ｕｒｇｅｎｔ］", "urgent"),  # the marker [URGENT], width and case aside
        ("【重要】", "high"),  # the team's own high marker
        ("[fyi]", "low"),  # the team's own low marker, in another case
        ("高", "high"),  # the level's Japanese name
    ],
)
@pytest.mark.parametrize("member", [OPS, OPS2])
def test_priority_takes_the_teams_words_for_a_level(
    team: App, member: str, word: str, level: str
) -> None:
    tid, text = _reply(team, member, f"/priority {word}")
    assert show(team, tid)["priority"] == level, text


def test_a_marker_the_team_turned_off_is_no_level_word() -> None:
    """``urgent = []``: 至急 is no word of the team's any more (緊急 stays: it is the
    level's own Japanese name)."""
    off: dict[str, tuple[str, ...]] = {"urgent": ()}
    assert isinstance(priority.by_command("至急", "normal", requester=False, markers=off), Msg)
    said = priority.by_command("緊急", "normal", requester=False, markers=off)
    assert said == priority.SetPriority(Priority.URGENT)


def test_a_requester_still_may_not_raise_it_by_a_marker() -> None:
    said = priority.by_command("至急", "normal", requester=True, markers=MARKERS)
    assert not isinstance(said, priority.SetPriority)


# ------------------------------------------------------------------ /due


@pytest.mark.parametrize(
    ("word", "day"),
    [
        ("3/10", "2027-03-10"),  # past this year: next year's
        ("3月10日", "2027-03-10"),
        ("３月１０日", "2027-03-10"),  # typed with the IME on
        ("12/31", "2026-12-31"),  # still ahead this year
        ("12/6", "2026-12-06"),  # today in Tokyo counts
        ("12/5", "2027-12-05"),  # today in UTC, yesterday in Tokyo
        ("2/29", "2028-02-29"),  # the next year that has one
    ],
)
def test_a_day_without_a_year_is_its_next_one(word: str, day: str) -> None:
    due = due_date(word, "Asia/Tokyo", NOW)
    assert isinstance(due, datetime), translate(due, "en")
    assert due.date().isoformat() == day
    assert (due.hour, due.minute) == (23, 59)


@pytest.mark.parametrize("member", [OPS, OPS2])
def test_due_month_day_by_reply(team: App, member: str) -> None:
    tid, text = _reply(team, member, "/due 3月10日")
    assert str(show(team, tid)["due_at"]).startswith("2027-03-10"), text


@pytest.mark.parametrize("word", ["2/30", "13/1", "0/5"])
def test_no_such_month_day_is_refused(word: str) -> None:
    assert not isinstance(due_date(word, "Asia/Tokyo", NOW), datetime)


@pytest.mark.parametrize(
    ("member", "forms"),
    [
        (OPS, ("2026-03-10", "2026/3/10", "3/10")),
        (OPS2, ("2026-03-10", "2026年3月10日", "3月10日")),
    ],
)
def test_the_refusal_names_the_forms_that_work(
    team: App, member: str, forms: tuple[str, ...]
) -> None:
    tid, text = _reply(team, member, "/due someday")
    assert show(team, tid)["due_at"] is None
    assert "YYYY" not in text, text
    for form in forms:
        assert form in text, (form, text)


# ------------------------------------------------------------------ quoting


@pytest.mark.parametrize(
    ("member", "quoted"),
    [(OPS, "'bad-address'"), (OPS2, "「bad-address」")],
)
def test_cc_refusal_quotes_as_the_language_quotes(team: App, member: str, quoted: str) -> None:
    _, text = _reply(team, member, "/cc add bad-address")
    assert quoted in text, text
    if member == OPS2:
        assert "'bad-address'" not in text, text


@pytest.mark.parametrize(
    ("line", "word"),
    [
        ("/priority someday", "someday"),
        ("/close whenever", "whenever"),
        ("/due someday", "someday"),
        ("/due 2/30", "2/30"),
        ("/merge abc", "abc"),
        ("/assign nobody-here", "nobody-here"),
        ("/answer nothing-saved", "nothing-saved"),
        ("/field nosuch value", "nosuch"),
    ],
)
def test_a_refusal_in_japanese_quotes_the_members_words_in_brackets(
    team: App, line: str, word: str
) -> None:
    _, text = _reply(team, OPS2, line)
    assert f"「{word}」" in text, text
    assert f"'{word}'" not in text, text


def test_an_invisible_character_in_the_quoted_words_stays_visible(team: App) -> None:
    """What repr() was also for: a control or format character in the words is shown as
    an escape, not put raw into the mail (a right-to-left override turns what follows)."""
    _, text = _reply(team, OPS2, "/cc add bad\u202eaddress")
    assert "\u202e" not in text
    assert "「bad\\u202eaddress」" in text, text
