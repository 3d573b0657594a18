"""Our paragraphs wrapped to lines a reader's client shows whole (gateway.core.wrap).

Properties over generated English, Japanese and mixed text: the lines give the text
back, no line is wider than asked unless it is one unbreakable word, and no line
starts with a closing mark or ends with an opening one (kinsoku). Then the cases a
mail depends on: a URL and a command line are never broken.
"""

from __future__ import annotations

import time
import unicodedata
from itertools import pairwise

from hypothesis import example, given, settings
from hypothesis import strategies as st

from gateway.core import graphemes
from gateway.core.wrap import NO_END, NO_START, _wrapped, columns, width_of, wrap
from gateway.notify.paragraphs import refill
from tests.support.unwrap import unwrapped

KANA_KANJI = "あいうえおかきくけこさしすせそアイウエオカキクケコ日本語漢字確認対応"
OPENING = "".join(sorted(c for c in NO_END if columns(c) == 2))
CLOSING = "".join(sorted(c for c in NO_START if columns(c) == 2))
NARROW = "abcdefghijklmnopqrstuvwxyzABC0123456789-_@.,;:!?()[]"

narrow_words = st.text(alphabet=NARROW, min_size=1, max_size=12)
# a Japanese phrase: perhaps an opening mark, words, perhaps closing marks and commas
wide_runs = st.builds(
    lambda o, w, c: o + w + c,
    st.text(alphabet=OPENING, max_size=1),
    st.text(alphabet=KANA_KANJI, min_size=1, max_size=10),
    st.text(alphabet=CLOSING, max_size=2),
)
widths = st.integers(min_value=26, max_value=90)


def _mark(char: str) -> bool:
    """A full-width punctuation mark (、。「」): it carries its own space."""
    return columns(char) == 2 and unicodedata.category(char).startswith("P")


def _written(words: list[str]) -> str:
    """Words as text is written: a space after or before a half-width word, none
    between two Japanese phrases nor beside a full-width punctuation mark."""
    out = words[0]
    for word in words[1:]:
        wide = columns(out[-1]) == 2 and columns(word[0]) == 2
        out += ("" if wide or _mark(out[-1]) or _mark(word[0]) else " ") + word
    return out


texts = st.lists(st.one_of(narrow_words, wide_runs), min_size=1, max_size=40).map(_written)


def _joined(lines: list[str]) -> str:
    """The lines joined as a reader (and tests.support.unwrap) joins them: nothing
    between two full-width characters or beside a full-width punctuation mark, a space
    anywhere else."""
    return _written(lines)


@settings(max_examples=300, deadline=None)
@given(texts, widths)
@example("000000000000〈あ、000000000", 26)  # found by CI: cut between two digits
def test_the_lines_give_the_text_back(text: str, width: int) -> None:
    lines = wrap(text, width)
    assert all(lines) and not any(line != line.strip(" ") for line in lines)
    assert _joined(lines) == text
    assert unwrapped("\n".join(lines)) == text


@settings(max_examples=300, deadline=None)
@given(texts, widths)
def test_no_line_is_wider_than_asked_but_one_word(text: str, width: int) -> None:
    for line in wrap(text, width):
        if width_of(line) > width:  # only a half-width word without a space can be
            assert " " not in line and all(columns(c) == 1 for c in line), line


@settings(max_examples=300, deadline=None)
@given(texts, widths)
def test_no_line_starts_or_ends_with_what_kinsoku_forbids(text: str, width: int) -> None:
    """Where two lines meet between two full-width characters (no space was there),
    the second does not start with a closing mark and the first does not end with an
    opening one. What kinsoku glues here is narrower than a line: always avoidable."""
    lines = wrap(text, width)
    for before, after in pairwise(lines):
        if columns(before[-1]) == 2 and columns(after[0]) == 2:
            assert after[0] not in NO_START, (before, after)
            assert before[-1] not in NO_END, (before, after)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=KANA_KANJI + OPENING + CLOSING + NARROW + " \u3000", max_size=400), widths)
def test_any_text_comes_back_but_for_the_spaces_at_breaks(text: str, width: int) -> None:
    """Whatever the text (runs with no allowed break, spaces anywhere), nothing but the
    spaces at a break and at the end is lost, and a line is wider only when cutting it
    would break a half-width word."""
    lines = wrap(text, width)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    for line in lines:
        if width_of(line) > width:
            assert all(columns(c) == 1 for c in line.strip(" ")), line


# texts short and long, with leading, doubled and trailing spaces, ambiguous and combining
# characters: the short ones take wrap's shortcut, the long ones the pieces
any_texts = st.text(
    alphabet=KANA_KANJI + OPENING + CLOSING + NARROW + " \u3000…→\u0301\t", max_size=120
)


@settings(max_examples=400, deadline=None)
@given(st.one_of(texts, any_texts), st.integers(min_value=0, max_value=90), st.sampled_from([1, 2]))
def test_a_line_that_fits_comes_back_as_the_pieces_would_give_it(
    text: str, width: int, ambiguous: int
) -> None:
    """The shortcut for a line that fits in any case gives what the walk gives."""
    assert wrap(text, width, ambiguous) == _wrapped(text, width, ambiguous)


def test_english_breaks_at_spaces_within_the_width() -> None:
    text = "We have closed the request [#42] of " + "Very Long Name " * 8 + "(reason: resolved)."
    lines = wrap(text, 76)
    assert len(lines) > 1 and all(len(line) <= 76 for line in lines)
    assert " ".join(lines) == text


