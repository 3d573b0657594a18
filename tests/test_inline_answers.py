"""Answers written inside the quoted mail keep the question they answer.

A customer (or a member) answers point by point: the old mail quoted, a line typed
under each question. The answers were kept and the questions cut ("PC-0123", "3F" on
the ticket, answering nothing), and only when an attribution stood above the quote:
without one, the first question went and the others stayed, whole. Now, whatever the
quote's shape (an attribution or none, a greeting above it, ``>``, a name's
``tanaka>``, ``|``, an HTML quote), each answer keeps the quoted lines right above it
(:data:`.inline_answers.CONTEXT_LINES` at most, back to the quote's paragraph break)
and every other quoted line goes: a 300-line quote with two answers does not come
back whole. A top- or bottom-posted reply's quote goes whole, as before.
"""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from gateway.pipeline import commands as c
from gateway.pipeline.parse.inline_answers import CONTEXT_LINES, answered_inline, with_context
from gateway.pipeline.parse.message import parse_message
from gateway.pipeline.parse.quotes import split_reply
from gateway.runtime.app import App
from tests.support import hostile
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, text_of

# what each client writes over the quote (English and Japanese clients)
HEADERS = {
    "none": "",
    "gmail-en": "On Tue, Dec 1, 2026 at 10:00 AM Support <support@example.test> wrote:\n",
    "gmail-ja": "2026年12月1日(火) 10:00 サポート <support@example.test>:\n",
    "thunderbird-en": "On 2026/12/01 10:00, Support wrote:\n",
    "thunderbird-ja": "2026/12/01 10:00 に サポート窓口 さんは書きました:\n",
    "apple-mail-ja": "2026/12/01 10:00、サポート <support@example.test>のメール:\n",
    "apple-mail-en": "On Dec 1, 2026, at 10:00, Support <support@example.test> wrote:\n",
    # Becky! and Shuriken quote the old mail's header block with ">" too
    "becky": "-----Original Message-----\n",
    "shuriken": "サポート <support@example.test> wrote:\n",
}
# the greeting a Japanese writer puts above, or none
GREETINGS = {"none": "", "ja": "山田様\n\nお世話になっております。\n\n", "en": "Hi,\n\n"}

FILLER = [f"> 説明の行 {n} です。" for n in range(150)]


def _quote(*paragraphs: list[str]) -> str:
    return "\n>\n".join("\n".join(p) for p in paragraphs) + "\n"


def _mail_body(header: str, greeting: str) -> tuple[str, str]:
    """(a reply answering two questions inside a 300-line quote, its expected new text)"""
    old = (["> From: サポート", "> Sent: Tuesday"] if header.startswith("-----") else []) + [
        "> お問い合わせありがとうございます。"
    ]
    body = (
        greeting
        + header
        + _quote(old, FILLER, ["> 1. PC 名を教えてください。", "> (例: PC-0000)"])
        + "PC-0123 です。\n"
        + _quote(["> 2. 何階にいらっしゃいますか。"], FILLER, ["> 以上、よろしくお願いします。"])
        + "\n-- \n山田 太郎\n"
    )
    wanted = (
        greeting
        + "> 1. PC 名を教えてください。\n> (例: PC-0000)\nPC-0123 です。\n\n"
        + "> 2. 何階にいらっしゃいますか。\n3F です。"
    )
    body = body.replace(
        "> 2. 何階にいらっしゃいますか。\n", "> 2. 何階にいらっしゃいますか。\n3F です。\n"
    )
    return body, wanted.rstrip("\n")


@pytest.mark.parametrize("greeting", GREETINGS.values(), ids=GREETINGS.keys())
@pytest.mark.parametrize("header", HEADERS.values(), ids=HEADERS.keys())
def test_each_answer_keeps_the_quoted_lines_right_above_it(header: str, greeting: str) -> None:
    body, wanted = _mail_body(header, greeting)
    new = split_reply(body)
    assert new == wanted
    assert "説明の行" not in new and "以上" not in new  # the unanswered parts stay cut


