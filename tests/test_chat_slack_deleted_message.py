"""A message made into a ticket (*Create ticket*) and deleted before its card is posted:
the person who asked took it down once it was a ticket, or it held a password. Slack
refuses a reply in the thread of a message that is gone (``thread_not_found``), and will
refuse it again: the card is not left waiting for two days while the team sees nothing
of the ticket in Slack, and then given up. It is posted once, at once, in the same
channel as a new message, whose thread is then the ticket's (its lines and updates go
there); the ticket and its events know nothing of a failure."""

from __future__ import annotations

from typing import Any

from gateway.runtime.app import App
from tests.support import chat as c
from tests.support.pipeline import all_tickets, show
from tests.support.slack_fake import FakeSlack
from tests.support.waiting import eventually

ASKED = "1772400000.000300"  # the message the ticket was made from


def _cards(fake: FakeSlack) -> list[dict[str, Any]]:
    return [
        p
        for p in fake.of("chat.postMessage")
        if any(b["type"] == "actions" for b in p.get("blocks") or ())
    ]


def _ticket_from_message(app: App, fake: FakeSlack) -> int:
    message = {"ts": ASKED, "text": "VPN が落ちます。パスワードは hunter2", "user": c.REQUESTER}
    fake.envelope("interactive", c.shortcut("create_ticket", c.REQUESTER, message))
    [opened] = fake.wait_for("views.open")
    step2 = fake.envelope("interactive", c.submission(opened["view"], c.chosen("vpn")))["view"]
    payload = c.submission(step2, c.typed("VPN が落ちます", "昨日から", os="windows"))
    assert fake.envelope("interactive", payload) == {}
    app.runner.process_pending()
    [t] = all_tickets(app)
    return int(t["id"])


def test_the_card_of_a_deleted_message_is_posted_in_its_channel_at_once(
    chat_app: App, fake: FakeSlack
) -> None:
    ticket_id = _ticket_from_message(chat_app, fake)
    fake.deleted.add(ASKED)  # taken down before the poster's turn
    report = c.poster(chat_app).drain()
    assert not report.failed and not report.retried, report
    [card] = _cards(fake)
    assert card["channel"] == c.HELP and "thread_ts" not in card  # a thread of its own
    [thread] = c.threads(chat_app)
    assert (thread.channel, thread.thread_ts, thread.card_ts) == (
        c.HELP,
        card_ts := thread.card_ts,
        card_ts,
    )
    kinds = [e["kind"] for e in show(chat_app, ticket_id)["events"]]
    assert "chat-failed" not in kinds
    # the ticket's news goes to the card's thread, not to the deleted message's
    fake.envelope("interactive", c.press("ticket_pending", ticket_id, c.OPS))
    assert eventually(lambda: show(chat_app, ticket_id)["state"] == "pending")
    after = c.poster(chat_app).drain()
    assert not after.failed and not after.retried, after
    lines = [p for p in fake.of("chat.postMessage") if p.get("thread_ts")]
    assert lines and all(p["thread_ts"] == card_ts for p in lines), lines
    [update] = fake.of("chat.update")
    assert update["ts"] == card_ts
    assert len(_cards(fake)) == 1
