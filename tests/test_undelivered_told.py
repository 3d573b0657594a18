"""A mail to a customer that the relay refuses for good is told to the member who has
the ticket, in their language, once: not only an event in the history that nobody
opens while they believe the customer has their answer. A mail to a member that fails
is not told by mail (it would go where the last one could not: a loop)."""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from gateway.config.settings import Member, OutboundSettings, Settings
from gateway.core.clock import FakeClock
from gateway.outbound.sender import Sender
from gateway.outbound.transport import transport_for
from gateway.runtime.app import App, build
from gateway.tickets import changes
from store import outbox, tickets
from store.db import transaction
from tests.support.app import MEMBERS, reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, show
from tests.support.sink import Received, SinkHandler, local_relay, sink
from tests.support.unwrap import unwrapped

ALICE = "alice@customer.test"
BOSS = "boss@example.test"  # the fallback entry's manager, Japanese
OPS = "ops@example.test"  # English


class Refusing(SinkHandler):
    """Refuses ``refused`` addresses at RCPT with 550 5.1.1, takes every other."""

    def __init__(self, *refused: str) -> None:
        super().__init__()
        self.refused = set(refused)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.refused:
            return f"550 5.1.1 <{address}>: user unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def relay(settings: Settings) -> OutboundSettings:
    return local_relay(settings)


def _drain(app: App, relay: OutboundSettings) -> Any:
    return Sender(relay, app.clock, app.sessions, lambda: transport_for(relay)).drain()


def _told(got: list[Received], who: str) -> list[email.message.EmailMessage]:
    found = []
    for r in got:
        msg = email.message_from_bytes(r.data, policy=email.policy.default)
        if r.rcpt_tos == [who] and "ticket_notice" in str(msg["X-Ticket-Gateway"]):
            found.append(msg)
    return found


def _parsed(r: Received) -> Any:
    return email.message_from_bytes(r.data, policy=email.policy.default)


def _text(msg: Any) -> str:
    return unwrapped(str(msg.get_body(("plain",)).get_content()))  # not their line breaks


def test_the_member_who_has_the_ticket_is_told_in_their_language_once(
    team: App, relay: OutboundSettings, clock: FakeClock
) -> None:
    tid = deliver(team, mail(subject="VPN down", sender=f"Alice <{ALICE}>")).ticket_id
    assert tid is not None
    handler = Refusing(ALICE)
    with sink(relay.port, handler):
        assert _drain(team, relay).failed  # the acknowledgement
        clock.advance(timedelta(hours=1))  # past [mail] coalesce
        _drain(team, relay)
        clock.advance(timedelta(hours=1))
        _drain(team, relay)  # nothing more: told once
    [told] = _told(handler.received, BOSS)
    text = _text(told)
    assert ALICE in text and "550 5.1.1" in text
    assert "届きませんでした" in text and "中継サーバーの応答" in text, text
    assert "could not be delivered" not in text and "relay answered" not in text
    assert not _told(handler.received, OPS)
    assert [e["kind"] for e in show(team, tid)["events"]].count("delivery-failed") == 1


def test_an_english_assignee_reads_it_in_english(
    team: App, relay: OutboundSettings, clock: FakeClock
) -> None:
    tid = deliver(team, mail(subject="VPN down", sender=f"Alice <{ALICE}>")).ticket_id
    assert tid is not None
    deliver(
        team,
        mail(
            subject=f"Re: [#{tid}] VPN down",
            sender=f"Boss <{BOSS}>",
            to=reply_address(team, tid, BOSS),
            body=f"/assign {OPS}\n",
        ),
    )
    handler = Refusing(ALICE)
    with sink(relay.port, handler):
        _drain(team, relay)
        clock.advance(timedelta(hours=1))
        _drain(team, relay)
    told = [m for m in _told(handler.received, OPS) if ALICE in _text(m)]
    assert len(told) == 1
    text = _text(told[0])
    assert "could not be delivered" in text and "the relay answered 550" in text, text
    assert "届きませんでした" not in text


def test_a_notice_to_a_member_that_fails_is_not_told_again_by_mail(
    team: App, relay: OutboundSettings, clock: FakeClock
) -> None:
    deliver(team, mail(subject="VPN down", sender=f"Alice <{ALICE}>"))
    handler = Refusing(ALICE, BOSS)  # the customer's address and the manager's: both gone
    with sink(relay.port, handler):
        for _ in range(4):
            _drain(team, relay)
            clock.advance(timedelta(hours=1))
    assert all(BOSS not in r.rcpt_tos for r in handler.received)
    with transaction(team.sessions) as s:
        to_boss = [r for r in outbox.rows(s) if r.recipients == [BOSS]]
    notices = [r for r in to_boss if r.kind == "ticket_notice"]
    assert len(notices) == 1 and notices[0].state == "failed"  # told once, it failed: done


