"""Mails whose ticket text came out empty or misleading though the mail said something.

A ``multipart/alternative`` whose plain part is only a placeholder ("To view this
message, please use an HTML compatible email viewer.", 「HTMLメールを表示できるメール
ソフトでご覧ください。」) showed that line as the customer's request, and one whose plain
part holds only invisible characters (a zero-width space, a byte-order mark) showed
nothing: the HTML part, converted to text as for an HTML-only mail (never rendered), is
then the text. A forward whose own body is blank, invisible or only the sender's
signature, the old mail attached as ``message/rfc822``, shows the attached mail's words
as one without any body does."""

from __future__ import annotations

import email
from email.message import EmailMessage, Message
from typing import Any

import pytest

from gateway.pipeline.parse.message import parse_message
from gateway.runtime.app import App
from tests.support.mails import mail
from tests.support.pipeline import deliver, show

HTML = "<html><body><p>The printer on floor 3 <b>jams</b> on every page.</p></body></html>"
WORDS = "The printer on floor 3 jams on every page."


def _alternative(plain: str, html: str = HTML) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Ichiro Suzuki <suzuki@customer.test>"
    msg["To"] = "support@example.test"
    msg["Subject"] = "Printer"
    msg["Message-ID"] = "<alt@customer.test>"
    msg.set_content(plain)
    msg.add_alternative(html, subtype="html")
    return bytes(msg)


# placeholders that mailers and newsletter tools put in the plain part
PLACEHOLDERS = [
    "To view this message, please use an HTML compatible email viewer.",
    "This is an HTML message. Please use an HTML capable mail program to read this message.",
    "This message is in HTML format. Please view it in an HTML-capable mail client.",
    "Your email client does not support HTML messages.",
    "This email requires an HTML-compatible email client.",
    "HTMLメールを表示できるメールソフトでご覧ください。",
    "このメールはHTML形式です。HTMLメールが表示できる環境でご覧ください。",
]


@pytest.mark.parametrize("plain", PLACEHOLDERS)
def test_a_plain_part_that_only_points_at_the_html_gives_way_to_it(plain: str) -> None:
    msg = parse_message(_alternative(f"{plain}\n"))
    assert msg.text == WORDS and msg.new_text == WORDS


@pytest.mark.parametrize("plain", ["\u200b\n", "\ufeff", " \u200b\u200c\u2060 \n\n", "\u00a0\n"])
def test_a_plain_part_of_invisible_characters_gives_way_to_the_html(plain: str) -> None:
    assert parse_message(_alternative(plain)).text == WORDS


@pytest.mark.parametrize(
    "plain",
    [
        # the writer's own words about HTML are theirs
        "I cannot view HTML mail in our client since the update. Can you help?",
        "Please send the newsletter as HTML. The plain text version is hard to read.\n"
        "It used to work.\nThanks,\nIchiro",
        "View this in HTML",  # a placeholder that says it, but no HTML has words
    ],
)
def test_a_plain_part_of_words_stays(plain: str) -> None:
    html = HTML if "HTML mail" in plain or "newsletter" in plain else "<p></p>"
    assert parse_message(_alternative(f"{plain}\n", html)).text == plain


@pytest.mark.parametrize("html", ["<p>&#8203;</p>", "<div>&zwnj;<br>&#xFEFF;</div>"])
def test_an_html_part_of_invisible_characters_is_no_text(html: str) -> None:
    msg = EmailMessage()
    msg["From"] = "suzuki@customer.test"
    msg.set_content(html, subtype="html")
    assert parse_message(bytes(msg)).text == ""


def _forward(own: str, inner: bytes) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Ichiro Suzuki <suzuki@customer.test>"
    msg["To"] = "support@example.test"
    msg["Subject"] = "Fwd: Printer"
    msg["Message-ID"] = "<fwd@customer.test>"
    msg.set_content(own)
    msg.make_mixed()
    part = Message()
    part["Content-Type"] = "message/rfc822"
    part["Content-Disposition"] = "attachment"
    loaded = email.message_from_bytes(inner)
    part.set_payload([loaded])
    msg.attach(part)
    return bytes(msg)


def _incoming(team: App) -> dict[str, Any]:
    return [m for m in show(team, 1)["messages"] if m["direction"] == "in"][-1]


LINE = "The mail carries an attached message; its text follows."


@pytest.mark.parametrize(
    "own", ["", "\n\n", " \n", "\u200b\n"], ids=["empty", "blank", "space", "zwsp"]
)
def test_a_forward_with_a_blank_body_shows_the_attached_mails_words(team: App, own: str) -> None:
    inner = mail("Printer", f"{WORDS}\n", sender="bob@customer.test")
    deliver(team, _forward(own, inner))
    assert _incoming(team)["text"] == f"{LINE}\n\n{WORDS}"


def test_a_forward_with_only_a_signature_shows_the_attached_mails_words(team: App) -> None:
    inner = mail("Printer", f"{WORDS}\n", sender="bob@customer.test")
    deliver(team, _forward("-- \nIchiro Suzuki\nCustomer Ltd.\n", inner))
    assert _incoming(team)["text"] == f"{LINE}\n\n{WORDS}"


def test_a_signature_over_no_attached_mail_stays(team: App) -> None:
    msg = EmailMessage()
    msg["From"] = "Ichiro Suzuki <suzuki@customer.test>"
    msg["To"] = "support@example.test"
    msg["Subject"] = "Printer"
    msg.set_content("-- \nIchiro Suzuki\n")
    deliver(team, bytes(msg))
    assert _incoming(team)["text"] == "-- \nIchiro Suzuki"


def test_an_attached_html_only_mail_shows_its_words(team: App) -> None:
    inner = EmailMessage()
    inner["From"] = "bob@customer.test"
    inner["Subject"] = "Printer"
    inner.set_content(HTML, subtype="html")
    deliver(team, _forward("", bytes(inner)))
    assert _incoming(team)["text"] == f"{LINE}\n\n{WORDS}"


def test_an_attached_mail_whose_plain_part_is_a_placeholder_shows_its_html(team: App) -> None:
    deliver(team, _forward("", _alternative(f"{PLACEHOLDERS[0]}\n")))
    assert _incoming(team)["text"] == f"{LINE}\n\n{WORDS}"
