"""A member who writes the command word in Japanese (``／メモ``, ``／クローズ``): the
grammar's words are English (README "Working a ticket by reply"), but such a line is
clearly meant as a command. It was read as text: it ended the commands and went to the
requester, an intended internal note included. Now a member's ``/word`` is any word of
letters, Japanese ones too: refused as an unknown command, never sent, and the refusal
names the command a Japanese word for one means (「/メモ というコマンドはありません。
/note のことでしょうか」). A customer's such line stays their words, as any ``/word`` of
theirs that is not /close, /priority or /cc."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gateway.core.i18n import N_, translate
from gateway.pipeline import command_lines
from gateway.pipeline import commands as c
from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, words_of

# a Japanese word for a command, as a member types it, and the command it means
ALIASES = [
    ("／メモ 先方に電話済み", "note"),
    ("／クローズ", "close"),
    ("／ｸﾛｰｽﾞ", "close"),  # half-width katakana: NFKC reads it as クローズ
    ("／完了。", "close"),
    ("／保留", "pending"),
    ("／担当 suzuki", "assign"),
    ("/優先度 高", "priority"),
]


def _refusal(line: str) -> str:
    [cmd] = c.read_commands(line, 20, c.Role.MEMBER).commands
    now = datetime(2026, 12, 5, tzinfo=UTC)
    ctx = c.CommandContext(c.Role.MEMBER, ["ops@example.test"], [], None, now, "UTC")
    refused = c.decide(cmd, ctx)
    assert isinstance(refused, c.Refused)
    return translate(refused.why, "ja")


@pytest.mark.parametrize(("line", "meant"), ALIASES)
def test_a_members_japanese_command_word_is_refused_and_named(line: str, meant: str) -> None:
    parsed = c.read_commands(f"{line}\n\nお世話になっております。\n", 20, c.Role.MEMBER)
    assert len(parsed.commands) == 1
    # what follows a word meant as /note was meant as the note: not sent either
    assert parsed.remaining == ("" if meant == "note" else "お世話になっております。")
    assert _refusal(line).endswith(f"/{meant} のことでしょうか")


def test_a_japanese_word_that_names_no_command_is_refused_too() -> None:
    """After an ASCII slash; after the full-width one it is prose
    (tests/test_command_fullwidth_prose.py)."""
    parsed = c.read_commands("/テスト\n本文\n", 20, c.Role.MEMBER)
    assert [x.name for x in parsed.commands] == ["テスト"]
    assert parsed.remaining == "本文"
    assert _refusal("/テスト") == translate(N_("unknown command /{name}", name="テスト"), "ja")


@pytest.mark.parametrize("role", [c.Role.REQUESTER, c.Role.OTHER])
def test_a_customers_japanese_slash_word_is_their_words(role: c.Role) -> None:
    text = "／クローズ\nありがとうございました。\n"
    parsed = c.read_commands(text, 20, role)
    assert parsed.commands == ()
    assert parsed.remaining == text


@pytest.mark.parametrize(
    "text",
    [
        "／／／ 以下、前回の件 ／／／\n",
        "／2026年の予定\n",
        "／・確認事項\n",
        "／etc/hosts を直しました\n",
    ],
)
def test_a_slash_before_no_word_is_text(text: str) -> None:
    parsed = c.read_commands(text, 20, c.Role.MEMBER)
    assert parsed.commands == ()


def test_a_japanese_command_word_below_the_words_is_not_sent() -> None:
    text = "田中様\n\n確認いたしました。\n／メモ 先方に電話済み\n"
    parsed = c.read_commands(text, 20, c.Role.MEMBER)
    held = command_lines.below_words(parsed, c.GRAMMAR, 20)
    assert "／メモ" not in held.remaining
    assert "確認いたしました。" in held.remaining


def test_a_members_japanese_note_word_reaches_the_requester_not(team: App) -> None:
    deliver(team, mail("VPN", message_id="<req@customer.test>"))
    to = reply_address(team, 1, "ops2@example.test")
    body = (
        "／クローズ\n\n田中様\n\nご確認ありがとうございました。\n\n"
        "／メモ 先方は急いでいる\n部長に報告済み\n"
    )
    raw = mail("Re: [#1] VPN", body=body, sender="ops2@example.test", to=to)
    deliver(team, raw, envelope_to=(to,))
    assert show(team, 1)["state"] != "closed"
    [answer] = outbox(team, "ops_reply")
    assert "ご確認ありがとうございました。" in words_of(answer)
    assert "／" not in words_of(answer) and "急いで" not in words_of(answer)
    assert "部長" not in words_of(answer)
    [transcript] = outbox(team, "command_result")
    told = words_of(transcript)
    said = N_("unknown command /{name}; did you mean /{known}?", name="クローズ", known="close")
    for why in (said, command_lines.BELOW_WORDS, command_lines.MISTYPED_NOTE):
        assert translate(why, "ja") in told, told


@pytest.mark.parametrize("slip", ["／メモ", "/notr", "／ノート", "/nots"])
def test_what_follows_a_mistyped_note_is_not_sent(slip: str) -> None:
    """A note's text is the rest of the mail: under a word meant as /note, the rest was
    meant as the note, so none of it is sent (the transcript says so)."""
    text = f"/pending\n{slip} 先方は急いでいる\n部長に報告済み\n\n田中様、確認中です。\n"
    for parsed in (
        c.read_commands(text, 20, c.Role.MEMBER),
        command_lines.below_words(
            c.read_commands(f"田中様\n\n確認中です。\n{text}", 20, c.Role.MEMBER), c.GRAMMAR, 20
        ),
    ):
        assert "部長" not in parsed.remaining and "急いで" not in parsed.remaining
        assert parsed.note is None
        [held] = [n for n in parsed.ignored if n.why.msgid == command_lines.MISTYPED_NOTE.msgid]
        assert held.line == "部長に報告済み"
    assert c.read_commands(text, 20, c.Role.MEMBER).remaining == ""
