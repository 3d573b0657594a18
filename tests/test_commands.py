"""The reply-command grammar: what is read, what is relayed, who may do what.

Decision: a full-width slash and full-width letters (``／ｃｌｏｓｅ``, as a Japanese
IME types them) read as ``/close``; so do the words of the grammar after it (a level,
a close reason, a member, an entry, a ticket number, a field's name: ``ｈｉｇｈ``,
``ｄｕｐｌｉｃａｔｅ``), while a note's text and a field's value are kept as written.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from gateway.catalog.model import Entry, Field
from gateway.core.model import CloseReason, TicketState
from gateway.core.priority import Priority
from gateway.pipeline import commands as c
from gateway.pipeline.commands import Role

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
MEMBERS = ("ops@example.test", "ops2@example.test", "boss@example.test")
ENTRY = Entry(
    id="purchase",
    names={"en": "Purchase"},
    fields=(Field("quantity", {"en": "Quantity"}, type="number"), Field("model", {"en": "Model"})),
)

# what a requester is told when a command is not theirs
REQUESTERS_ONLY = "requesters may only use /close, /cc add, and /priority to lower it"


def ctx(role: Role = Role.MEMBER, entry: Entry | None = ENTRY) -> c.CommandContext:
    return c.CommandContext(role, MEMBERS, ("purchase", "other"), entry, NOW, "Asia/Tokyo")


@pytest.mark.parametrize(
    ("text", "names", "remaining"),
    [
        # commands at the top, the answer below
        ("/close\n\nThe VPN works again.", ["close"], "The VPN works again."),
        # several commands; blank lines between them are fine
        (
            "/pending\n\n/assign ops2\nPlease send the log.",
            ["pending", "assign"],
            "Please send the log.",
        ),
        # leading blank lines are skipped
        ("\n\n/open\nOn it.", ["open"], "On it."),
        # a command below the first text line is text, never a command
        ("Thanks!\n/close", [], "Thanks!\n/close"),
        # a path is not a command
        ("/usr/bin/vpn crashes", [], "/usr/bin/vpn crashes"),
        # full-width slash and letters (Japanese IME)
        ("／ｃｌｏｓｅ\n対応しました。", ["close"], "対応しました。"),
        # quoted lines end the command block
        ("> /close\n/open", [], "> /close\n/open"),
        # only commands: nothing to relay
        ("/close\n/assign ops", ["close", "assign"], ""),
        # an unknown command is still a command line (refused later, never relayed)
        ("/frobnicate now\nHello", ["frobnicate"], "Hello"),
        # invisible format characters a client or a paste puts at a line's ends: a zero-width
        # space, a left-to-right mark, a word joiner, a soft hyphen; a line of them is blank
        ("\u200b/close\n\nDone.", ["close"], "Done."),
        (
            "\u200e/pending\u200b\n\u2060/assign ops2\nSee below.",
            ["pending", "assign"],
            "See below.",
        ),
        ("\u200b\n\u00ad/close\nDone.", ["close"], "Done."),
        ("\u200b\u3000／ｃｌｏｓｅ\u200b\n対応しました。", ["close"], "対応しました。"),
        # but what they hide stays text: "x" before the slash is not a command
        ("\u200bx/close\nDone.", [], "\u200bx/close\nDone."),
    ],
)
def test_parse(text: str, names: list[str], remaining: str) -> None:
    parsed = c.parse_commands(text, 20)
    assert [cmd.name for cmd in parsed.commands] == names
    assert parsed.remaining == remaining
    assert parsed.ignored == ()


def test_note_takes_the_rest_of_the_mail_and_relays_nothing() -> None:
    parsed = c.parse_commands("/pending\n/note the customer is angry\nsecond line\n", 20)
    assert [cmd.name for cmd in parsed.commands] == ["pending", "note"]
    assert parsed.note == "the customer is angry\nsecond line"
    assert parsed.remaining == ""


def test_lines_past_the_limit_are_ignored_and_reported() -> None:
    parsed = c.parse_commands("/open\n/pending\n/close\nText", 2)
    assert [cmd.name for cmd in parsed.commands] == ["open", "pending"]
    assert [i.line for i in parsed.ignored] == ["/close"]
    assert "first 2" in parsed.ignored[0].reason
    assert parsed.remaining == "Text"


@pytest.mark.parametrize(
    ("line", "role", "expected"),
    [
        ("/close", Role.MEMBER, c.SetState(TicketState.CLOSED, CloseReason.RESOLVED)),
        ("/close duplicate", Role.MEMBER, c.SetState(TicketState.CLOSED, CloseReason.DUPLICATE)),
        ("/close", Role.REQUESTER, c.SetState(TicketState.CLOSED, CloseReason.RESOLVED)),
        ("/pending", Role.MEMBER, c.SetState(TicketState.PENDING)),
        ("/open", Role.MEMBER, c.SetState(TicketState.OPEN)),
        ("/assign ops2", Role.MEMBER, c.Assign("ops2@example.test")),
        ("/assign BOSS@example.test", Role.MEMBER, c.Assign("boss@example.test")),
        ("/category other", Role.MEMBER, c.SetCategory("other")),
        ("/field quantity ２", Role.MEMBER, c.SetField("quantity", "2")),
        ("/note call back", Role.MEMBER, c.AddNote("call back")),
        # the IME still on after the slash: the grammar's words in full width
        ("／ｐｒｉｏｒｉｔｙ ｈｉｇｈ", Role.MEMBER, c.SetPriority(Priority.HIGH)),
        (
            "／ｃｌｏｓｅ　ｄｕｐｌｉｃａｔｅ",
            Role.MEMBER,
            c.SetState(TicketState.CLOSED, CloseReason.DUPLICATE),
        ),
        ("／ａｓｓｉｇｎ　ｏｐｓ２", Role.MEMBER, c.Assign("ops2@example.test")),
        ("/category ｏｔｈｅｒ", Role.MEMBER, c.SetCategory("other")),
        ("/category Other", Role.MEMBER, c.SetCategory("other")),  # ids are lower-case
        ("/category ＯＴＨＥＲ", Role.MEMBER, c.SetCategory("other")),
        ("/merge ＃１２", Role.MEMBER, c.Merge(12)),
        ("/field ｑｕａｎｔｉｔｙ ２台", Role.MEMBER, c.SetField("quantity", "2")),
        ("/priority ｌｏｗ", Role.REQUESTER, c.SetPriority(Priority.LOW)),
        # … but what a person wrote stays as they wrote it
        ("/field model ＭＦＣ－Ｌ２７５０", Role.MEMBER, c.SetField("model", "ＭＦＣ－Ｌ２７５０")),
        (
            "／ｎｏｔｅ　ｉｍａｇｅＲＵＮＮＥＲ は２階",
            Role.MEMBER,
            c.AddNote("ｉｍａｇｅＲＵＮＮＥＲ は２階"),
        ),
    ],
)
def test_decide_applies(line: str, role: Role, expected: c.Action) -> None:
    [cmd] = c.parse_commands(line, 20).commands
    assert c.decide(cmd, ctx(role)) == expected


@pytest.mark.parametrize(
    "line",
    ["/due 2026-03-10", "/due 2026/3/10", "/due 2026年3月10日", "／ｄｕｅ　２０２６年３月１０日"],
)
def test_due_is_the_end_of_the_day_in_the_team_time_zone(line: str) -> None:
    [cmd] = c.parse_commands(line, 20).commands
    decision = c.decide(cmd, ctx())
    assert isinstance(decision, c.SetDue)
    assert decision.due.isoformat() == "2026-03-10T23:59:59+09:00"


@pytest.mark.parametrize(
    ("line", "role", "reason"),
    [
        ("/frobnicate", Role.MEMBER, "unknown command /frobnicate"),
        ("/assign", Role.REQUESTER, REQUESTERS_ONLY),
        ("/assign ops", Role.REQUESTER, REQUESTERS_ONLY),
        ("/close", Role.OTHER, "only ops members may use commands"),
        ("/close bored", Role.MEMBER, "unknown close reason 'bored'"),
        ("/pending now", Role.MEMBER, "/pending takes no argument"),
        ("/assign", Role.MEMBER, "/assign needs a name, an id or an address"),
        ("/assign nobody", Role.MEMBER, "unknown member 'nobody'"),
        ("/category hardware", Role.MEMBER, "unknown catalog entry 'hardware'"),
        ("/due tomorrow", Role.MEMBER, "not a date: 'tomorrow'"),
        ("/due 2026-02-30", Role.MEMBER, "no such date: '2026-02-30'"),
        ("/due 2026-03-01", Role.MEMBER, "2026-03-01 is in the past"),
        ("/field colour red", Role.MEMBER, "unknown field 'colour' for entry 'Purchase'"),
        ("/field quantity many", Role.MEMBER, "field quantity:"),
        ("/field quantity", Role.MEMBER, "/field needs a field name and a value"),
        ("/field", Role.MEMBER, "/field needs a field name and a value"),
        ("／ｐｒｉｏｒｉｔｙ　ｓｏｏｎ", Role.MEMBER, "unknown priority 'soon'"),
    ],
)
def test_decide_refuses(line: str, role: Role, reason: str) -> None:
    [cmd] = c.parse_commands(line, 20).commands
    decision = c.decide(cmd, ctx(role))
    assert isinstance(decision, c.Refused)
    assert decision.reason.startswith(reason)
    assert decision.line == line


def test_every_command_of_the_grammar_is_in_the_help_text() -> None:
    for name in c.GRAMMAR:
        assert f"/{name}" in c.HELP_TEXT and f"/{name}" in c.HELP_TEXT_JA


def test_readme_shows_the_grammar_verbatim() -> None:
    """STYLE.md habit 10: the grammar is written once; README and mails show the same text."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert c.HELP_TEXT.rstrip("\n") in readme
    assert c.HELP_TEXT_JA.rstrip("\n") in readme


