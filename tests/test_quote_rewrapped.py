"""A quoted line a client wrapped again, its end left without a ``>``, is quote.

Clients that quote with ``> `` and then hard-wrap the reply at their width break every
quoted line the prefix made too long and leave its end unquoted, between two quoted
lines. That end was read as an answer given inline: the ticket showed "log file." (and,
since answers keep their question, the quoted line above it) as the writer's. Here the
quotes are made the way such a client makes them (a paragraph wrapped at the sender's
width, quoted, wrapped again at the replier's), in English and in Japanese, and the
writer's own answers between quoted lines must stay answers.
"""

from __future__ import annotations

import textwrap

import pytest

from gateway.core.wrap import width_of
from gateway.pipeline.parse.message import parse_message
from gateway.pipeline.parse.quote_wraps import rejoined
from gateway.pipeline.parse.quotes import split_reply
from gateway.runtime.app import App
from tests.support import hostile
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, text_of

ATTRIBUTION = "On Mon, 1 Dec 2026, Support <s@x.test> wrote:\n"
ATTRIBUTION_JA = "2026年12月1日(月) 10:00 サポート <s@x.test>:\n"

ENGLISH = [
    "Please restart the VPN client and try again. If it still fails, send us the log "
    "file from the client's folder and the exact time you tried, so that we can match "
    "it with the gateway's own records of the attempt.",
    "We have also renewed the certificate of the remote access gateway yesterday "
    "evening, which may have caused the error message you reported this morning.",
]
JAPANESE = [
    "お手数ですが、VPN クライアントを再起動してから、もう一度接続をお試しください。"
    "それでも接続できない場合は、クライアントのフォルダにあるログファイルと、"
    "お試しいただいた正確な時刻をお送りいただけますでしょうか。ゲートウェイ側の記録と照合いたします。",
]


def _wrap_ja(text: str, columns: int) -> list[str]:
    """Lines of at most ``columns`` columns, broken between any two characters."""
    lines, line = [], ""
    for ch in text:
        if width_of(line + ch) > columns:
            lines.append(line)
            line = ""
        line += ch
    return [*lines, line] if line else lines


def _rewrapped(paragraphs: list[str], sent: int, replied: int, ja: bool = False) -> str:
    """The quote a client makes: each paragraph wrapped at ``sent`` columns by the
    sender, quoted with "> ", each quoted line longer than ``replied`` wrapped again
    there with its end unquoted."""
    out: list[str] = []
    for paragraph in paragraphs:
        lines = _wrap_ja(paragraph, sent) if ja else textwrap.wrap(paragraph, sent)
        for line in lines:
            quoted = f"> {line}"
            if width_of(quoted) <= replied:
                out.append(quoted)
            elif ja:
                out.extend(_wrap_ja(quoted, replied))
            else:
                out.extend(textwrap.wrap(quoted, replied))
        out.append(">")
    out.append("> Regards, Support")
    return "\n".join(out) + "\n"


SHAPES = [
    (ENGLISH, 76, 72, False),
    (ENGLISH, 78, 76, False),
    (ENGLISH, 78, 72, False),
    (ENGLISH, 80, 78, False),
    (JAPANESE, 76, 72, True),  # 38 full-width characters sent, 36 a line replied
    (JAPANESE, 80, 76, True),
    (JAPANESE, 78, 74, True),
    # the sender's paragraph on one line (an HTML mail, Outlook): several unquoted lines
    (ENGLISH, 1000, 76, False),
    (ENGLISH, 1000, 72, False),
]


@pytest.mark.parametrize(("paragraphs", "sent", "replied", "ja"), SHAPES)
def test_the_shapes_made_here_leave_unquoted_ends(
    paragraphs: list[str], sent: int, replied: int, ja: bool
) -> None:
    quote = _rewrapped(paragraphs, sent, replied, ja)
    assert any(line and not line.startswith(">") for line in quote.split("\n"))


@pytest.mark.parametrize(("paragraphs", "sent", "replied", "ja"), SHAPES)
@pytest.mark.parametrize("header", ["", ATTRIBUTION, ATTRIBUTION_JA])
def test_a_rewrapped_quote_under_a_top_posted_reply_is_no_answer(
    paragraphs: list[str], sent: int, replied: int, ja: bool, header: str
) -> None:
    top = "接続できました。ありがとうございます。" if ja else "Thanks, that fixed it."
    body = f"{top}\n\n{header}{_rewrapped(paragraphs, sent, replied, ja)}"
    assert split_reply(body) == top