def test_a_mail_given_up_on_is_told_with_why_in_the_members_language(
    team: App, relay: OutboundSettings, clock: FakeClock
) -> None:
    """The relay was away for give_up_after: what is told is that, and the last reason,
    both in Japanese."""
    deliver(team, mail(subject="VPN down", sender=f"Alice <{ALICE}>"))
    short = replace(relay, give_up_after=timedelta(hours=1))
    _drain(team, short)  # nobody listens: retried
    clock.advance(timedelta(hours=2))
    assert _drain(team, short).failed
    clock.advance(timedelta(hours=1))
    handler = Refusing()
    with sink(relay.port, handler):
        _drain(team, short)
    [told] = [m for m in _told(handler.received, BOSS) if ALICE in _text(m)]
    text = _text(told)
    assert "届きませんでした" in text and ("あきらめ" in text or "諦め" in text), text
    assert "gave up" not in text and "unreachable" not in text, text


class PerRecipient(Refusing):
    """550 for some addresses, 451 for others (until ``well``), 250 for the rest."""

    def __init__(self, refused: str, later: str) -> None:
        super().__init__(refused)
        self.later, self.well = later, False

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address == self.later and not self.well:
            return "451 4.2.2 mailbox over quota, try later"
        return await super().handle_RCPT(server, session, envelope, address, options)


def test_an_answer_to_three_refused_by_one_and_deferred_by_another(
    team: App, relay: OutboundSettings, clock: FakeClock
) -> None:
    """Each of the ticket's people gets the answer as their own mail: the one the relay
    refuses fails alone (told once), the one it defers gets it later, once, and the
    requester once; nobody gets it twice."""
    gone, full = "gone@customer.test", "full@customer.test"
    tid = deliver(team, mail(subject="VPN down", sender=f"Alice <{ALICE}>")).ticket_id
    assert tid is not None
    deliver(
        team,
        mail(
            subject=f"Re: [#{tid}] VPN down",
            sender=f"Boss <{BOSS}>",
            to=reply_address(team, tid, BOSS),
            body=f"/cc add {gone}\n/cc add {full}\n\nThe VPN is back.\n",
        ),
    )
    handler = PerRecipient(refused=gone, later=full)
    with sink(relay.port, handler):
        _drain(team, relay)
        handler.well = True
        for _ in range(3):
            clock.advance(timedelta(hours=1))
            _drain(team, relay)
    answers = [r for r in handler.received if "The VPN is back." in _text(_parsed(r))]
    assert sorted(r.rcpt_tos[0] for r in answers) == [ALICE, full]
    events = [e for e in show(team, tid)["events"] if e["kind"] == "delivery-failed"]
    assert [e["detail"]["recipients"] for e in events] == [[gone]]
    told = _told(handler.received, OPS) + _told(handler.received, BOSS)
    assert sum(gone in _text(m) and "届きませんでした" in _text(m) for m in told) == 1


def _answered_by(team: App, tid: int, member: str, words: str) -> None:
    """``member``'s answer to the ticket, by mail to their reply address."""
    deliver(
        team,
        mail(
            subject=f"Re: [#{tid}] VPN down",
            sender=f"<{member}>",
            to=reply_address(team, tid, member),
            body=f"{words}\n",
        ),
    )


def _undelivered_told(handler: Refusing, who: str, address: str) -> list[str]:
    """The texts of the notices to ``who`` that tell a mail to ``address`` failed."""
    texts = [_text(m) for m in _told(handler.received, who)]
    return [t for t in texts if address in t and ("届きませんでした" in t or "delivered" in t)]


def test_the_member_who_wrote_the_answer_is_told_too_in_their_language(
    team: App, relay: OutboundSettings, clock: FakeClock
) -> None:
    """Ops One answers a ticket Boss has (the entry's manager): the relay refuses the
    answer to the customer. Boss is told, and so is Ops One, who believes the customer
    has it: once each, each in their language, with the ticket and the address."""
    tid = deliver(team, mail(subject="VPN down", sender=f"Alice <{ALICE}>")).ticket_id
    assert tid is not None
    handler = Refusing()  # the acknowledgement goes through
    with sink(relay.port, handler):
        _drain(team, relay)
        _answered_by(team, tid, OPS, "The VPN is back.")
        handler.refused.add(ALICE)
        assert _drain(team, relay).failed  # the answer
        for _ in range(3):
            clock.advance(timedelta(hours=1))  # past [mail] coalesce
            _drain(team, relay)
    [to_author] = _undelivered_told(handler, OPS, ALICE)
    assert "could not be delivered" in to_author and "the relay answered 550" in to_author
    assert f"[#{tid}]" in to_author and "届きませんでした" not in to_author, to_author
    [to_boss] = _undelivered_told(handler, BOSS, ALICE)
    assert "届きませんでした" in to_boss and "550 5.1.1" in to_boss, to_boss
    [event] = [e for e in show(team, tid)["events"] if e["kind"] == "delivery-failed"]
    assert event["detail"]["author"] == OPS