def test_japanese_breaks_by_display_width_and_keeps_punctuation_with_its_word() -> None:
    """38 full-width characters make 76 columns; 。 and 」 stay on the line before."""
    text = "お問い合わせ「" + "あ" * 36 + "」につきまして、ご返信をお待ちしております。" * 2
    lines = wrap(text, 76)
    assert all(width_of(line) <= 76 for line in lines)
    assert not any(line[0] in NO_START or line[-1] in NO_END for line in lines)
    assert "".join(lines) == text


def test_a_url_and_a_command_are_never_broken() -> None:
    url = "https://help.example.test/tickets?state=active&assignee=" + "x" * 80
    command = "ticket-gateway inbox list --state shunted"
    for text in (
        f"… and 4950 more tickets: {url}",
        f"未処理のメールがあります（{command}）。詳細は {url} を開いてください。" * 3,
        f"Mail may be waiting unread; “{command}” shows the details. " * 3,
        f"open tickets outside the catalog — run `{command} --json` to see them " * 3,
        f"リンク：{url}日本語のパス" + "あ" * 60,
    ):
        lines = wrap(text, 40)
        assert any(url in line for line in lines) or url not in text
        assert any(command in line for line in lines) or command not in text


def test_a_run_of_marks_with_no_allowed_break_is_cut_by_width() -> None:
    lines = wrap("ー" * 100, 76)
    assert [width_of(line) for line in lines] == [76, 76, 48]


def test_a_run_cut_by_width_is_cut_where_a_reader_joins_it_back() -> None:
    """A run without a break (digits glued to Japanese by its marks) wider than a line
    is cut beside a full-width mark, where the lines join back with nothing between;
    by width between two digits it would read back with a space in the number."""
    assert wrap("000000000000〈あ、000000000", 26) == ["000000000000〈あ、", "000000000"]
    text = "ID12345678（確認済み）、ID87654321（未確認）、ID11112222"
    lines = wrap(text, 26)
    assert max(map(width_of, lines)) <= 26 and unwrapped("\n".join(lines)) == text
    # nowhere a reader joins back: by width, as before
    assert wrap("あ" * 14, 26) == ["あ" * 13, "あ"]


def test_it_takes_time_in_proportion_to_the_text() -> None:
    """No backtracking: twenty times the text takes about twenty times as long (a
    quadratic wrapper takes four hundred), whatever the text is made of. The best of
    five runs each, in CPU time, against the noise of a shared machine."""
    for unit in ("ー", "あ ", "「", "word ", "a", "https://x.test/" + "y" * 50 + " "):
        small, large = _best_time(unit * 1000), _best_time(unit * 20_000)
        assert large < max(small, 1e-4) * 100, (unit, small, large)


def _best_time(text: str) -> float:
    """The process's CPU for it, best of five: a loaded machine stretches wall time (a
    full suite beside helpers made 20 times the text take 160 times as long), not the
    work done."""
    runs = []
    for _ in range(5):
        started = time.process_time()
        wrap(text, 76)
        runs.append(time.process_time() - started)
    return min(runs)


def test_refill_keeps_blank_lines_and_indentation_and_hangs_the_rest() -> None:
    block = "\nfirst line of a\nparagraph that goes on\n\n\n  - an item " + "word " * 20 + "\n"
    out = refill(block, 40, hang=2)
    assert out.startswith("\nfirst line of a paragraph that goes on\n\n\n  - an item word")
    item = out.split("\n\n\n")[1].rstrip("\n").split("\n")
    assert all(line.startswith("    ") for line in item[1:]) and len(item) > 2
    assert all(width_of(line) <= 40 for line in item) and out.endswith("\n")


def test_refill_runs_japanese_lines_on_without_a_space() -> None:
    assert refill("お問い合わせを\n受け付けました。\nPlease keep [#1]\nin the subject.") == (
        "お問い合わせを受け付けました。Please keep [#1] in the subject."
    )


def test_a_width_of_zero_leaves_the_text_to_the_reader() -> None:
    """The HTML part shows the same macros: its reader's window wraps them."""
    text = "a long line " * 20
    assert refill(text, 0) == text


# what a reader sees as one character, in several code points (tests/test_grapheme_cuts.py)
CLUSTERS = [
    "👍🏽",  # a hand and its skin tone: both East Asian Wide
    "👨\u200d👩\u200d👧",  # a family joined by ZWJs
    "🇯🇵",  # a flag: a pair of regional indicators
    "❤\ufe0f",  # an emoji presentation sequence
    "か\u3099",  # a kana and its combining dakuten
    "e\u0301",  # a letter and its combining accent
]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from([*CLUSTERS, "日", "本", "語", "。", "a"]), min_size=1, max_size=60),
    st.integers(min_value=2, max_value=30),
)
def test_a_line_never_breaks_inside_what_a_reader_sees_as_one_character(
    parts: list[str], width: int
) -> None:
    text = "".join(parts)
    lines = wrap(text, width)
    assert "".join(lines) == text  # no spaces: nothing goes at a break
    at = 0
    for line in lines[:-1]:
        at += len(line)
        assert graphemes.is_boundary(text, at), (text, lines)


def test_a_hand_keeps_its_skin_tone_and_a_run_of_flags_its_pairs() -> None:
    assert wrap("確認" + "👍🏽" * 4, 6) == ["確認👍🏽", "👍🏽👍🏽👍🏽"]
    assert wrap("日" + "🇯🇵" * 6, 5) == ["日🇯🇵", "🇯🇵🇯🇵", "🇯🇵🇯🇵", "🇯🇵"]
