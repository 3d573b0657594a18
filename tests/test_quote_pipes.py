"""Lines quoted with ``| `` (some mail clients and web mail archives quote so), or with
the full-width ``｜`` (Japanese mailers): two or more such lines in a row are a quote, as
``>`` lines are; one such line, or a table (``| a | b |``: rows that end with the bar,
as a pasted database result's do), is words."""

from __future__ import annotations

import pytest

from gateway.pipeline import commands as c
from gateway.pipeline.parse.quotes import split_reply, without_quoted_lines
from gateway.runtime.app import App
from tests.support import hostile
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, text_of

SIZE = 400_000  # characters: quadratic time here is minutes, linear a fraction of a second
BOUND = 3.0  # seconds, on a busy two-core machine
PIPED = "| パスワードを変更したいです。\n| /close\n"


@pytest.mark.parametrize("indent", ["", "  "])
def test_pipe_quoted_lines_are_old(indent: str) -> None:
    quote = "".join(f"{indent}{line}\n" for line in PIPED.splitlines())
    assert split_reply(f"変更しました。\n\n{quote}") == "変更しました。"
    assert split_reply(f"{quote}\n変更しました。\n") == "変更しました。"  # bottom-posted
    on = "On Sat, Dec 5, 2026 at 10:00 AM Tanaka <tanaka@customer.test> wrote:"
    assert split_reply(f"変更しました。\n\n{on}\n{quote}") == "変更しました。"
    assert split_reply(f"Done.\n\nTanaka wrote:\n{quote}") == "Done."  # a shape not listed


@pytest.mark.parametrize("bar", ["｜", "｜ ", "　｜"], ids=["tight", "spaced", "indented"])
def test_full_width_bar_quoted_lines_are_old(bar: str) -> None:
    quote = "".join(f"{bar}{line[2:]}\n" for line in PIPED.splitlines())
    assert split_reply(f"変更しました。\n\n{quote}") == "変更しました。"
    assert split_reply(f"{quote}\n変更しました。\n") == "変更しました。"
    assert (
        c.read_commands(split_reply(f"{quote}\nまだです。\n"), 20, c.Role.REQUESTER).commands == ()
    )


@pytest.mark.parametrize(
    "text",
    [
        "次を実行してください:\n｜grep error /var/log/app.log\n\n結果を送ってください。",
        "｜ホスト｜状態｜\n｜web1｜停止｜",  # a table drawn with full-width bars
        "済みです。\n｜一行目\nそして\n｜二行目",
        "Ａ｜Ｂ\nＣ｜Ｄ",
    ],
)
def test_a_single_full_width_bar_line_or_a_table_is_words(text: str) -> None:
    assert split_reply(text) == text


def test_an_empty_pipe_line_inside_the_quote_is_part_of_it() -> None:
    assert split_reply("Done.\n\n| first\n|\n| second\n") == "Done."


def test_answers_between_pipe_quotes_are_relayed_without_them() -> None:
    text = "| first?\n| (really)\nyes\n| second?\n| (really)\nno\n"
    assert split_reply(text) == "| first?\n| (really)\nyes\n\n| second?\n| (really)\nno"
    assert without_quoted_lines(split_reply(text)).strip() == "yes\n\nno"


def test_a_pipe_quote_is_no_command() -> None:
    text = "| /close\n| 直りました\n\nまだ直っていません。\n"
    assert c.read_commands(split_reply(text), 20, c.Role.REQUESTER).commands == ()


@pytest.mark.parametrize(
    "text",
    [
        "Run this:\n| grep error /var/log/app.log\n\nand send me the result.",  # one line
        "| host | state |\n|------|-------|\n| web1 | up    |",  # a table
        "+----+\n| id |\n+----+\n|  1 |\n+----+",  # a database client's result
        "Done.\n| one\nthen\n| two",  # single lines apart: words
        "a|b\nc|d",  # a bar inside the line
    ],
)
def test_a_single_pipe_line_or_a_table_is_words(text: str) -> None:
    assert split_reply(text) == text
    assert without_quoted_lines(text) == text


def test_many_pipe_lines_cost_linear_time() -> None:
    for line in (
        *("| x", "|", "| " + "a |" * 50 + " b", "|" + " " * 300, "| a|", "| x |"),
        *("｜x", "｜", "｜" + "a｜" * 50 + "b", "｜" + " " * 300, "｜a｜", "｜ |"),
    ):
        text = "Done.\n" + f"{line}\n" * (SIZE // len(line))
        with hostile.within(BOUND, f"{line[:10]!r} lines"):
            split_reply(text)
            without_quoted_lines(text)


def test_a_members_answer_over_a_pipe_quote_relays_only_the_answer(team: App) -> None:
    deliver(team, mail("VPN", body="Can you renew the VPN?\nThanks.\n"))
    to = reply_address(team, 1, "ops@example.test")
    body = "The VPN is renewed.\n\n| Can you renew the VPN?\n| Thanks.\n"
    raw = mail("Re: [#1] VPN", body=body, sender="ops@example.test", to=to)
    deliver(team, raw, envelope_to=(to,))
    sent = [text_of(m) for m in outbox(team, "ops_reply")]
    assert len(sent) == 1
    assert "The VPN is renewed." in sent[0] and "Can you renew" not in sent[0]


def test_a_requesters_pipe_quoted_close_is_no_command(team: App) -> None:
    deliver(team, mail("VPN が繋がりません", body="VPN が繋がりません。\n"))
    to = reply_address(team, 1, "alice@customer.test")
    body = "まだ繋がりません。\n\n| /close\n| 直りました。\n"
    deliver(team, mail("Re: [#1] VPN", body=body, to=to), envelope_to=(to,))
    assert show(team, 1)["state"] != "closed"
    notices = [text_of(m) for m in outbox(team, "ticket_notice")]
    assert any("まだ繋がりません。" in n for n in notices), notices
    assert not any("直りました。" in n for n in notices), notices
