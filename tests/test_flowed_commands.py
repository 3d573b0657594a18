"""format=flowed (RFC 3676) replies: Thunderbird, Apple Mail and iPhone send it, and a
line that ends with a space is joined with the next one.

Two ways that went wrong with commands:

* a command typed with a stray space at its end (the iPhone keyboard puts one after a
  word it completed, and a writer's thumb does too) was joined with the member's first
  words: ``/pending`` + ``Hi Alice, …`` became ``/pending Hi Alice, …``, refused as
  "takes no argument", and the words never reached the requester; with ``delsp=yes``
  ``/pending`` + ``Hi`` became ``/pendingHi``. ``/priority high`` over ``/pending``
  became one refused line. A client breaks only a line that does not fit: a command
  line that fits with the next line's first word in 66 columns (the narrowest width a
  mail client wraps at, as for a wrapped ``/field``) was ended by its writer, and is
  kept a line of its own; a long ``/note`` wrapped by the client is still joined.
* a flowed line followed by an empty line or the signature line ``-- `` was joined
  with what follows them: the blank line between two paragraphs was lost, and
  ``/pending `` + blank + ``Hi Alice`` was ``/pending Hi Alice`` whatever its length. An
  empty line or ``-- `` ends a flowed paragraph (RFC 3676 4.2, 4.3)."""

from __future__ import annotations

import base64

import pytest

from gateway.pipeline.parse.body_text import unflow
from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, words_of


@pytest.mark.parametrize("delsp", [False, True])
def test_an_empty_line_ends_a_flowed_paragraph(delsp: bool) -> None:
    assert unflow("Hello \n\nWorld", delsp).split("\n")[-1] == "World"
    assert unflow("Hello \nthere\n\nWorld", delsp).endswith("\n\nWorld")
    assert unflow("> quoted \n>\n> more", delsp).split("\n")[-1] == "> more"


def test_the_signature_line_is_never_joined() -> None:
    assert unflow("Regards, \n-- \nAlice", False).split("\n")[-2:] == ["-- ", "Alice"]


@pytest.mark.parametrize("delsp", [False, True])
@pytest.mark.parametrize(
    ("flowed", "lines"),
    [
        ("/pending \nHi Alice, send the log.", ["/pending", "Hi Alice, send the log."]),
        ("/priority high \n/pending\nHi Alice.", ["/priority high", "/pending", "Hi Alice."]),
        ("／ｃｌｏｓｅ　\nありがとうございました。", ["／ｃｌｏｓｅ", "ありがとうございました。"]),
        ("/close \n", ["/close", ""]),
    ],
)
def test_a_short_command_line_with_a_stray_space_stays_a_line(
    flowed: str, lines: list[str], delsp: bool
) -> None:
    assert [line.rstrip(" \u3000") for line in unflow(flowed, delsp).split("\n")] == lines


@pytest.mark.parametrize(
    ("flowed", "joined"),
    [
        # a note the client wrapped: longer than 66 columns with the next word
        (
            "/note Called the customer; they will restart the server tomorrow \nmorning.",
            "/note Called the customer; they will restart the server tomorrow morning.",
        ),
        (
            "/note 先方に電話しました。明日の午前中にサーバーを再起動して \nもらいます。",
            "/note 先方に電話しました。明日の午前中にサーバーを再起動して もらいます。",
        ),
        # prose is joined as the client meant, short or not
        ("Hi \nAlice", "Hi Alice"),
    ],
)
def test_a_line_the_client_wrapped_is_joined(flowed: str, joined: str) -> None:
    assert unflow(flowed, False) == joined


def _flowed(to: str, body: str, *, delsp: bool) -> bytes:
    head = (
        "From: Ops One <ops@example.test>\r\n"
        f"To: {to}\r\nSubject: Re: [#1] VPN\r\nDate: Mon, 02 Mar 2026 10:00:00 +0900\r\n"
        f"Message-ID: <flowed-{int(delsp)}@example.test>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8; format=flowed"
        + ("; delsp=yes" if delsp else "")
        + "\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    )
    return head.encode() + base64.encodebytes(body.encode()).replace(b"\n", b"\r\n")


@pytest.mark.parametrize("delsp", [False, True])
def test_a_members_command_with_a_stray_space_is_done_and_the_words_sent(
    team: App, delsp: bool
) -> None:
    deliver(team, mail("VPN", message_id="<req@customer.test>"))
    to = reply_address(team, 1, "ops@example.test")
    body = (
        "/pending \r\nHi Alice, please send the log.\r\n\r\n"
        "On Mon, Mar 2, 2026 at 10:00 AM Support <support@example.test> wrote:\r\n> /close\r\n"
    )
    out = deliver(team, _flowed(to, body, delsp=delsp), envelope_to=(to,))
    assert out.ticket_id == 1, out.reason
    assert show(team, 1)["state"] == "pending"
    [sent] = outbox(team, "ops_reply")
    assert "Hi Alice, please send the log." in words_of(sent)
    assert "/pending" not in words_of(sent)
