"""A member's reply that carries a file and no words of their own (an iPhone's "share
→ mail", a form attached under a bare ``/pending``) sends the requester nothing, as a
reply of commands only does: the member is told so in their transcript, in their
language, naming each file, rather than left believing the requester has it."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, words_of

ALICE = "alice@customer.test"
PDF_NAME = "申込書.pdf"


def _ticket(app: App) -> int:
    out = deliver(app, mail(subject="VPN down", message_id="<r-1@customer.test>"))
    assert out.ticket_id is not None
    return out.ticket_id


def _reply(app: App, tid: int, who: str, body: str) -> None:
    msg = EmailMessage()
    msg["From"] = who
    msg["To"] = reply_address(app, tid, who)
    msg["Subject"] = f"Re: [#{tid}] VPN down"
    msg["Message-ID"] = f"<files-{len(body)}@example.test>"
    msg.set_content(body)
    msg.add_attachment(b"%PDF-1.4\n" * 50, maintype="application", subtype="pdf", filename=PDF_NAME)
    deliver(app, bytes(msg))


@pytest.mark.parametrize(
    ("who", "told"),
    [
        ("ops@example.test", "not sent to the requester"),  # an English-speaking member
        ("ops2@example.test", "依頼者には送っていません"),  # a Japanese-speaking one
    ],
)
@pytest.mark.parametrize("body", ["", "\n"])
def test_a_file_alone_is_not_sent_and_the_member_is_told(
    team: App, who: str, told: str, body: str
) -> None:
    tid = _ticket(team)
    _reply(team, tid, who, body)
    assert outbox(team, "ops_reply") == []
    [transcript] = outbox(team, "command_result")
    assert transcript.recipients == [who]
    said = words_of(transcript)
    assert PDF_NAME in said and told in said
    assert "/assign" not in said  # no mistake of the grammar's: the grammar is not shown


# bare, or over the line a phone writes, which is no words under commands (README)
@pytest.mark.parametrize("body", ["/pending\n", "/pending\n\niPhoneから送信\n"])
def test_a_file_under_bare_commands_is_not_sent_and_the_member_is_told(
    team: App, body: str
) -> None:
    tid = _ticket(team)
    _reply(team, tid, "ops2@example.test", body)
    assert show(team, tid)["state"] == "pending"
    assert outbox(team, "ops_reply") == []
    said = words_of(outbox(team, "command_result")[-1])
    assert "返信待ち" in said and PDF_NAME in said and "依頼者には送っていません" in said


def test_a_file_with_words_goes_and_no_one_is_told_otherwise(team: App) -> None:
    tid = _ticket(team)
    _reply(team, tid, "ops2@example.test", "申込書を添付します。\n")
    [answer] = outbox(team, "ops_reply")
    assert answer.recipients == [ALICE]
    assert outbox(team, "command_result") == []  # no commands, nothing kept back: no transcript


def test_a_file_under_a_note_stays_with_it_as_the_readme_says(team: App) -> None:
    tid = _ticket(team)
    _reply(team, tid, "ops2@example.test", "/note 先方の申込書\n")
    said = words_of(outbox(team, "command_result")[-1])
    assert PDF_NAME not in said
