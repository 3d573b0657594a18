"""A ``/field`` line hard-wrapped by the member's mail client (plain text without
format=flowed: Outlook at 76 columns, Thunderbird at 72, Japanese clients at 35 to 38
full-width characters). The tail of the value landed on the next line, which ended the
commands and was relayed to the requester as the member's words.

Decision: the line right under a ``/field`` line (no blank line between, not a command)
may be the rest of the value only when the client could have wrapped there: the /field
line and the next line's first word do not fit in 66 columns (the narrowest width a mail
client wraps at; a wide character is two). Then it is ambiguous: it is neither added to
the value (a guess) nor sent (it may be the internal value), and the member's transcript
says so. Under a short /field line the next line is the member's words, sent as always."""

from __future__ import annotations

import pytest

from gateway.core.i18n import translate
from gateway.pipeline import commands as c
from gateway.pipeline.command_lines import WRAPPED_FIELD
from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, words_of

# a value wrapped by the client: the first line as long as a client lets it be
WRAPPED = [
    (
        "/field description The colour printer on the third floor jams on every",
        "second page since the toner was replaced",
    ),
    (
        "/field 症状 三階のカラープリンタでトナー交換後から二枚に一",
        "枚の割合で紙詰まりが起きている",
    ),
]


@pytest.mark.parametrize(("first", "tail"), WRAPPED)
def test_the_tail_of_a_wrapped_field_is_not_sent_and_is_reported(first: str, tail: str) -> None:
    text = f"{first}\n{tail}\n\nI have ordered a new drum.\n"
    parsed = c.read_commands(text, 20, c.Role.MEMBER)
    assert [x.line for x in parsed.commands] == [first]
    assert parsed.remaining == "I have ordered a new drum."
    assert [(n.line, n.why) for n in parsed.ignored] == [(tail, WRAPPED_FIELD)]


@pytest.mark.parametrize(("first", "tail"), WRAPPED)
def test_a_wrapped_field_with_nothing_else_sends_nothing(first: str, tail: str) -> None:
    parsed = c.read_commands(f"{first}\n{tail}\n", 20, c.Role.MEMBER)
    assert parsed.remaining == ""
    assert len(parsed.ignored) == 1


@pytest.mark.parametrize(
    "text",
    [
        "/field os Windows 11\nHi Alice, I set the OS on your ticket.\n",  # short: words
        "/field 機種 MFC-L2750\nアリス様、機種を登録しました。\n",
        "/field os Windows 11\n\nHi Alice, I set the OS on your ticket.\n",  # blank line
    ],
)
def test_words_under_a_short_field_line_are_sent(text: str) -> None:
    parsed = c.read_commands(text, 20, c.Role.MEMBER)
    assert parsed.remaining == text.split("\n", 1)[1].strip()
    assert parsed.ignored == ()


def test_a_command_under_a_long_field_line_is_read() -> None:
    first = WRAPPED[0][0]
    parsed = c.read_commands(f"{first}\n/close\n\nDone.\n", 20, c.Role.MEMBER)
    assert [x.name for x in parsed.commands] == ["field", "close"]
    assert parsed.remaining == "Done."


@pytest.mark.parametrize("member", ["ops@example.test", "ops2@example.test"])
@pytest.mark.parametrize(("first", "tail"), WRAPPED)
def test_a_members_wrapped_field_reaches_the_requester_not_and_the_member_is_told(
    team: App, member: str, first: str, tail: str
) -> None:
    deliver(team, mail("Printer", message_id="<req@customer.test>"))
    to = reply_address(team, 1, member)
    body = f"{first}\n{tail}\n\nA new drum is on its way.\n"
    deliver(team, mail("Re: [#1] Printer", body=body, sender=member, to=to), envelope_to=(to,))
    [answer] = outbox(team, "ops_reply")
    assert "A new drum is on its way." in words_of(answer)
    assert tail not in words_of(answer)
    [transcript] = outbox(team, "command_result")
    told = words_of(transcript)
    locale = "ja" if member.startswith("ops2") else "en"
    assert translate(WRAPPED_FIELD, locale) in told, told
    assert tail in told
    assert show(team, 1)["state"] != "closed"
