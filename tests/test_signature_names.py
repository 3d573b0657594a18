"""Signatures under commands whose name line the judge did not know: a Japanese name
in brackets (「山田太郎」), a name of kanji and hiragana (山田 はなこ), and a closing over
a bare first name ("Best regards,\\nJohn"). With the usual evidence under them (a
contact line, a company, a department over a phone), or when the name line is the
writer's own (their display name, a part of it, or their address's local part), they
are no words: a member's /close relayed them to the requester, a requester's /close
reopened a closed ticket.

Cautious still: a sentence (「山田です」), a name alone or over a department that is
not the writer's, a closing over a name that is not theirs, and a name in one word over
its romaji on the next line (「完了」 over "Taro Yamada" is an answer) are words."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gateway.core.clock import FakeClock
from gateway.pipeline import commands as c
from gateway.pipeline.parse.signatures import writer_names
from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import all_tickets, deliver, outbox, show

CONTACTS = [
    "TEL: 03-1234-5678",
    "株式会社エグザンプル",
    "情報システム部\nTEL 03-1234-5678",
    "yamada@example.test",
]

# name lines the judge did not know as a name, each under every kind of evidence
NAMES = [
    "「山田太郎」",
    "『山田太郎』",
    "【山田太郎】",
    "山田太郎 (Taro Yamada)",
    "山田太郎（Taro Yamada）",
    "山田 はなこ",
    "山田　はな子",
    "佐藤 ゆき",
]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("contact", CONTACTS)
def test_a_japanese_name_over_contact_lines_is_a_signature(name: str, contact: str) -> None:
    parsed = c.read_commands(f"/close\n\n{name}\n{contact}\n", 20, c.Role.MEMBER)
    assert [x.name for x in parsed.commands] == ["close"]
    assert parsed.remaining == ""


@pytest.mark.parametrize(
    ("line", "own"),
    [
        ("「山田太郎」", ("山田 太郎", "yamada@example.test")),
        ("山田太郎 (Taro Yamada)", ("Taro Yamada", "taro@example.test")),
        ("山田 はなこ", ("山田 はなこ", "hanako@example.test")),
    ],
)
def test_the_writers_own_name_alone_is_a_signature(line: str, own: tuple[str, str]) -> None:
    names = writer_names(*own)
    assert c.read_commands(f"/close\n\n{line}\n", 20, c.Role.MEMBER, names).remaining == ""
    # the same line from someone else: a name alone, which may be the answer
    other = writer_names("Ops One", "ops@example.test")
    kept = c.read_commands(f"/close\n\n{line}\n", 20, c.Role.MEMBER, other).remaining
    assert kept == line


@pytest.mark.parametrize(
    "closing",
    ["Best regards,", "Regards,", "Thanks,", "Cheers,", "Best,", "Best wishes,", "以上", "敬具"],
)
@pytest.mark.parametrize(
    ("name", "sender"),
    [
        ("John", ("John Smith", "jsmith@example.test")),  # a part of the display name
        ("John Smith", ("John Smith", "jsmith@example.test")),
        ("JOHN", ("John Smith", "js@example.test")),
        ("jsmith", ("", "jsmith@example.test")),  # the address's local part
        ("John", ("", "john.smith@example.test")),  # a part of it
        ("山田", ("山田 太郎", "yamada@example.test")),
        ("山田太郎", ("山田 太郎", "yamada@example.test")),
    ],
)
def test_a_closing_over_the_writers_own_name_is_a_signature(
    closing: str, name: str, sender: tuple[str, str]
) -> None:
    text = f"/close\n\n{closing}\n{name}\n"
    names = writer_names(*sender)
    assert c.read_commands(text, 20, c.Role.MEMBER, names).remaining == ""
    assert c.read_commands(text, 20, c.Role.REQUESTER, names).remaining == ""


def test_a_name_over_a_department_alone_is_a_signature_only_when_it_is_the_writers() -> None:
    """A name and a title may be all someone meant to say (who will handle it): with
    no contact line under them, only the writer's own name makes them a signature."""
    text = "/close\n\n「山田太郎」\n情報システム部\n"
    assert c.read_commands(text, 20, c.Role.MEMBER).remaining == "「山田太郎」\n情報システム部"
    own = writer_names("山田 太郎", "yamada@example.test")
    assert c.read_commands(text, 20, c.Role.MEMBER, own).remaining == ""


