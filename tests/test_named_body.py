"""A mail that is one text part with a file name (``Content-Type: text/plain;
name="message.txt"``, ``Content-Disposition: inline``: scanners, monitoring devices,
Apple Mail with a text file dropped in and nothing else) is shown by every mail client
as its text. It gave a ticket with no text and the words only in a file. Such a part,
when it is the whole message and not marked as an attachment, is the ticket's text,
and stays listed as the file it was sent as; inside a multipart a named text part is
still a file (the words are the other parts')."""

from __future__ import annotations

import pytest

from gateway.pipeline.parse.message import parse_message

HEAD = "From: a@customer.test\nTo: support@example.test\nSubject: s\nMIME-Version: 1.0\n"


@pytest.mark.parametrize(
    ("headers", "text"),
    [
        (
            'Content-Type: text/plain; charset=utf-8; name="message.txt"\n'
            'Content-Disposition: inline; filename="message.txt"\n',
            "The printer is jammed.",
        ),
        ('Content-Type: text/plain; name="report.txt"\n', "The printer is jammed."),
        ('Content-Type: text/html; name="body.html"\n', "The printer is jammed."),
    ],
    ids=["inline", "no-disposition", "html"],
)
def test_a_mail_that_is_one_named_text_part_shows_its_words(headers: str, text: str) -> None:
    body = "<p>The printer is jammed.</p>" if "html" in headers else "The printer is jammed."
    msg = parse_message(f"{HEAD}{headers}\n{body}\n".encode())
    assert msg.text == text
    assert len(msg.attachments) == 1


def test_one_marked_as_an_attachment_stays_a_file() -> None:
    raw = f"{HEAD}Content-Type: text/plain\nContent-Disposition: attachment; filename=a.txt\n\nx\n"
    msg = parse_message(raw.encode())
    assert msg.text == ""
    assert [a.filename for a in msg.attachments] == ["a.txt"]


def test_a_named_text_part_in_a_multipart_stays_a_file() -> None:
    raw = (
        f'{HEAD}Content-Type: multipart/mixed; boundary="b"\n\n'
        "--b\nContent-Type: text/plain\n\nSee the log.\n"
        '--b\nContent-Type: text/plain; name="log.txt"\nContent-Disposition: inline\n\n'
        "error 42\n--b--\n"
    )
    msg = parse_message(raw.encode())
    assert msg.text == "See the log."
    assert [a.filename for a in msg.attachments] == ["log.txt"]