@pytest.mark.parametrize(("paragraphs", "sent", "replied", "ja"), SHAPES)
def test_a_rewrapped_quote_above_a_bottom_posted_reply_is_no_answer(
    paragraphs: list[str], sent: int, replied: int, ja: bool
) -> None:
    below = "もう一度試します。" if ja else "I will try again tonight."
    body = f"{ATTRIBUTION}{_rewrapped(paragraphs, sent, replied, ja)}\n{below}\n"
    assert split_reply(body) == below
    assert split_reply(f"{_rewrapped(paragraphs, sent, replied, ja)}\n{below}\n") == below


def test_an_answer_under_a_rewrapped_line_keeps_the_line_as_it_was_sent() -> None:
    body = (
        "Hi,\n\n"
        + ATTRIBUTION
        + "> Please restart the VPN client and try again. If it still fails, send us the\n"
        "log file.\n"
        "> Did that help?\n"
        "No, it did not.\n"
        "> Regards, Support\n"
    )
    assert split_reply(body) == (
        "Hi,\n\n"
        "> Please restart the VPN client and try again. If it still fails, send us the "
        "log file.\n"
        "> Did that help?\n"
        "No, it did not."
    )


@pytest.mark.parametrize(
    "quote",
    [
        "> > Please restart the VPN client and try again. If it still fails, send us\n"
        "the log file.\n> > Regards, Support\n",
        "tanaka> Please restart the VPN client and try again. If it still fails, send\n"
        "us the log file.\ntanaka> Regards, Support\n",
        "  > Please restart the VPN client and try again. If it still fails, send us the\n"
        "log file.\n  > Regards, Support\n",
        "＞ お手数ですが、VPN クライアントを再起動してから、もう一度接続をお試し\n"
        "ください。\n＞ 以上\n",
        "> Please restart the VPN client and try again. If it still fails, send us the  \n"
        "log file.\n>\n> Regards, Support\n",
    ],
    ids=["nested", "named", "indented", "full-width", "flowed-space"],
)
def test_the_end_of_a_wrapped_line_is_quote_whatever_its_mark(quote: str) -> None:
    assert split_reply(f"Thanks.\n\n{quote}") == "Thanks."
    assert split_reply(f"{quote}\nThanks.\n") == "Thanks."


def test_a_japanese_end_joins_its_line_without_a_space() -> None:
    line = "＞ お手数ですが、VPN クライアントを再起動してから、もう一度接続をお試し"
    assert rejoined(f"{line}\nください。\n＞ 以上\n") == f"{line}ください。\n＞ 以上\n"


@pytest.mark.parametrize(
    "text",
    [
        # the shape a point-by-point answer takes: short questions
        "> What is your PC name?\nPC-0123\n> Which floor?\n3F\n",
        "> PC名を教えてください。\nPC-0123\n> 何階ですか？\n3階です\n",
        # a long question ends with its mark: what follows answers it
        (
            "> Could you also tell us which version of the VPN client you have installed?\n"
            "4.2.1\n> Which floor?\n3F\n"
        ),
        (
            "> 恐れ入りますが、お使いの VPN クライアントのバージョンを教えていただけますか？\n"
            "4.2.1 です\n> 何階ですか？\n3階です\n"
        ),
        (
            "> Please send us the following details about the computer you are using:\n"
            "Windows 11, PC-0123\n> Regards\n"
        ),
        # a Japanese question or request without its mark ends as a sentence does
        "> お使いのパソコンの機種名とOSのバージョンを教えていただけますでしょうか\n"
        "ThinkPad X1 です\n> 以上\n",
        "> 恐れ入りますが、エラー画面のスクリーンショットとログファイルを送ってください\n"
        "添付しました\n> 以上\n",
        "> 接続できない時刻と、お使いのパソコンの機種名をお知らせいただけますか\n"
        "10時ごろ、PC-0123 です\n> 以上\n",
        # a long line with nothing that would have passed a client's width
        "> Please tell us the name of the PC\nPC-0123\n> Which floor?\n3F\n",
        # two lines of the writer's: not the end of one wrapped line
        (
            "> Please restart the VPN client and try again. If it still fails, send us the\n"
            "It still fails after the restart, and\nthe log file is attached.\n> Regards\n"
        ),
        # a command is the writer's wherever it stands
        (
            "> Please restart the VPN client and try again. If it still fails, send us the\n"
            "/close\n> Regards\n"
        ),
        # an answer of several lines starts as a sentence does
        (
            "> Please restart the VPN client and try again. If it still fails, send us the\n"
            "It still fails after the restart and the client says that the certificate\n"
            "has expired, so I attached the log file.\n> Regards\n"
        ),
        (
            "> Please restart the VPN client and try again. If it still fails, send us the\n"
            "log file, I did, and the client said nothing at all about the certificate\n"
            "now.\n\n> Regards\n"
        ),
        # a blank line between: the writer's own paragraph
        (
            "> Please restart the VPN client and try again. If it still fails, send us the\n"
            "\nlog file attached.\n> Regards\n"
        ),
    ],
)
def test_real_answers_between_quoted_lines_stay_answers(text: str) -> None:
    assert rejoined(text) == text
    got = split_reply(text)
    for line in text.split("\n"):
        if line and not line.startswith((">", "＞")):
            assert line in got


