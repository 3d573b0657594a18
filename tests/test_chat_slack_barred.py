"""A ticket's card that Slack will not take where it was asked for, though the app may be
a member there: the channel was archived since, it is read-only (an announcement channel,
``restricted_action_read_only_channel``), or the thread is locked. As for a channel the
app is not in (tests/test_chat_slack_outside.py), the card goes to the team's channel
for the ticket's entry, once; the person who asked is told where it went, but not to
``/invite`` the app, which would change nothing. A card Slack refuses for what it is
(blocks too long) stays refused: it would be refused in any channel."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from gateway.core.clock import FakeClock
from gateway.runtime.app import App
from tests.support import chat as c
from tests.support.pipeline import all_tickets, show
from tests.support.slack_fake import FakeSlack

BARRED = [
    "is_archived",
    "restricted_action_read_only_channel",
    "restricted_action_thread_locked",
    "restricted_action",
]
SAID = "Slack の設定により"  # the reason, in the person's language (ja)


def _cards(fake: FakeSlack) -> list[dict[str, Any]]:
    return [
        p
        for p in fake.of("chat.postMessage")
        if any(b["type"] == "actions" for b in p.get("blocks") or ())
    ]


def _ticket_typed_in_help(app: App, fake: FakeSlack) -> int:
    fake.envelope("slash_commands", {**c.command(), "response_url": fake.response_url("ticket")})
    [opened] = fake.wait_for("views.open")
    answer = fake.envelope("interactive", c.submission(opened["view"], c.chosen("vpn")))
    payload = c.submission(answer["view"], c.typed("VPN がつながりません", "昨日から", os="macos"))
    assert fake.envelope("interactive", payload) == {}
    app.runner.process_pending()
    [t] = all_tickets(app)
    return int(t["id"])


@pytest.mark.parametrize("error", BARRED)
def test_a_card_slack_bars_from_its_channel_goes_to_the_team_channel(
    chat_app: App, fake: FakeSlack, error: str
) -> None:
    fake.refuse_in[c.HELP] = error
    ticket_id = _ticket_typed_in_help(chat_app, fake)
    report = c.poster(chat_app).drain()
    assert not report.failed
    [card] = _cards(fake)
    assert card["channel"] == c.NOTICES and f"[#{ticket_id}]" in card["text"]
    assert "chat-failed" not in [e["kind"] for e in show(chat_app, ticket_id)["events"]]
    [told] = fake.answered("ticket")
    assert told["response_type"] == "ephemeral"
    assert f"<#{c.NOTICES}>" in told["text"] and f"[#{ticket_id}]" in told["text"]
    assert SAID in told["text"] and "/invite" not in told["text"]


def test_where_the_team_channel_refuses_too_the_person_hears_why_without_invite(
    chat_app: App, fake: FakeSlack
) -> None:
    fake.refuse_in[c.HELP] = "is_archived"
    fake.refuse_in[c.NOTICES] = "not_in_channel"
    ticket_id = _ticket_typed_in_help(chat_app, fake)
    assert c.poster(chat_app).drain().failed
    [told] = fake.answered("ticket")
    assert f"<#{c.NOTICES}>" in told["text"] and f"[#{ticket_id}]" in told["text"]
    assert SAID in told["text"] and "/invite" not in told["text"]


def test_the_reason_outlives_an_outage_and_reaches_a_direct_message(
    chat_app: App, fake: FakeSlack, clock: FakeClock
) -> None:
    """Slack is down in the team's channel when the card moves there, until the post
    gives up, long after the command's URL expired: the direct message still says why
    the card left the person's channel, as Slack said it the first time."""
    fake.refuse_in[c.HELP] = "restricted_action_read_only_channel"
    fake.refuse_in[c.NOTICES] = "ratelimited"
    fake.expired.add("ticket")
    ticket_id = _ticket_typed_in_help(chat_app, fake)
    assert c.poster(chat_app).drain().retried
    clock.advance(chat_app.settings.chat.give_up_after + timedelta(minutes=1))
    assert c.poster(chat_app).drain().failed
    clock.advance(timedelta(minutes=1))
    c.poster(chat_app).drain()  # the direct message
    opened = [p for p in fake.of("conversations.open") if p.get("users") == c.REQUESTER]
    told = [p for p in fake.of("chat.postMessage") if opened and p["channel"] == "D" + c.REQUESTER]
    [message] = told
    assert f"[#{ticket_id}]" in message["text"] and f"<#{c.NOTICES}>" in message["text"]
    assert SAID in message["text"] and "/invite" not in message["text"]


def test_a_card_refused_for_what_it_is_is_not_moved(chat_app: App, fake: FakeSlack) -> None:
    fake.refuse_in[c.HELP] = "msg_blocks_too_long"
    ticket_id = _ticket_typed_in_help(chat_app, fake)
    assert c.poster(chat_app).drain().failed
    assert _cards(fake) == []
    refused = [p["channel"] for p in fake.of("chat.postMessage!refused")]
    assert c.NOTICES not in refused  # never tried elsewhere
    events = show(chat_app, ticket_id)["events"]
    assert any(e["kind"] == "chat-failed" and e["new"] == "card" for e in events)