@pytest.mark.parametrize(
    "text",
    [
        "Best regards,\nJohn",  # not the writer's name: whom to ask, perhaps
        "Best regards,\nBob",
        "山田です",  # a sentence, even from 山田
        "山田です。",
        "以上、よろしくお願いいたします。\n山田",  # prose, then the name
        "よろしくお願いいたします\n山田",
        "John will call you.",  # the writer's name in a sentence
        "Best regards,\nJohn\nAsk Bob",  # more than a name under the closing
        "大阪市北区の件\n06-1234-5678",  # kanji and a particle: no name
        "大阪 の件\n06-1234-5678",
        "今日 まで\n06-1234-5678",
    ],
)
def test_words_stay_words(text: str) -> None:
    names = writer_names("山田 太郎", "yamada@example.test") + writer_names("Alice", "al@x.test")
    assert c.read_commands(f"/close\n\n{text}\n", 20, c.Role.MEMBER, names).remaining == text


def test_without_the_writers_names_a_closing_over_a_name_is_words() -> None:
    assert c.read_commands("/close\n\nBest regards,\nJohn\n", 20, c.Role.MEMBER).remaining


def test_a_members_close_with_best_regards_and_their_name_sends_nothing(team: App) -> None:
    deliver(team, mail("VPN", message_id="<req@customer.test>"))
    to = reply_address(team, 1, "ops@example.test")
    body = "/close\n\nBest regards,\nOps\n"
    raw = mail("RE: [#1] VPN", body=body, sender="Ops One <ops@example.test>", to=to)
    deliver(team, raw, envelope_to=(to,))
    assert show(team, 1)["state"] == "closed"
    assert outbox(team, "ops_reply") == []


def test_a_members_configured_name_is_theirs_too(team: App) -> None:
    """The From header may carry no name: the configured one (Ops One) is theirs."""
    deliver(team, mail("VPN", message_id="<req@customer.test>"))
    to = reply_address(team, 1, "ops@example.test")
    raw = mail("RE: [#1] VPN", body="/close\n\nCheers,\nOne\n", sender="ops@example.test", to=to)
    deliver(team, raw, envelope_to=(to,))
    assert outbox(team, "ops_reply") == []


def test_a_members_close_over_a_bracketed_name_and_phone_sends_nothing(team: App) -> None:
    deliver(team, mail("VPN", message_id="<req@customer.test>"))
    to = reply_address(team, 1, "ops@example.test")
    body = "/close\n\n「山田太郎」\nTEL: 03-1234-5678\n"
    raw = mail("RE: [#1] VPN", body=body, sender="ops@example.test", to=to)
    deliver(team, raw, envelope_to=(to,))
    assert outbox(team, "ops_reply") == []


@pytest.mark.parametrize("days", [1, 30])  # within the reopen window, and long after it
def test_a_requesters_close_with_regards_and_their_name_keeps_a_closed_ticket_closed(
    team: App, clock: FakeClock, days: int
) -> None:
    deliver(team, mail("VPN down", message_id="<r1@customer.test>"))
    ops = reply_address(team, 1, "ops@example.test")
    raw = mail("Re: VPN", body="/close\n\nFixed.\n", sender="ops@example.test", to=ops)
    deliver(team, raw, envelope_to=(ops,))
    clock.advance(timedelta(days=days))
    to = reply_address(team, 1, "alice@customer.test")
    out = deliver(
        team, mail("Re: VPN", body="/close\n\nBest regards,\nAlice\n", to=to), envelope_to=(to,)
    )
    assert out.ticket_id == 1, out.reason
    assert [t["id"] for t in all_tickets(team)] == [1]
    assert show(team, 1)["state"] == "closed"
