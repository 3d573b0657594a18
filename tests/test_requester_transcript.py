"""The transcript a requester gets for their own ``/close`` is a mail to a customer:
greeted as every mail to them is (「様」, "Dear"), not as a colleague (「さん」)."""

from __future__ import annotations

import pytest

from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, text_of

ITO = "ito@customer.test"


@pytest.mark.parametrize(
    ("subject", "body", "greeting", "colleague"),
    [
        (
            "VPN に接続できません",
            "今朝から VPN に接続できません。\n",
            "伊藤 花子 様",
            "伊藤 花子 さん",
        ),
        (
            "VPN is down",
            "My VPN fails since this morning.\n",
            "Dear 伊藤 花子,",
            "Hello 伊藤 花子,",
        ),
    ],
)
def test_a_requesters_transcript_greets_them_as_a_customer(
    app: App, subject: str, body: str, greeting: str, colleague: str
) -> None:
    sender = f"伊藤 花子 <{ITO}>"
    out = deliver(app, mail(subject=subject, body=body, sender=sender))
    assert out.ticket_id is not None
    to = reply_address(app, out.ticket_id, ITO)
    deliver(app, mail(subject=f"Re: [#{out.ticket_id}]", body="/close\n", sender=sender, to=to))
    [transcript] = outbox(app, "command_result")
    text = text_of(transcript)
    assert text.startswith(greeting) and colleague not in text


def test_a_refused_command_shows_a_requester_only_what_they_may_write(app: App) -> None:
    """The team's grammar (/assign, /note, /merge, managers' /approve) is not "the
    commands you can use" for a customer: they see their own three, in their words."""
    sender = f"伊藤 花子 <{ITO}>"
    out = deliver(
        app, mail(subject="VPN に接続できません", body="接続できません。\n", sender=sender)
    )
    assert out.ticket_id is not None
    to = reply_address(app, out.ticket_id, ITO)
    body = "/priority urgent\n/assign ops\n"
    deliver(app, mail(subject=f"Re: [#{out.ticket_id}]", body=body, sender=sender, to=to))
    [transcript] = outbox(app, "command_result")
    text = text_of(transcript)
    assert "却下" in text and "/close" in text and "/cc add" in text and "/priority low" in text
    for internal in ("/note", "/merge", "/approve", "/field", "/cc remove", "マネージャー"):
        assert internal not in text.replace("/assign ops\n      →", ""), internal
