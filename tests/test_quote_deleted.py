"""Words written below a kept attribution line whose quote the writer deleted are theirs.

Decision: an attribution line ("On … wrote:", 「… さんは書きました:」, any form the quote
reader knows, also wrapped) with nothing above it says who wrote the old mail; what
follows it *unmarked* is what the writer typed after deleting the quote, and is the
reply's new text (relayed, its commands read). What stays old mail: ``>`` lines (a
quote marked as one, or an HTML quote rendered so), and whatever follows a header that
always copies the old mail unmarked (Outlook's From:/Sent: block, a rule above it,
"-----Original Message-----").
"""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from gateway.pipeline import commands as c
from gateway.pipeline.commands import Role
from gateway.pipeline.parse.message import parse_message
from gateway.pipeline.parse.quotes import split_reply
from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, text_of

# every attribution form the quote reader knows, as a client writes it
ATTRIBUTIONS = {
    "on-wrote": "On Sat, Dec 5, 2026 at 10:00 AM Yamada <a@b.test> wrote:",
    "on-wrote-no-colon": "On Sat, Dec 5, 2026, Yamada wrote",
    "am-schrieb": "Am 05.12.2026 um 10:00 schrieb Yamada <a@b.test>:",
    "gmail-ja": "2026年12月5日(土) 10:00 山田 <a@b.test>:",
    "iphone-ja": "2026/12/05 10:00、山田のメッセージ:",
    "apple-mail-ja": "2026/12/05 6:40、山田 太郎 <a@b.test>のメール:",
    "thunderbird-ja": "山田 太郎 さんは書きました:",
    "san-kara": "山田さんから:",
    "bracketed-address": "山田 太郎 <taro@example.jp>:",
    "address-wrote": "a@b.test wrote:",
    "dated-wrote": "2026/12/05 10:00, Yamada wrote:",
    "wrapped-ja": "2026年12月5日(土) 10:00 山田 太郎 <\ntaro.yamada@example.jp>:",
    "wrapped-en": "On Sat, Dec 5, 2026 at 10:00 AM, Yamada Taro <\ntaro@example.jp> wrote:",
}


@pytest.mark.parametrize("attribution", ATTRIBUTIONS.values(), ids=ATTRIBUTIONS.keys())
@pytest.mark.parametrize("gap", ["\n", "\n\n"])
def test_words_below_an_attribution_whose_quote_was_deleted_are_new(
    attribution: str, gap: str
) -> None:
    body = f"{attribution}{gap}/close\n直りました。ありがとうございました。\n"
    assert split_reply(body) == "/close\n直りました。ありがとうございました。"
    assert split_reply(body.replace("\n", "\r\n")) == "/close\n直りました。ありがとうございました。"


@pytest.mark.parametrize(
    ("body", "new"),
    [
        # the writer's words, then what they kept of the quote, marked: the quote is old
        ("ATTR\n\nWorks now.\n\n> Can you try again?\n", "Works now."),
        # answers between quoted lines (inline replying): the answers are new, each
        # under the quoted line it answers
        ("ATTR\n> first?\nyes\n> second?\nno\n", "> first?\nyes\n\n> second?\nno"),
        # a quote marked as one is old, however it came
        ("ATTR\n> /close\n> 直りました。\n", ""),
        # only the attribution: nothing written
        ("ATTR\n\n", ""),
        # the writer's signature is not their words
        ("ATTR\n\nWorks now.\n-- \nAlice\n", "Works now."),
    ],
)
@pytest.mark.parametrize("attribution", ATTRIBUTIONS.values(), ids=ATTRIBUTIONS.keys())
def test_below_an_attribution_a_marked_quote_is_still_old(
    body: str, new: str, attribution: str
) -> None:
    assert split_reply(body.replace("ATTR", attribution)) == new


@pytest.mark.parametrize(
    "body",
    [
        # headers that always copy the old mail unmarked: what follows is the old mail
        "From: Support <support@example.test>\nSent: Saturday, December 5, 2026 10:00 AM\n"
        "To: Alice <alice@customer.test>\nSubject: RE: [#1] VPN\n\n/close\nRenewed.\n",
        "差出人: サポート <support@example.test>\n送信日時: 2026年12月5日 10:00\n"
        "宛先: alice@customer.test\n件名: RE: [#1] VPN\n\n/close\n更新しました。\n",
        "-----Original Message-----\nFrom: support@example.test\n/close\nRenewed.\n",
        "-----元のメッセージ-----\n差出人: サポート\n/close\n更新しました。\n",
        "________________________________\nFrom: Support\nSent: today\nTo: Alice\n"
        "Subject: x\n\n/close\n",
    ],
    ids=["outlook-en", "outlook-ja", "original-message", "original-message-ja", "rule"],
)
def test_below_a_header_that_copies_the_old_mail_unmarked_nothing_is_new(body: str) -> None:
    assert split_reply(body) == ""


