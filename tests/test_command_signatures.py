"""A reply of commands only, under which Outlook (or any client) put the writer's
automatic signature: a name, a title, a company, phone lines, with no "-- " line above
them. It is not the writer's words: a member's "/close" sent the requester a mail holding
only the member's name and phone number. A real short answer above a signature, or a
short answer alone, is words and is sent."""

from __future__ import annotations

import pytest

from gateway.pipeline import commands as c
from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show

OUTLOOK_QUOTE = (
    "\n________________________________\nFrom: Alice <alice@customer.test>\n"
    "Sent: Saturday, December 5, 2026 10:00:00 AM\nTo: Support <support@example.test>\n"
    "Subject: RE: [#1] VPN\n\nHi\n"
)

# automatic signatures as clients write them under a reply, without a "-- " line
SIGNATURES = [
    "Taro Yamada\nIT Support Engineer\nExample Inc.\nTel: +81-3-1234-5678\n",
    "________________\nTaro Yamada | Service Desk Manager\nExample Ltd.\n"
    "Phone 03-1234-5678 | Mobile 090-1234-5678\nhttps://www.example.test\n",
    "山田 太郎\n株式会社エグザンプル 情報システム部\nTEL: 03-1234-5678 / 内線 1234\n"
    "E-mail: yamada@example.test\n",
    "━━━━━━━━━━━━━━━━\n株式会社エグザンプル\n情報システム部 課長\n山田 太郎\n"
    "〒100-0001 東京都千代田区千代田1-1\nTEL 03-1234-5678 FAX 03-1234-5679\n",
    "Bob Smith\nHead of IT\n+1 (555) 010-2000\nbob@example.test\n",
]


@pytest.mark.parametrize("signature", SIGNATURES)
@pytest.mark.parametrize("gap", ["\n", "\n\n"])
def test_a_signature_under_commands_is_not_words(signature: str, gap: str) -> None:
    for role in (c.Role.MEMBER, c.Role.REQUESTER):
        parsed = c.read_commands(f"/close{gap}{signature}", 20, role)
        assert [x.name for x in parsed.commands] == ["close"]
        assert parsed.remaining == ""


def test_a_signature_and_a_phones_line_under_commands_are_not_words() -> None:
    parsed = c.read_commands(f"/close\n\n{SIGNATURES[0]}\nSent from my iPhone\n", 20, c.Role.MEMBER)
    assert parsed.remaining == ""


@pytest.mark.parametrize(
    "words",
    [
        "Done",  # a short answer, alone
        "済みです",
        "Fixed.",
        "再起動で直りました。",
        "Thanks, it works.",
        "Call me",  # short, and nothing contact-like: words
        "Taro Yamada",  # a name alone: it may be all they meant to say; sent
    ],
)
@pytest.mark.parametrize("signature", ["", *SIGNATURES])
def test_words_above_a_signature_are_sent_with_it(words: str, signature: str) -> None:
    text = f"/close\n\n{words}\n" + (f"\n{signature}" if signature else "")
    remaining = c.read_commands(text, 20, c.Role.MEMBER).remaining
    assert remaining.startswith(words)
    assert remaining.strip() == f"{words}\n\n{signature}".strip()


@pytest.mark.parametrize(
    "words",
    [
        "Please call the service desk at 03-1234-5678 and ask for Taro.",
        "新しいサーバーは https://vpn.example.test です。",
        "Tel: 03-1234-5678 までお電話ください",
        # a short answer that is a link or a number, not a contact line
        "New URL: https://vpn.example.test/login",
        "Please check https://kb.example.test/123",
        "Call 03-1234-5678",
        "手順はこちら https://kb.example.test/123",
    ],
)
def test_a_sentence_holding_a_phone_or_a_link_is_words(words: str) -> None:
    assert c.read_commands(f"/close\n\n{words}\n", 20, c.Role.MEMBER).remaining == words


@pytest.mark.parametrize("signature", [SIGNATURES[0], SIGNATURES[2]])
def test_a_members_close_with_an_outlook_signature_sends_the_requester_nothing(
    team: App, signature: str
) -> None:
    deliver(team, mail("VPN", message_id="<req@customer.test>"))
    to = reply_address(team, 1, "ops@example.test")
    body = f"/close\n\n{signature}{OUTLOOK_QUOTE}"
    deliver(
        team, mail("RE: [#1] VPN", body=body, sender="ops@example.test", to=to), envelope_to=(to,)
    )
    assert show(team, 1)["state"] == "closed"
    assert outbox(team, "ops_reply") == []


