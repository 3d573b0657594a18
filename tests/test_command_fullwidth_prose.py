"""A member's line that starts with the full-width slash but names no command.

Japanese writers use ``／`` as punctuation at a line's start (「／以下ご確認ください」,
「／補足です」): a member's such line was refused as an unknown command, never sent, and
the answer below it reached the requester without its first line, or the member had to
write it again. Now a line that starts with ``／`` is a command line only when the word
after the slash is a command word, a Japanese word for one, begins with one, or is a
slip away from one (README "Working a ticket by reply"); anything else is prose, the
first line of the member's words. An ASCII ``/`` stays a command line (``/asign``)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gateway.core.i18n import translate
from gateway.pipeline import command_lines
from gateway.pipeline import commands as c
from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, text_of

PROSE = [
    "／以下ご確認ください",
    "／補足です。設定を見直しました。",
    "／ 以下、手順です",  # a space after the slash: no word at all
    "／ご参考まで",
    "／テスト結果を共有します",
    "／ｆｙｉ",  # a word near no command
]


@pytest.mark.parametrize("line", PROSE)
def test_a_fullwidth_slash_before_prose_is_words(line: str) -> None:
    text = f"/pending\n{line}\n設定画面を開いてください。\n"
    parsed = c.read_commands(text, 20, c.Role.MEMBER)
    assert [x.name for x in parsed.commands] == ["pending"]
    assert parsed.remaining == f"{line}\n設定画面を開いてください。"
    alone = c.read_commands(f"{line}\n本文\n", 20, c.Role.MEMBER)
    assert alone.commands == () and alone.remaining == f"{line}\n本文\n"


@pytest.mark.parametrize(
    ("line", "meant"),
    [
        ("／メモ", "note"),
        ("／クローズ", "close"),
        ("／ｃｌｏｓｅ", "close"),
        ("／ｃｌｓｏｅ", "close"),  # a slip
        ("／ｐｅｎｄ", "pending"),  # the start of one
        ("／メモ先方に電話済み", "note"),  # a Japanese word for one, no space after it
        ("／完了しました", "close"),
        ("／closeします", "close"),
    ],
)
def test_a_fullwidth_slash_before_a_command_word_stays_a_command(line: str, meant: str) -> None:
    parsed = c.read_commands(f"{line}\n\n本文\n", 20, c.Role.MEMBER)
    [cmd] = parsed.commands
    if cmd.name in c.GRAMMAR:
        assert cmd.name == meant
        return
    now = datetime(2026, 12, 5, tzinfo=UTC)
    ctx = c.CommandContext(c.Role.MEMBER, ["ops@example.test"], [], None, now, "UTC")
    refused = c.decide(cmd, ctx)
    assert isinstance(refused, c.Refused)
    assert translate(refused.why, "en").endswith(f"did you mean /{meant}?")


def test_a_mistyped_note_without_a_space_holds_the_rest() -> None:
    parsed = c.read_commands("／メモ先方は急いでいる\n部長に報告済み\n", 20, c.Role.MEMBER)
    assert parsed.remaining == ""
    assert any(n.why.msgid == command_lines.MISTYPED_NOTE.msgid for n in parsed.ignored)


def test_an_ascii_slash_before_an_unknown_word_is_still_refused() -> None:
    parsed = c.read_commands("/以下ご確認ください\n本文\n", 20, c.Role.MEMBER)
    assert [x.name for x in parsed.commands] == ["以下ご確認ください"]


def test_a_members_fullwidth_slash_prose_reaches_the_requester(team: App) -> None:
    deliver(team, mail("VPN", message_id="<req@customer.test>"))
    to = reply_address(team, 1, "ops@example.test")
    body = "／以下ご確認ください\n設定 ＞ アカウント ＞ パスワード\n"
    raw = mail("Re: [#1] VPN", body=body, sender="ops@example.test", to=to)
    deliver(team, raw, envelope_to=(to,))
    [answer] = outbox(team, "ops_reply")
    assert "／以下ご確認ください" in text_of(answer)
    assert "設定 ＞ アカウント ＞ パスワード" in text_of(answer)
    assert outbox(team, "command_result") == []
    assert show(team, 1)["state"] != "closed"


@pytest.mark.parametrize("slip", ["／メモ先方は急いでいる", "／内部メモ：部長に報告済み"])
def test_a_run_together_note_word_below_the_words_is_not_sent(slip: str) -> None:
    """Below the member's words, a line that begins with a Japanese word for /note and
    runs on without a space is the note they meant: neither it nor the rest is sent."""
    text = f"田中様\n\n確認いたしました。\n{slip}\n部長に報告済み\n"
    parsed = c.read_commands(text, 20, c.Role.MEMBER)
    held = command_lines.below_words(parsed, c.GRAMMAR, 20)
    assert held.remaining == "田中様\n\n確認いたしました。"
    assert any(n.why.msgid == command_lines.MISTYPED_NOTE.msgid for n in held.ignored)


def test_prose_below_the_words_that_begins_with_another_command_word_is_sent() -> None:
    text = "田中様\n\n確認いたしました。\n／回答は明日になります\n"
    parsed = c.read_commands(text, 20, c.Role.MEMBER)
    assert command_lines.below_words(parsed, c.GRAMMAR, 20).remaining.strip() == text.strip()
