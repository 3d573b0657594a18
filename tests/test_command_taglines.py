"""A reply of commands only, sent from a phone. The phone's mail app adds its line under
what was typed ("Sent from my iPhone", 「iPhoneから送信」, "Get Outlook for iOS"): it is
not the writer's words. A member's "/close" from an iPhone sent the requester a mail
saying only "Sent from my iPhone"; a requester's "/close" to a closed ticket reopened it
(or, closed long ago, opened a new ticket whose request was "Sent from my iPhone")."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gateway.core.clock import FakeClock
from gateway.pipeline import commands as c
from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import all_tickets, deliver, outbox, show

IPHONE_QUOTE = "\n\n> On Dec 5, 2026, at 10:00, Alice <alice@customer.test> wrote:\n>\n> Hi\n"
OUTLOOK_IOS_QUOTE = (
    "\n________________________________\nFrom: Alice <alice@customer.test>\n"
    "Sent: Saturday, December 5, 2026 10:00:00 AM\nTo: Support <support@example.test>\n"
    "Subject: RE: [#1] VPN\n\nHi\n"
)

# what phones and their mail apps write under a reply, as they write it
TAGLINES = [
    "Sent from my iPhone",
    "Sent from my iPad",
    "iPhoneから送信",
    "iPadから送信",
    "Get Outlook for iOS<https://aka.ms/o0ukef>",
    "Get Outlook for Android",
    "Outlook for iOS を入手<https://aka.ms/o0ukef>",
    "Sent from my Galaxy",
    "Sent from Mail for Windows",
    "Sent from Yahoo Mail for iPhone",
    "Sent with Proton Mail secure email.",
]


@pytest.mark.parametrize("tagline", TAGLINES)
def test_a_phones_line_under_commands_is_not_words(tagline: str) -> None:
    for role in (c.Role.MEMBER, c.Role.REQUESTER):
        parsed = c.read_commands(f"/close\n\n{tagline}\n", 20, role)
        assert [x.name for x in parsed.commands] == ["close"]
        assert parsed.remaining == ""


@pytest.mark.parametrize(
    ("text", "remaining"),
    [
        # words: sent as written, the tagline with them
        (
            "/close\n\nThanks, it works.\n\nSent from my iPhone\n",
            "Thanks, it works.\n\nSent from my iPhone",
        ),
        # a sentence that starts like a tagline is words
        (
            "/close\n\nSent from my office, the VPN works again.\n",
            "Sent from my office, the VPN works again.",
        ),
        # no command: the mail is what it is
        ("Sent from my iPhone\n", "Sent from my iPhone\n"),
    ],
)
def test_words_around_a_tagline_are_kept(text: str, remaining: str) -> None:
    assert c.read_commands(text, 20, c.Role.MEMBER).remaining == remaining


@pytest.mark.parametrize(
    "body",
    [
        "/close\n\nSent from my iPhone" + IPHONE_QUOTE,
        "/close\n\n" + TAGLINES[4] + OUTLOOK_IOS_QUOTE,
    ],
)
def test_a_members_commands_from_a_phone_send_the_requester_no_words(team: App, body: str) -> None:
    deliver(team, mail("VPN", message_id="<req@customer.test>"))
    to = reply_address(team, 1, "ops@example.test")
    raw = mail("RE: [#1] VPN", body=body, sender="ops@example.test", to=to)
    deliver(team, raw, envelope_to=(to,))
    assert show(team, 1)["state"] == "closed"
    assert outbox(team, "ops_reply") == []


@pytest.mark.parametrize("days", [1, 30])  # within the reopen window, and long after it
def test_a_requesters_close_from_a_phone_to_a_closed_ticket_keeps_it_closed(
    team: App, clock: FakeClock, days: int
) -> None:
    deliver(team, mail("VPN down", message_id="<r1@customer.test>"))
    ops = reply_address(team, 1, "ops@example.test")
    raw = mail("Re: VPN", body="/close\n\nFixed.\n", sender="ops@example.test", to=ops)
    deliver(team, raw, envelope_to=(ops,))
    clock.advance(timedelta(days=days))
    to = reply_address(team, 1, "alice@customer.test")
    body = "/close\n\niPhoneから送信" + IPHONE_QUOTE
    out = deliver(team, mail("Re: VPN", body=body, to=to), envelope_to=(to,))
    assert out.ticket_id == 1, out.reason
    assert [t["id"] for t in all_tickets(team)] == [1]
    assert show(team, 1)["state"] == "closed"
    assert not [e for e in show(team, 1)["events"] if e["kind"] == "state" and e["new"] == "open"]