@pytest.mark.parametrize(
    ("text", "new"),
    [
        # the two shapes of the issue: with the attribution and without, one result
        (
            "On Mon, 1 Dec 2026, Support <s@x.test> wrote:\n> What is your PC name?\n"
            "PC-0123\n> Which floor?\n3F\n",
            "> What is your PC name?\nPC-0123\n\n> Which floor?\n3F",
        ),
        (
            "> What is your PC name?\nPC-0123\n> Which floor?\n3F\n",
            "> What is your PC name?\nPC-0123\n\n> Which floor?\n3F",
        ),
        # a quoted blank line between the question and the answer is no paragraph break
        ("> Q1?\n>\nA1\n> Q2?\n\nA2\n", "> Q1?\nA1\n\n> Q2?\nA2"),
        # only the question's paragraph, not the one above it
        ("> intro\n>\n> Q1?\nA1\n> rest\n", "> Q1?\nA1"),
        # nested quotes, and the "＞" a Japanese input method types
        ("> > old\n> Q1?\nA1\n＞ Q2?\nA2\n", "> > old\n> Q1?\nA1\n\n＞ Q2?\nA2"),
        # an answer of several lines and paragraphs stays whole
        ("> Q1?\nline 1\n\nline 2\n> Q2?\nA2\n", "> Q1?\nline 1\n\nline 2\n\n> Q2?\nA2"),
        # top- and bottom-posted: the quote goes whole, as before
        ("Works now.\n\n> Can you try?\n> Thanks\n", "Works now."),
        ("> Can you try?\n> Thanks\n\nWorks now.\n", "Works now."),
    ],
    ids=["attribution", "none", "blank", "paragraph", "nested", "long", "top", "bottom"],
)
def test_inline_answers_read_the_same_whatever_the_quote(text: str, new: str) -> None:
    assert split_reply(text) == new


def test_only_the_nearest_quoted_lines_are_kept() -> None:
    quote = "".join(f"> line {n}\n" for n in range(10))
    new = split_reply(f"{quote}answer\n{quote}")
    assert new == "".join(f"> line {n}\n" for n in range(10 - CONTEXT_LINES, 10)) + "answer"


def test_a_quoted_command_above_an_answer_is_still_no_command() -> None:
    new = split_reply("> /close\n> 直りましたか?\nいいえ、まだです。\n> 以上\n")
    assert new == "> /close\n> 直りましたか?\nいいえ、まだです。"
    assert c.read_commands(new, 20, c.Role.REQUESTER).commands == ()


def test_the_writers_commands_between_quotes_still_count() -> None:
    """Commands lead the new text: the question above them would make them words."""
    for header in ("", HEADERS["gmail-en"], HEADERS["thunderbird-ja"]):
        new = split_reply(f"{header}> 直りましたか?\n/close\n直りました。\n> 以上\n")
        assert new == "/close\n直りました。"
        assert [x.name for x in c.read_commands(new, 20, c.Role.REQUESTER).commands] == ["close"]
    new = split_reply("> Q1?\n/close\n> Q2?\nA2\n")  # a second answer keeps its question
    assert new == "/close\n\n> Q2?\nA2"