SHEET = Entry(
    id="printer",
    names={"ja": "プリンタ", "en": "Printers"},
    fields=(
        Field("printer_name", {"ja": "プリンタ名", "en": "Printer name"}, required=True),
        Field("copies", {"ja": "枚数", "en": "Copies"}, type="number"),
    ),
)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # the member's notice shows the sheet by its labels only: the label is the name
        # a Japanese member has to write, as a requester's `プリンタ名: …` line does
        ("/field プリンタ名 3F-MFP-02", c.SetField("printer_name", "3F-MFP-02")),
        ("／ｆｉｅｌｄ　枚数　３枚", c.SetField("copies", "3")),
        ("/field Copies 2", c.SetField("copies", "2")),
        ("/field printer-name 3F", c.SetField("printer_name", "3F")),
        ("/field printer_name 3F", c.SetField("printer_name", "3F")),
        # a label of several words, as the notice shows it; a colon after it, as a label
        ("/field Printer name 3F-MFP-02", c.SetField("printer_name", "3F-MFP-02")),
        ("/field printer name: 3F MFP 02", c.SetField("printer_name", "3F MFP 02")),
        ("/field プリンタ名：3F-MFP-02", c.SetField("printer_name", "3F-MFP-02")),
        ("/field Copies: 2", c.SetField("copies", "2")),
        ("/field printer_name a:b", c.SetField("printer_name", "a:b")),  # the value's own
        ("/field printer_name 3F：north", c.SetField("printer_name", "3F：north")),
    ],
)
def test_a_field_is_named_by_its_label_in_any_language(line: str, expected: c.Action) -> None:
    [cmd] = c.parse_commands(line, 20).commands
    assert c.decide(cmd, ctx(entry=SHEET)) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # the words the pages, the mails and the transcripts call them in Japanese
        ("/close 解決", c.SetState(TicketState.CLOSED, CloseReason.RESOLVED)),
        ("/close 解決済み", c.SetState(TicketState.CLOSED, CloseReason.RESOLVED)),
        ("/close 重複", c.SetState(TicketState.CLOSED, CloseReason.DUPLICATE)),
        ("／ｃｌｏｓｅ　迷惑メール", c.SetState(TicketState.CLOSED, CloseReason.SPAM)),
        ("/close スパム", c.SetState(TicketState.CLOSED, CloseReason.SPAM)),
        ("/close 返信なし", c.SetState(TicketState.CLOSED, CloseReason.NO_RESPONSE)),
        ("/close 放置", c.SetState(TicketState.CLOSED, CloseReason.STALE)),
        # the status mail's word for it (a customer is not told their request was 放置)
        ("/close 長期間更新なし", c.SetState(TicketState.CLOSED, CloseReason.STALE)),
        ("/priority 高", c.SetPriority(Priority.HIGH)),
        ("／ｐｒｉｏｒｉｔｙ　緊急", c.SetPriority(Priority.URGENT)),
        ("/priority 通常", c.SetPriority(Priority.NORMAL)),
        ("/priority 低", c.SetPriority(Priority.LOW)),
    ],
)
def test_a_reason_or_a_level_in_the_words_people_see(line: str, expected: c.Action) -> None:
    [cmd] = c.parse_commands(line, 20).commands
    assert c.decide(cmd, ctx()) == expected