def test_a_members_answer_above_their_signature_is_sent(team: App) -> None:
    deliver(team, mail("VPN", message_id="<req@customer.test>"))
    to = reply_address(team, 1, "ops@example.test")
    body = f"/close\n\nDone, please try again.\n\n{SIGNATURES[0]}{OUTLOOK_QUOTE}"
    deliver(
        team, mail("RE: [#1] VPN", body=body, sender="ops@example.test", to=to), envelope_to=(to,)
    )
    sent = outbox(team, "ops_reply")
    assert len(sent) == 1


# signatures whose name takes two lines: in two scripts (a Japanese name and its
# romanisation or reading), or a name, a title and then the company without a suffix
TWO_LINE_NAMES = [
    "山田 太郎\nYamada Taro\n株式会社エグザンプル 情報システム部\nTEL: 03-1234-5678\n",
    "山田 太郎\nTaro YAMADA\n株式会社エグザンプル\nTEL 03-1234-5678\n",
    "Taro Yamada\n山田 太郎\nExample K.K.\nTel: +81-3-1234-5678\n",
    "山田　太郎\nやまだ たろう\n情報システム部\n03-1234-5678\n",
    "John Smith\nSenior Engineer\nAcme\n+1 555 010 2000\n",
    "John Smith\nSenior Engineer | IT Operations\nAcme Widgets\nAustin, Texas\n"
    "john.smith@acme.test\n",
    "Jane Doe\nService Desk Manager\nNorthwind Traders\nMobile: +44 7700 900123\n",
    # a title's abbreviation ends with a full stop, as a company's "Inc." does
    "Yamada Taro\nExample Co., Ltd.\nSystem Administration Dept.\nTEL: +81-3-1234-5678\n",
    "Jane Doe\nSr. Network Engineer, IT Div.\nContoso\nMobile: +44 7700 900123\n",
]


@pytest.mark.parametrize("signature", TWO_LINE_NAMES)
@pytest.mark.parametrize("gap", ["\n", "\n\n"])
def test_a_signature_with_a_two_line_name_under_commands_is_not_words(
    signature: str, gap: str
) -> None:
    parsed = c.read_commands(f"/close{gap}{signature}", 20, c.Role.MEMBER)
    assert [x.name for x in parsed.commands] == ["close"]
    assert parsed.remaining == ""


@pytest.mark.parametrize(
    "words",
    [
        # short answers right above a signature, no blank line: words, sent
        "Done",
        "完了",
        "All Done",
        "対応済み",
        "Yes",
        "Restarted It",
        "再起動済み",
        "Fixed Now",
        "OK",
        # two short lines above it
        "完了\nAll Done",
        "Done\nRestarted It",
        "確認済み\n対応済み",
    ],
)
@pytest.mark.parametrize("signature", [*SIGNATURES, *TWO_LINE_NAMES])
def test_a_short_answer_right_above_a_signature_is_sent(words: str, signature: str) -> None:
    if signature.startswith(("_", "━")):
        signature = signature.split("\n", 1)[1]  # a rule above: the answer is apart anyway
    remaining = c.read_commands(f"/close\n{words}\n{signature}", 20, c.Role.MEMBER).remaining
    assert remaining == f"{words}\n{signature}".strip()


@pytest.mark.parametrize(
    "words",
    [
        # answers that look a bit like signatures: short lines, names, a phone number
        "John Smith\nAcme\n+1 555 010 2000",  # whom to call: may be the answer
        "担当: 山田 太郎\n03-1234-5678",
        "Yamada Taro\n山田 太郎",  # a name twice, nothing else: words
        "新しい担当者\n鈴木 一郎\n情報システム部\n03-1234-5678",
        "Contact\nJohn Smith\nSenior Engineer\n+1 555 010 2000",
        "Server\nSettings\nAccount\n03-1234-5678",
        "再起動\nRestarted\n株式会社エグザンプル\nTEL 03-1234-5678",
        "Done\n株式会社エグザンプル\n情報システム部 課長\n山田 太郎\nTEL 03-1234-5678",
        "Done\nTaro Yamada | Service Desk Manager\nExample Ltd.\nPhone 03-1234-5678",
        "Done\nJohn Smith\nSenior Engineer\nAcme\n+1 555 010 2000",
    ],
)
def test_answers_that_look_like_a_signature_are_sent(words: str) -> None:
    remaining = c.read_commands(f"/close\n\n{words}\n", 20, c.Role.MEMBER).remaining
    assert remaining == words


