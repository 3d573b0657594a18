"""Reading command lines out of real replies: what an experienced helpdesk user writes
(and what their mail client does to it) is read as they meant it, and nothing else is.

Each case goes through the real parser (the raw mail, its quotes, its HTML, its
signature) and then the command reader, as the runner does.
"""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from gateway.pipeline import commands as c
from gateway.pipeline.parse.message import parse_message


def _raw(body: str, *, subtype: str = "plain", crlf: bool = False) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Alice <alice@customer.test>"
    msg["To"] = "support@example.test"
    msg["Subject"] = "Re: [#1] VPN"
    msg.set_content(body, subtype=subtype)
    raw = bytes(msg)
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") if crlf else raw


def read(raw: bytes, max_lines: int = 20) -> c.Parsed:
    return c.parse_commands(parse_message(raw).new_text, max_lines)


def names(parsed: c.Parsed) -> list[tuple[str, str]]:
    return [(cmd.name, cmd.arg) for cmd in parsed.commands]


@pytest.mark.parametrize(
    ("body", "expected", "remaining"),
    [
        # sentence punctuation a writer ends the line with is not part of the command
        ("/close。\nありがとうございました。\n", [("close", "")], "ありがとうございました。"),
        ("／ｃｌｏｓｅ。\n", [("close", "")], ""),
        ("/close.\n\nThanks, it works now.\n", [("close", "")], "Thanks, it works now."),
        ("/close!\n", [("close", "")], ""),
        ("/priority low。\n", [("priority", "low")], ""),
        ("/close duplicate.\n", [("close", "duplicate")], ""),
        ("/close…\n", [("close", "")], ""),
        # a question is not an instruction: kept as the writer's words
        ("/close?\nOr should we wait?\n", [], "/close?\nOr should we wait?"),
        # … nor is a sentence that merely starts with a command word
        ("/close. Thanks for your help\n", [], "/close. Thanks for your help"),
    ],
)
def test_trailing_punctuation(body: str, expected: list[tuple[str, str]], remaining: str) -> None:
    parsed = read(_raw(body))
    assert names(parsed) == expected
    assert parsed.remaining == remaining


def test_a_notes_text_keeps_its_punctuation() -> None:
    parsed = read(_raw("/note 先方に電話済み。\n明日また確認します。\n"))
    assert parsed.note == "先方に電話済み。\n明日また確認します。"
