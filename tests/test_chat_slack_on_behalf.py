"""A member makes someone's question in a channel into a ticket (*Create ticket* on
their message): the ticket is that person's, not the member's. They are its requester,
so the acknowledgement and the team's answers reach the one who asked, where before
the member who pressed the shortcut became the requester and the person who asked
heard nothing. Anyone else who makes another's message a ticket files it as their own
(nobody but the team opens tickets in another's name); a message of an app or a bot
(no person, no address) is the member's own."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.runtime.app import App
from tests.support import chat as c
from tests.support.pipeline import all_tickets, outbox, show
from tests.support.slack_fake import FakeSlack


def _file_from(app: App, fake: FakeSlack, presser: str, message: dict[str, Any]) -> Any:
    fake.envelope("interactive", c.shortcut("create_ticket", presser, message))
    [opened] = fake.wait_for("views.open")
    step1 = c.submission(opened["view"], c.chosen("vpn"), presser)
    step2 = fake.envelope("interactive", step1)["view"]
    payload = c.submission(step2, c.typed("VPN が落ちます", "昨日から", os="windows"), presser)
    return fake.envelope("interactive", payload)


def _message(author: str | None) -> dict[str, Any]:
    message: dict[str, Any] = {"ts": "1772400000.000100", "text": "VPN が落ちます"}
    if author is None:
        message |= {"bot_id": "B0ALERT01", "subtype": "bot_message"}
    else:
        message["user"] = author
    return message


@pytest.mark.parametrize(
    ("presser", "author", "requester"),
    [
        (c.OPS, c.REQUESTER, "ito@customer.test"),  # a member files the question's author's
        (c.STRANGER, c.REQUESTER, "someone@elsewhere.test"),  # not a member: their own
        (c.OPS, None, "ops@example.test"),  # an app's message: nobody else to file it for
        (c.REQUESTER, c.REQUESTER, "ito@customer.test"),  # their own message
    ],
)
def test_the_ticket_is_the_one_who_asked(
    chat_app: App, fake: FakeSlack, presser: str, author: str | None, requester: str
) -> None:
    assert _file_from(chat_app, fake, presser, _message(author)) == {}
    chat_app.runner.process_pending()
    [ticket] = all_tickets(chat_app)
    assert ticket["requester"] == requester
    acks = [m for m in outbox(chat_app) if m.ticket_id == int(ticket["id"])]
    assert any(requester in m.recipients for m in acks), [m.recipients for m in acks]


def test_the_name_is_the_askers_too(chat_app: App, fake: FakeSlack) -> None:
    _file_from(chat_app, fake, c.OPS, _message(c.REQUESTER))
    chat_app.runner.process_pending()
    [ticket] = all_tickets(chat_app)
    assert show(chat_app, int(ticket["id"]))["requester_name"] == "伊藤 花子"
