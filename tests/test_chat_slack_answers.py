"""A slash command is answered where the person typed it, even where the bot is not.

``/reply`` works in any channel or direct message: Slack sends the command to the app
whether or not its bot is in that conversation. ``chat.postEphemeral`` is refused there
(``channel_not_found`` in a private channel or a DM, ``not_in_channel``), so the answer
goes through the command's ``response_url`` (ephemeral), as Slack recommends; only when
that cannot be used (expired, missing) is ``chat.postEphemeral`` tried. The command is
done once, and its answer said once."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.runtime.app import App
from tests.support import chat as c
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox
from tests.support.slack_fake import FakeSlack

NO_BOT = "C0NOBOT01"  # a channel the bot was never invited to


def _ticket(app: App) -> int:
    outcome = deliver(app, mail("VPN がつながりません", sender="伊藤 花子 <ito@customer.test>"))
    assert outcome.ticket_id is not None
    return outcome.ticket_id


def _reply(text: str, user: str, trigger: str, response_url: str) -> dict[str, Any]:
    """``/reply`` typed in a channel the bot is not in."""
    command = c.command(text, user=user, trigger=trigger)
    return {**command, "command": "/reply", "channel_id": NO_BOT, "response_url": response_url}


@pytest.mark.parametrize("error", ["not_in_channel", "channel_not_found"])
def test_a_reply_where_the_bot_is_not_is_answered_through_the_response_url(
    chat_app: App, fake: FakeSlack, error: str
) -> None:
    fake.refuse["chat.postEphemeral"] = error
    ticket_id = _ticket(chat_app)
    fake.envelope(
        "slash_commands", _reply(f"{ticket_id} 再起動を", c.OPS, "t-1", fake.response_url("1"))
    )
    [answer] = fake.answered("1")
    assert answer["response_type"] == "ephemeral"  # only the member sees it
    assert answer["text"] == "Sent to the requester by mail (1 recipient)."  # en, singular
    assert [m.recipients for m in outbox(chat_app, "ops_reply")] == [["ito@customer.test"]]
    # Slack sends the command again (it thought it lost it): no second mail, one answer each
    fake.envelope(
        "slash_commands", _reply(f"{ticket_id} 再起動を", c.OPS, "t-1", fake.response_url("2"))
    )
    [again] = fake.answered("2")
    assert "already" in again["text"]
    assert len(outbox(chat_app, "ops_reply")) == 1
    assert fake.of("chat.postEphemeral!refused") == [] and fake.responses.keys() == {"1", "2"}


def test_a_refusal_where_the_bot_is_not_is_answered_too(chat_app: App, fake: FakeSlack) -> None:
    fake.refuse["chat.postEphemeral"] = "channel_not_found"
    ticket_id = _ticket(chat_app)
    fake.envelope(
        "slash_commands", _reply(f"{ticket_id} 閉じて", c.STRANGER, "t-3", fake.response_url("3"))
    )
    fake.envelope("slash_commands", _reply("番号なし", c.OPS, "t-4", fake.response_url("4")))
    [refused] = fake.answered("3")
    [usage] = fake.answered("4")
    assert "メンバー" in refused["text"] and refused["response_type"] == "ephemeral"
    assert "/reply 42" in usage["text"]
    assert outbox(chat_app, "ops_reply") == []


@pytest.mark.parametrize("usable", ["expired", "missing", "not https"])
def test_without_a_usable_response_url_the_answer_is_an_ephemeral_message(
    chat_app: App, fake: FakeSlack, usable: str
) -> None:
    # past its 30 minutes or five uses Slack answers 404; an old client may send none;
    # one that is neither https nor this machine is not ours to post to
    fake.expired.add("5")
    url = {
        "expired": fake.response_url("5"),
        "missing": "",
        "not https": f"http://example.test:{fake.port}/commands/5",
    }[usable]
    ticket_id = _ticket(chat_app)
    command = {**_reply(f"{ticket_id} 再起動を", c.OPS, "t-5", url), "channel_id": c.HELP}
    fake.envelope("slash_commands", command)
    [told] = fake.wait_for("chat.postEphemeral")
    assert told["user"] == c.OPS and told["channel"] == c.HELP
    assert "Sent to the requester" in told["text"]
    assert len(outbox(chat_app, "ops_reply")) == 1
    assert fake.responses.get("5", []) == []


@pytest.mark.parametrize("error", ["expired_trigger_id", "internal_error"])
def test_a_form_that_cannot_open_is_said_where_the_command_was_typed(
    chat_app: App, fake: FakeSlack, error: str
) -> None:
    # Slack answered late, or not at all: the trigger is gone and the person would wait
    # for a form that never comes
    fake.refuse["views.open"] = error
    fake.refuse["chat.postEphemeral"] = "channel_not_found"
    command = {**c.command("VPN"), "channel_id": NO_BOT, "response_url": fake.response_url("6")}
    fake.envelope("slash_commands", command)
    [answer] = fake.answered("6")
    assert answer["response_type"] == "ephemeral"
    assert "/ticket" in answer["text"] and "もう一度" in answer["text"]  # their language
    assert fake.of("chat.postEphemeral!refused") == []


def test_a_form_from_a_message_that_cannot_open_is_said_too(chat_app: App, fake: FakeSlack) -> None:
    fake.refuse["views.open"] = "expired_trigger_id"
    message = {"ts": "1772400000.000100", "text": "VPN が落ちた", "user": "U0X"}
    shortcut = {
        **c.shortcut("create_ticket", c.OPS, message),
        "response_url": fake.response_url("7"),
    }
    fake.envelope("interactive", shortcut)
    [answer] = fake.answered("7")
    assert answer["response_type"] == "ephemeral" and "try again" in answer["text"]  # en
