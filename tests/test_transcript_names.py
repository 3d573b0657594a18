"""A member's transcript names the assignee as the team knows them.

The transcript answering ``/assign Ops Two`` said ``assigned to ops2@example.test``
(``担当者を ops2@example.test にしました``), and ``/assign ops`` on a ticket Ops One
has ``ops@example.test has it already``, where the notices, the pages and the
digest name the member by their ``[[members]]`` name. A member with no name is still
said by the address."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from gateway.config.settings import Member, Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App, build
from tests.support.app import MEMBERS, reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, words_of

NAMELESS = Member(email="night@example.test", role="ops", locale="en")


@pytest.fixture
def app(settings: Settings, clock: FakeClock) -> Iterator[App]:
    gw = replace(settings.gateway, per_person_domains=("example.test",))
    application = build(replace(settings, gateway=gw, members=(*MEMBERS, NAMELESS)), clock)
    yield application
    application.close()


def _commands(app: App, member: Member, commands: str) -> str:
    """The transcript ``member`` gets for a reply of ``commands`` to ticket 1."""
    to = reply_address(app, 1, member.email)
    sender = f"{member.name} <{member.email}>" if member.name else member.email
    deliver(app, mail("Re: VPN", commands + "\n", sender=sender, to=to))
    transcript = outbox(app, "command_result")[-1]
    assert transcript.recipients == [member.email]
    return words_of(transcript)


@pytest.fixture
def ticket(app: App) -> None:
    assert deliver(app, mail("VPN")).ticket_id == 1


@pytest.mark.usefixtures("ticket")
def test_the_assignee_is_named_in_english(app: App) -> None:
    ops, ops2 = MEMBERS[0], MEMBERS[1]  # ops2 reads Japanese
    text = _commands(app, ops, "/assign ops")
    assert "assigned to Ops One" in text and "ops@example.test" not in text.split("--")[0]
    assert "Ops One has it already: nothing changed" in _commands(app, NAMELESS, "/assign ops")
    assert "すでに Ops One が担当しています" in _commands(app, ops2, "/assign ops")


@pytest.mark.usefixtures("ticket")
def test_the_assignee_is_named_in_japanese(app: App) -> None:
    ops2 = MEMBERS[1]  # reads Japanese
    assert "担当者を Ops Two にしました" in _commands(app, ops2, "/assign ops2")


@pytest.mark.usefixtures("ticket")
def test_a_member_without_a_name_is_said_by_the_address(app: App) -> None:
    assert "assigned to night@example.test" in _commands(app, MEMBERS[0], "/assign night")