def _html(html: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Alice <alice@customer.test>"
    msg["To"] = "support@example.test"
    msg["Subject"] = "Re: [#1] VPN"
    msg.set_content(html, subtype="html")
    return bytes(msg)


def test_an_html_reply_answered_inside_gmails_quote_keeps_the_questions() -> None:
    """Gmail and Apple Mail split the blockquote where the writer types an answer."""
    html = (
        '<div dir="ltr">Hi,</div><div class="gmail_quote"><div class="gmail_attr">On Mon, '
        "Support &lt;s@x.test&gt; wrote:</div>"
        '<blockquote class="gmail_quote">Hello,<br><br>What is your PC name?</blockquote>'
        "<div>PC-0123</div>"
        '<blockquote class="gmail_quote">Which floor?<br><br>Regards</blockquote></div>'
    )
    new = parse_message(_html(html)).new_text
    assert new == "Hi,\n\n> What is your PC name?\nPC-0123"
    # not answered inline: the quote goes whole, as before
    top = html.replace("<div>PC-0123</div>", "")
    assert parse_message(_html(top)).new_text == "Hi,"


def test_a_members_relay_keeps_only_lines_a_customer_has_read() -> None:
    """:func:`with_context` with ``shown``: a refused line ends the context above it."""
    text = "> Alice: can it?\n> note: she is upset\n> Q?\nA\n> tail\nB\n"
    assert with_context(text, {"Q?", "Alice: can it?"}.__contains__) == "> Q?\nA\nB"


HOSTILE = 200_000  # characters


@pytest.mark.parametrize(
    "unit",
    [
        "> q\na\n",
        ">\na\n>\n\n",
        "> " + "x" * 300 + "\n" + "y" * 300 + "\n",
        "＞ q\n\n",
        "tanaka> q\na\n",
        "| q\na\n",
        "> > > > > q\na\n",
        "[x] a\n",
        "[x]\n> [x]\n",
    ],
)
def test_hostile_shapes_cost_linear_time(unit: str) -> None:
    text = "On Mon, 1 Dec 2026, Support <s@x.test> wrote:\n" + unit * (HOSTILE // len(unit))
    bare = unit * (HOSTILE // len(unit))
    with hostile.within(3.0, repr(unit)):
        split_reply(text)
        split_reply(bare)
        split_reply("Hi,\n\n" + text)
        with_context(bare, frozenset({"q"}).__contains__)
        answered_inline(bare)


# end to end, through the runner


def test_a_requesters_inline_answers_land_on_the_ticket_with_their_questions(team: App) -> None:
    deliver(team, mail("VPN", body="VPN が繋がりません。\n", message_id="<req@customer.test>"))
    to = reply_address(team, 1, "alice@customer.test")
    body = (
        "2026/12/01 10:00 に サポート さんは書きました:\n> PC 名を教えてください。\nPC-0123\n"
        "> 何階ですか。\n3F です。\n> 以上、よろしくお願いします。\n"
    )
    deliver(team, mail("Re: [#1] VPN", body=body, to=to), envelope_to=(to,))
    stored = [m["new_text"] for m in show(team, 1)["messages"] if m["direction"] == "in"][-1]
    assert stored == "> PC 名を教えてください。\nPC-0123\n\n> 何階ですか。\n3F です。"


def test_a_members_inline_answers_reach_the_requester_under_her_own_questions(
    team: App,
) -> None:
    request = "VPN が繋がりません。\nどのサーバーを使えばよいですか?\n再起動は必要ですか?\n"
    deliver(team, mail("VPN", body=request, message_id="<req@customer.test>"))
    to = reply_address(team, 1, "ops@example.test")
    body = (
        "> Hello Ops One,\n> Ops Two added an internal note:\n> 怒っています\n"
        "> どのサーバーを使えばよいですか?\nvpn2 をお使いください。\n"
        "> 再起動は必要ですか?\n不要です。\n> The ticket is now: open\n"
    )
    raw = mail("Re: [#1] VPN", body=body, sender="ops@example.test", to=to)
    deliver(team, raw, envelope_to=(to,))
    [sent] = [text_of(m) for m in outbox(team, "ops_reply")]
    assert "> どのサーバーを使えばよいですか?\nvpn2 をお使いください。" in sent, sent
    assert "> 再起動は必要ですか?\n不要です。" in sent, sent
    assert "怒っています" not in sent and "internal note" not in sent, sent


def test_an_inline_thanks_is_only_thanks() -> None:
    """The questions kept above the answers are not the writer's words: "> Did it
    work?" made a thanks read as a question, and a closed ticket reopened."""
    from gateway.pipeline.thanks import judge

    new = split_reply(
        "On Mon, Support <s@x.test> wrote:\n> Did it work?\nYes, thanks!\n"
        "> Anything else?\nThat is all, thank you.\n> Regards\n"
    )
    assert new.startswith("> Did it work?")
    assert judge(new).only_thanks


def test_a_quoted_field_line_above_an_answer_fills_no_field() -> None:
    """Our field request quoted above the answer ("> quantity: (e.g. 2)") is not a value."""
    from gateway.catalog.load import parse_catalog
    from gateway.catalog.sheet import parse_sheet

    entry = parse_catalog(
        "entries:\n  - id: purchase\n    name: Purchase\n    keywords: [buy]\n    fields:\n"
        "      - {name: item, label: {en: Item}}\n"
        "      - {name: quantity, label: {en: Quantity}, type: number}\n"
        "  - id: other\n    name: Other\n    fallback: true\n    manager: boss@example.test\n"
    ).entry("purchase")
    assert entry is not None
    new = split_reply(
        "> item: (what you buy)\nLaptop\n> quantity: (how many)\nitem: Mouse\n> end\n"
    )
    assert new == "> item: (what you buy)\nLaptop\n\n> quantity: (how many)\nitem: Mouse"
    sheet = parse_sheet(entry, new)
    assert sheet.values == {"item": "Mouse"} and sheet.rejected == ()


def test_a_member_answering_inside_the_whole_notice_sends_only_the_requesters_questions(
    team: App,
) -> None:
    """The member quotes the whole notice they got (its header, the ticket's facts, the
    command help) and answers under the requester's questions in it: each answer goes
    under its question, and no line of the notice that is not the requester's."""
    request = "VPN が繋がりません。\nどのサーバーを使えばよいですか?\n再起動は必要ですか?\n"
    deliver(team, mail("VPN", body=request, message_id="<req@customer.test>"))
    [notice] = [text_of(m) for m in outbox(team, "new_ticket")]
    quoted = "".join(f"> {line}\n" if line else ">\n" for line in notice.split("\n"))
    for question, answer in (
        ("どのサーバーを使えばよいですか?", "vpn2 をお使いください。"),
        ("再起動は必要ですか?", "不要です。"),
    ):
        assert f"> {question}\n" in quoted
        quoted = quoted.replace(f"> {question}\n", f"> {question}\n{answer}\n")
    to = reply_address(team, 1, "boss@example.test")
    body = "On Mon, Support <support@example.test> wrote:\n" + quoted
    raw = mail("Re: [#1] VPN", body=body, sender="boss@example.test", to=to)
    deliver(team, raw, envelope_to=(to,))
    [sent] = [text_of(m) for m in outbox(team, "ops_reply")]
    words = sent.split("\n\n※")[0]  # the template's footer under the member's words
    assert words == (
        "> VPN が繋がりません。\n> どのサーバーを使えばよいですか?\nvpn2 をお使いください。\n\n"
        "> 再起動は必要ですか?\n不要です。"
    ), sent
