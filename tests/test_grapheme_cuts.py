"""Text shortened for display is cut between the characters a reader sees.

Board cards cut a subject at 79 code points: a flag lost its second half (🇯 of 🇯🇵),
a family its last member after the joiner, a thumbs-up showed a lone skin tone on the
next line's worth, a kana its dakuten. The same held for a ticket's title (every mail's
subject), the CLI's columns, chat cards, a refused command's line and a refused value,
a mail's excerpt and a display name."""

from __future__ import annotations

import pytest

from gateway.core import graphemes, slack_length
from gateway.core.title import TITLE_MAX, title
from gateway.notify.brief import excerpt
from gateway.pipeline.command_syntax import shown
from gateway.pipeline.parse.headers import short_name
from gateway.runtime.cli.common import pad
from tests.support.cpu import cpu_within

FLAG = "🇯🇵"
FAMILY = "👨\u200d👩\u200d👧\u200d👦"
THUMB = "👍🏽"
HEART = "❤\ufe0f"
ACCENT = "e\u0301"  # é written with a combining accent
KANA = "か\u3099"  # が written with a combining dakuten
SCOTLAND = "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"
HANGUL = "\u1100\u1161\u11a8"  # 각 in conjoining jamo
WHOLE = [FLAG, FAMILY, THUMB, HEART, ACCENT, KANA, SCOTLAND, HANGUL, "\r\n"]


def _pieces_whole(text: str) -> bool:
    """Every sequence above in ``text`` is whole, or not there at all."""
    for piece in WHOLE:
        for at in range(1, len(piece)):
            head = piece[:at]
            if text.endswith(head) and not text.endswith(piece):
                return False
    return True


@pytest.mark.parametrize("piece", WHOLE)
def test_a_cut_never_falls_inside_what_a_reader_sees_as_one_character(piece: str) -> None:
    for lead in range(0, 4):
        text = "a" * lead + piece * 3 + "z"
        for at in range(len(text) + 1):
            kept = graphemes.cut(text, at)
            assert text.startswith(kept) and len(kept) <= at
            assert _pieces_whole(kept), (piece, lead, at, kept)
            assert at - len(kept) < len(piece)  # no further back than needed


def test_flags_pair_from_the_start_of_their_run() -> None:
    flags = "🇯🇵🇫🇷🇩🇪"
    assert [graphemes.cut(flags, at) for at in range(7)] == [
        "",
        "",
        "🇯🇵",
        "🇯🇵",
        "🇯🇵🇫🇷",
        "🇯🇵🇫🇷",
        flags,
    ]
    assert graphemes.cut("x" + flags, 4) == "x🇯🇵"


def test_shorten_keeps_the_length_and_the_mark() -> None:
    assert graphemes.shorten("short", 80) == "short"
    subject = "a" * 78 + FLAG + "b"
    assert graphemes.shorten(subject, 80) == "a" * 78 + "…"
    assert graphemes.shorten("a" * 100, 80) == "a" * 79 + "…"


def test_a_cut_is_linear_in_the_text() -> None:
    for text in ["🇯" * 200_000, "a" + "\u0301" * 200_000, "a\u200d" * 100_000]:

        def both(text: str = text) -> None:
            graphemes.cut(text, len(text) - 1)
            graphemes.shorten(text, 80)

        cpu_within(1.0, both, text[:2])  # CPU: a loaded machine stretches wall time alone


def test_a_board_card_keeps_a_flag_whole() -> None:
    from gateway.web import board_view

    subject = "x" * 78 + FLAG + " の拠点で VPN が遅い"
    shortened = board_view.card_subject(subject)
    assert shortened == "x" * 78 + "…"
    assert board_view.card_subject("x" * 77 + FLAG + "yz") == "x" * 77 + FLAG + "…"
    assert board_view.card_subject("x" * 80) == "x" * 80


def test_a_ticket_title_keeps_a_family_whole() -> None:
    subject = "a" * (TITLE_MAX - 3) + FAMILY + "b"
    kept = title(subject)
    assert kept == "a" * (TITLE_MAX - 3) + "…"
    assert len(kept) <= TITLE_MAX


def test_a_cli_column_keeps_a_skin_tone_on_its_hand() -> None:
    text = "ab" + THUMB + "cdefgh"
    # the hand and its tone are one emoji, two columns (the tone was counted two more)
    assert pad(text, 8, cut=True) == "ab" + THUMB + "cde…"
    assert pad(text, 5, cut=True) == "ab" + THUMB + "…"
    assert pad(text, 4, cut=True) == "ab… "  # the hand does not fit with its tone
    assert pad("ab" + ACCENT + "cdefg", 4, cut=True) == "ab" + ACCENT + "…"


def test_a_cli_column_is_cut_in_linear_time() -> None:
    cpu_within(1.0, lambda: pad("長" * 200_000, 20, cut=True))


def test_a_chat_card_keeps_a_flag_and_an_accent_whole() -> None:
    assert slack_length.fit("a" * 8 + FLAG + "zzzz", 10) == "a" * 8 + "…"
    assert slack_length.cut("ab" + ACCENT, 3) == "ab"
    assert slack_length.cut("ab" + KANA, 3) == "ab"


def test_a_refused_command_line_and_an_excerpt_keep_a_kana_whole() -> None:
    line = "/note " + "あ" * 93 + KANA + "い"
    assert shown(line).endswith("あ…")
    text = "x" * 1199 + KANA + "y" * 10
    assert excerpt(text).endswith("x …")


def test_a_display_name_keeps_a_flag_whole() -> None:
    name = "a" * (TITLE_MAX - 2) + FLAG + "b"
    assert short_name(name) == "a" * (TITLE_MAX - 2) + "…"


@pytest.mark.parametrize("piece", [*WHOLE, "🇯🇵🇫🇷🇩"])
def test_the_starts_are_the_boundaries(piece: str) -> None:
    text = "a" + piece * 3 + "z"
    assert list(graphemes.starts(text)) == [
        graphemes.is_boundary(text, at) for at in range(len(text))
    ]
