"""A requester whose command was refused is shown the commands a requester may give,
never the team's (``/assign``, ``/merge``, ``/note`` …), in their own language; a
member is still shown the whole grammar."""

from __future__ import annotations

import pytest

from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, text_of

ITO = "伊藤 花子 <ito@customer.test>"
TEAM_ONLY = ("/assign", "/merge", "/note", "/category", "/answer", "/approve", "/field")


@pytest.mark.parametrize(
    ("subject", "body", "heading"),
    [
        ("VPN に接続できません", "今朝から接続できません。\n", "使えるコマンドは次のとおりです。"),
        ("VPN is down", "It fails since this morning.\n", "These are the commands you can use:"),
    ],
)
def test_a_requesters_refusal_lists_only_their_own_commands(
    app: App, subject: str, body: str, heading: str
) -> None:
    out = deliver(app, mail(subject=subject, body=body, sender=ITO))
    assert out.ticket_id is not None
    to = reply_address(app, out.ticket_id, "ito@customer.test")
    # a requester may lower the priority only (a team's /assign is their words, unread)
    body = "/priority urgent\n"
    reply = mail(subject=f"Re: [#{out.ticket_id}]", body=body, sender=ITO, to=to)
    deliver(app, reply)
    [transcript] = outbox(app, "command_result")
    text = text_of(transcript)
    grammar = text[text.index(heading) :]  # the heading in the requester's language
    assert "/close" in grammar and "/priority" in grammar and "/cc add" in grammar
    assert not [word for word in TEAM_ONLY if word in grammar], grammar


def test_someone_else_on_the_ticket_is_shown_no_commands(app: App) -> None:
    """A colleague in Cc may give no command at all: their refusal lists none."""
    bob = "bob@customer.test"
    request = mail(subject="VPN is down", body="It fails.\n", sender=ITO, cc=bob)
    out = deliver(app, request)
    assert out.ticket_id is not None
    to = reply_address(app, out.ticket_id, bob)
    reply = mail(subject=f"Re: [#{out.ticket_id}]", body="/close\n", sender=bob, to=to)
    deliver(app, reply)
    [transcript] = [m for m in outbox(app, "command_result") if m.recipients == [bob]]
    text = text_of(transcript)
    assert "refused" in text and "These are the commands you can use:" not in text
    assert "/priority" not in text and "/cc add" not in text