def test_the_author_who_has_the_ticket_is_told_once(
    team: App, relay: OutboundSettings, clock: FakeClock
) -> None:
    tid = deliver(team, mail(subject="VPN down", sender=f"Alice <{ALICE}>")).ticket_id
    assert tid is not None
    handler = Refusing()
    with sink(relay.port, handler):
        _drain(team, relay)
        _answered_by(team, tid, BOSS, "The VPN is back.")
        handler.refused.add(ALICE)
        for _ in range(3):
            _drain(team, relay)
            clock.advance(timedelta(hours=1))
    [told] = _undelivered_told(handler, BOSS, ALICE)
    assert told.count("届きませんでした") == 1, told  # one item, not one as author and one as owner
    assert not _undelivered_told(handler, OPS, ALICE)


def test_the_author_of_an_answer_given_up_on_is_told(
    team: App, relay: OutboundSettings, clock: FakeClock
) -> None:
    """Retries exhausted (the relay away for give_up_after) are told the author as a
    refusal is."""
    tid = deliver(team, mail(subject="VPN down", sender=f"Alice <{ALICE}>")).ticket_id
    assert tid is not None
    short = replace(relay, give_up_after=timedelta(hours=1))
    handler = Refusing()
    with sink(relay.port, handler):
        _drain(team, short)
    _answered_by(team, tid, OPS, "The VPN is back.")
    _drain(team, short)  # nobody listens: retried
    clock.advance(timedelta(hours=2))
    assert _drain(team, short).failed
    clock.advance(timedelta(hours=1))
    with sink(relay.port, handler):
        _drain(team, short)
    [told] = _undelivered_told(handler, OPS, ALICE)
    assert "gave up" in told, told


def test_a_mail_nobody_wrote_tells_only_the_member_who_has_the_ticket(
    team: App, relay: OutboundSettings
) -> None:
    """The acknowledgement is the gateway's own words: it has no author."""
    deliver(team, mail(subject="VPN down", sender=f"Alice <{ALICE}>"))
    with transaction(team.sessions) as s:
        [ack] = [r for r in outbox.rows(s) if r.kind == "acknowledgement"]
    assert ack.author is None


def _zoned_team(author: str, owner: str) -> tuple[Member, ...]:
    """The test team with ``author`` in New York and ``owner`` in the other language."""
    other = {OPS: "ja", BOSS: "en"}[author]
    return tuple(
        replace(m, time_zone="America/New_York")
        if m.email == author
        else replace(m, locale=other)
        if m.email == owner
        else m
        for m in MEMBERS
    )


@pytest.mark.parametrize(
    ("author", "owner", "author_says", "owner_says"),
    [
        # Ops One (en) in New York answers Boss's ticket (ja, Tokyo) …
        (
            OPS,
            BOSS,
            rf"Sun, Mar 1, 2026, \d+:\d\d EST your answer to {ALICE} could not be delivered",
            rf"2026年3月2日\(月\) \d+:\d\d JST {ALICE} 宛てのメールが届きませんでした",
        ),
        # … and Boss (ja) in New York answers a ticket given to Ops One (en, Tokyo)
        (
            BOSS,
            OPS,
            rf"2026年3月1日\(日\) \d+:\d\d EST {ALICE} 宛てのあなたの回答が届きませんでした",
            rf"Mon, Mar 2, 2026, \d+:\d\d JST our mail to {ALICE} could not be delivered",
        ),
    ],
)
def test_the_author_is_told_in_their_own_words_language_and_zone(
    settings: Settings,
    relay: OutboundSettings,
    clock: FakeClock,
    author: str,
    owner: str,
    author_says: str,
    owner_says: str,
) -> None:
    """Not in the wording, language or clock of the member who has the ticket: the
    author reads it as every mail to them is written (``locale``, ``time_zone``), and
    as the answer it was: theirs."""
    app = build(replace(settings, members=_zoned_team(author, owner)), clock)
    try:
        tid = deliver(app, mail(subject="VPN down", sender=f"Alice <{ALICE}>")).ticket_id
        assert tid is not None
        with transaction(app.sessions) as s:
            ticket = tickets.get(s, tid)
            assert ticket is not None
            changes.assign(s, ticket, owner, clock.now(), actor="cli", channel="cli")
        handler = Refusing()
        with sink(relay.port, handler):
            _drain(app, relay)
            _answered_by(app, tid, author, "The VPN is back.")
            handler.refused.add(ALICE)
            assert _drain(app, relay).failed
            for _ in range(3):
                clock.advance(timedelta(hours=1))
                _drain(app, relay)
        [to_author] = _undelivered_told(handler, author, ALICE)
        [to_owner] = _undelivered_told(handler, owner, ALICE)
    finally:
        app.close()
    assert re.search(author_says, to_author), to_author
    assert re.search(owner_says, to_owner), to_owner
    assert ("JST" in to_author, "EST" in to_owner) == (False, False)