def _html(html: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Alice <alice@customer.test>"
    msg["To"] = "support@example.test"
    msg["Subject"] = "Re: [#1] VPN"
    msg.set_content(html, subtype="html")
    return bytes(msg)


def test_an_html_quote_under_a_kept_attribution_is_still_old() -> None:
    """The writer deleted nothing: Gmail's quote container marks the old mail."""
    html = (
        '<div class="gmail_quote"><div class="gmail_attr">2026年12月5日(土) 10:00 山田 '
        '&lt;a@b.test&gt;:</div><blockquote class="gmail_quote">/close<br>直りました。'
        "</blockquote></div>"
    )
    new = parse_message(_html(html)).new_text
    assert c.read_commands(new, 20, Role.REQUESTER).commands == ()


def test_a_requesters_words_below_a_kept_attribution_close_and_reach_the_members(
    team: App,
) -> None:
    deliver(team, mail("VPN が繋がりません", message_id="<kept@customer.test>"))
    to = reply_address(team, 1, "alice@customer.test")
    body = "2026年12月5日(土) 10:00 サポート <support@example.test>:\n\n/close\n直りました。\n"
    deliver(team, mail("Re: [#1] VPN", body=body, to=to), envelope_to=(to,))
    assert show(team, 1)["state"] == "closed"
    notices = [text_of(m) for m in outbox(team, "ticket_notice")]
    assert any("直りました。" in n for n in notices), notices


# The same inline answers under a greeting: Japanese business mail opens with 「山田様」
# and 「お世話になっております。」 above the quote it answers point by point.
@pytest.mark.parametrize(
    ("body", "new"),
    [
        # the greeting, then answers between quoted lines: both are new, each answer
        # under the quoted line it answers
        (
            "山田様\n\nお世話になっております。\n\nATTR\n> 質問1\n回答1です。\n\n> 質問2\n"
            "回答2です。\n\n以上、よろしくお願いいたします。\n",
            "山田様\n\nお世話になっております。\n\n> 質問1\n回答1です。\n\n> 質問2\n"
            "回答2です。\n\n以上、よろしくお願いいたします。",
        ),
        (
            "Hi Taro,\n\nATTR\n> first?\nyes\n> second?\nno\n",
            "Hi Taro,\n\n> first?\nyes\n\n> second?\nno",
        ),
        # top-posting: words above, the whole quote below, marked: only the words are new
        ("Works now.\n\nATTR\n> Can you try again?\n>\n> Thanks\n", "Works now."),
        # the writer's signature under the quote (Thunderbird's "below the quote") is not
        # an answer between quoted lines
        ("Works now.\n\nATTR\n> Can you try again?\n\n-- \nAlice\n", "Works now."),
    ],
    ids=["ja-greeting", "en-greeting", "top-posted", "signature-below"],
)
@pytest.mark.parametrize("attribution", ATTRIBUTIONS.values(), ids=ATTRIBUTIONS.keys())
def test_answers_between_quoted_lines_under_a_greeting_are_new(
    body: str, new: str, attribution: str
) -> None:
    assert split_reply(body.replace("ATTR", attribution)) == new


def test_answers_under_a_quoted_original_message_block_are_new() -> None:
    """Becky! and older Outlook Express quote the whole old mail, its
    "-----Original Message-----" header included, with ``>``: the lines between are
    the answers."""
    body = (
        "山田様\n\n-----Original Message-----\n>From: 山田\n>Sent: Sunday\n>\n>質問1\n"
        "回答1です。\n>質問2\n回答2です。\n"
    )
    assert split_reply(body) == "山田様\n\n>質問1\n回答1です。\n\n>質問2\n回答2です。"
    # its header block unmarked (Outlook): what follows is the old mail, whatever it is
    outlook = "Done.\n\n-----Original Message-----\nFrom: Yamada\n> first?\nyes\n> again\n"
    assert split_reply(outlook) == "Done."