def test_a_japanese_word_that_names_nothing_is_still_refused() -> None:
    [cmd] = c.parse_commands("/close 完璧", 20).commands
    refused = c.decide(cmd, ctx())
    assert isinstance(refused, c.Refused) and "unknown close reason" in str(refused.reason)


NAMES = {
    "ops@example.test": "山田 太郎",
    "ops2@example.test": "山田 花子",
    "boss@example.test": "佐藤 一郎",
}


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # a Japanese team calls each other by name: the one a member's mails show
        ("/assign 佐藤", c.Assign("boss@example.test")),
        ("/assign 花子", c.Assign("ops2@example.test")),
        ("/assign 山田花子", c.Assign("ops2@example.test")),
        ("／ａｓｓｉｇｎ　佐藤一郎", c.Assign("boss@example.test")),
        ("/assign ops2", c.Assign("ops2@example.test")),  # as before
    ],
)
def test_assign_by_a_members_name(line: str, expected: c.Action) -> None:
    [cmd] = c.parse_commands(line, 20).commands
    context = dataclasses.replace(ctx(), member_names=NAMES)
    assert c.decide(cmd, context) == expected


def test_a_name_two_members_share_is_refused_as_ambiguous() -> None:
    [cmd] = c.parse_commands("/assign 山田", 20).commands
    refused = c.decide(cmd, dataclasses.replace(ctx(), member_names=NAMES))
    assert isinstance(refused, c.Refused) and "several members" in str(refused.reason)