# signatures as Japanese writers type them: full-width letters and digits from the IME
# (ＴＥＬ：０３－…), rules of full-width asterisks, boxes drawn with corners
WIDE_FORMS = [
    "山田 太郎\n株式会社エグザンプル\nＴＥＬ：０３－１２３４－５６７８\n",
    "＊＊＊＊＊＊＊＊＊＊＊＊\n株式会社エグザンプル\n山田 太郎\nyamada@example.test\n"
    "＊＊＊＊＊＊＊＊＊＊＊＊\n",
    "┏━━━━━━━━━━┓\n株式会社エグザンプル\n山田 太郎\nyamada@example.test\n┗━━━━━━━━━━┛\n",
    "山田 太郎\n株式会社エグザンプル\nＭａｉｌ：yamada@example.test\n",
    # rules of the marks Japanese signatures are drawn with
    "――――――――――――\n株式会社エグザンプル\n山田 太郎\nTEL 03-1234-5678\n――――――――――――\n",
    "☆★☆★☆★☆★☆★☆★\n株式会社エグザンプル\n山田 太郎\nTEL 03-1234-5678\n",
    "◆◇◆◇◆◇◆◇◆◇◆◇\n株式会社エグザンプル\n山田 太郎\nTEL 03-1234-5678\n",
    "〓〓〓〓〓〓〓〓〓〓\n株式会社エグザンプル\n山田 太郎\nTEL 03-1234-5678\n",
    "+-+-+-+-+-+-+-+-+-+\n株式会社エグザンプル\n山田 太郎\nTEL 03-1234-5678\n",
    # an address without its prefecture (a designated city's ward, a Tokyo ward)
    "山田 太郎\n株式会社エグザンプル\n大阪市北区梅田１－２－３ 梅田ビル５Ｆ\nTEL 06-1234-5678\n",
    "山田 太郎\n株式会社エグザンプル\n千代田区丸の内1-1-1\nTEL 03-1234-5678\n",
]


@pytest.mark.parametrize("signature", WIDE_FORMS)
def test_a_signature_typed_in_full_width_under_commands_is_not_words(signature: str) -> None:
    assert c.read_commands(f"/close\n\n{signature}", 20, c.Role.MEMBER).remaining == ""


@pytest.mark.parametrize(
    "words",
    [
        "お電話ください：０３－１２３４－５６７８",
        "新しいＵＲＬ：https://vpn.example.test",
        "港区の1-2を確認",  # a ward and a number in an answer
        "大阪市北区の件\n06-1234-5678",
    ],
)
def test_a_full_width_sentence_with_a_phone_or_a_link_is_words(words: str) -> None:
    assert c.read_commands(f"/close\n\n{words}\n", 20, c.Role.MEMBER).remaining == words


@pytest.mark.parametrize(
    "closing", ["Best regards,", "Regards,", "Thanks,", "Cheers", "Kind regards"]
)
@pytest.mark.parametrize("signature", [SIGNATURES[0], SIGNATURES[4], TWO_LINE_NAMES[4]])
def test_a_closing_above_a_signature_under_commands_is_not_words(
    closing: str, signature: str
) -> None:
    """An English closing line over the signature is the client's or the writer's
    habit, no answer: a /close with it sent the requester "Best regards," and a card."""
    parsed = c.read_commands(f"/close\n\n{closing}\n{signature}", 20, c.Role.MEMBER)
    assert parsed.remaining == ""


@pytest.mark.parametrize("words", ["Thanks,", "Best regards,", "Thanks, it works now,"])
def test_a_closing_alone_or_a_sentence_is_words(words: str) -> None:
    assert c.read_commands(f"/close\n\n{words}\n", 20, c.Role.MEMBER).remaining == words
    below = f"{words}\nDone\n{SIGNATURES[0]}"  # an answer between it and the signature
    assert c.read_commands(f"/close\n\n{below}", 20, c.Role.MEMBER).remaining == below.strip()