def test_a_rewrapped_quote_in_a_mail_is_not_the_ticket_text() -> None:
    raw = mail(
        body="Thanks, that fixed it.\n\n"
        + ATTRIBUTION
        + "> Please restart the VPN client and try again. If it still fails, send us the\n"
        "log file.\n> Regards, Support\n"
    )
    assert parse_message(raw).new_text == "Thanks, that fixed it."


HOSTILE = 200_000


@pytest.mark.parametrize(
    "unit",
    [
        "> " + "a " * 35 + "\nb\n",
        "> " + "あ" * 36 + "\nい\n",
        "> " + "a" * 98 + "\n" + "b" * 5000 + "\n",
        "> " + "x " * 30 + "y" * 9000 + "\n",
        ">\n",
        "\n",
        "> " + "a " * 35 + "\n",
        "> " + "a " * 35 + "\n/close " + "x" * 300 + "\n",
        "tanaka> " + "a " * 35 + "\nb\n",
        "> " + "a " * 35 + "\n" + ("b " * 36 + "\n") * 2000 + "> c\n",  # one long end
        "> " + "a " * 35 + "\n" + ("b " * 36 + "\n") * 2000 + "\n",  # no quote under it
        "a\n",
    ],
)
def test_hostile_shapes_cost_linear_time(unit: str) -> None:
    bare = unit * (HOSTILE // len(unit))
    with hostile.within(3.0, repr(unit[:20])):
        rejoined(bare)
        split_reply(bare)
        split_reply(f"Hi,\n\n{ATTRIBUTION}{bare}")


# end to end, through the runner


def test_a_requesters_reply_over_a_rewrapped_quote_is_only_her_words(team: App) -> None:
    deliver(team, mail("VPN", body="VPN が繋がりません。\n", message_id="<req@customer.test>"))
    to = reply_address(team, 1, "alice@customer.test")
    quote = _rewrapped(JAPANESE, 76, 72, ja=True)
    body = f"接続できました。ありがとうございます。\n\n{ATTRIBUTION_JA}{quote}"
    deliver(team, mail("Re: [#1] VPN", body=body, to=to), envelope_to=(to,))
    stored = [m["new_text"] for m in show(team, 1)["messages"] if m["direction"] == "in"][-1]
    assert stored == "接続できました。ありがとうございます。"


def test_a_members_answer_under_a_rewrapped_question_relays_the_line_as_she_wrote_it(
    team: App,
) -> None:
    request = (
        "Since this morning the VPN client stops with a certificate error after I type\n"
        "my password. Which server should I use?\n"
    )
    deliver(team, mail("VPN", body=request, message_id="<req@customer.test>"))
    to = reply_address(team, 1, "ops@example.test")
    body = (
        "> Since this morning the VPN client stops with a certificate error after I\n"
        "type\n"
        "> my password. Which server should I use?\n"
        "vpn2, please.\n"
        "> The ticket is now: open\n"
    )
    raw = mail("Re: [#1] VPN", body=body, sender="ops@example.test", to=to)
    deliver(team, raw, envelope_to=(to,))
    [sent] = [text_of(m) for m in outbox(team, "ops_reply")]
    assert (
        "> Since this morning the VPN client stops with a certificate error after I type\n"
        "> my password. Which server should I use?\nvpn2, please."
    ) in sent, sent
    assert "\ntype\n" not in sent, sent
