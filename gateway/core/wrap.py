"""Our own paragraphs in plain-text mail, wrapped to lines a reader's client shows whole.

RFC 5322 (section 2.1.1) says a line SHOULD be no more than 78 characters, and a
Japanese paragraph rendered from one msgid is one line of hundreds of columns, cut
wherever the reader's window ends. :func:`wrap` breaks a line of text into lines of at
most ``width`` columns, counted as a terminal and a Japanese mail client show them
(a full-width character is two columns, :func:`columns`):

- English and any text with spaces breaks at the spaces (the space at a break goes);
- Japanese breaks between two full-width characters, except where the
  line-breaking rules (kinsoku) forbid it: no line starts with a closing
  mark, a small kana or a prolonged sound mark (:data:`NO_START`), none ends with an
  opening mark (:data:`NO_END`);
- a URL (from its ``scheme://``), a command line (from ``ticket-gateway`` to the
  closing mark after it, or between backticks) and any run of half-width characters
  without a space (an address, a tag, a word) are never broken: a line holding one
  too long for ``width`` stays long. A run of full-width characters with no allowed
  break in it is cut by width anyway.

One pass over the characters and one over the pieces between break opportunities:
linear in the length of the text, no regular expression. Which text is ours to wrap
(not the people's words we quote, not listings a reader copies) is the caller's to
say: :mod:`gateway.notify.paragraphs` wraps what a template marks.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import repeat

from gateway.core import graphemes

WIDTH = 76  # columns: within RFC 5322's 78, with room for a client's "> " when quoted


def _table(*rows: tuple[str, str]) -> frozenset[str]:
    return frozenset("".join(chars for chars, _why in rows))


# Characters no line may start with (行頭禁則): each row, the characters and why. A
# break without a space only ever falls between two full-width characters, so the
# half-width and ambiguous ones here (” … ‥ ―) are the rule written whole, for a caller
# that asks; ASCII punctuation needs no row: it is never apart from the word before.
NO_START = _table(
    ("、。，．", "Japanese comma and full stop, and their full-width forms"),
    ("・：；？！‼⁇⁈⁉", "middle dot and full-width punctuation that ends a clause"),
    ("）」』】〕〉》］｝〙〗｣〟", "closing brackets and quotes (｣ half-width, 〟 low)"),
    ("”’", "closing typographic quotes"),
    ("ー―‐〜～", "prolonged sound mark and dashes that continue the word before"),
    ("ゝゞヽヾ々〻", "iteration marks: they repeat the character before"),
    ("ぁぃぅぇぉっゃゅょゎゕゖ", "small hiragana: part of the syllable before"),
    ("ァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ", "small katakana, likewise"),
    ("…‥", "ellipses, written after what trails off"),
)

# Characters no line may end with (行末禁則): they open what follows them.
NO_END = _table(
    ("（「『【〔〈《［｛〘〖｢〝", "opening brackets and quotes (｢ half-width, 〝 low)"),
    ("“‘", "opening typographic quotes"),
)

# Where a URL ends inside a Japanese sentence: at a full-width mark (a URL is written
# in half-width characters; an ASCII ")" or "." is glued to it by NO_START anyway).
_URL_END = frozenset(c for c in NO_START | NO_END if unicodedata.east_asian_width(c) in "WF")
# Where a command line ends: the closing mark it is written inside, or a clause's end.
_COMMAND_END = frozenset("）」』”’)`;、。；")
_COMMAND = "ticket-gateway "  # the CLI a reader copies from a notice
_SCHEME = "://"


# Characters drawn as nothing of their own: they change the character before them.
_ZERO = frozenset(
    "\u200c\u200d"  # zero-width non-joiner and joiner: join emoji into one (a family)
    "\ufe00\ufe01\ufe02\ufe03\ufe04\ufe05\ufe06\ufe07"  # variation selectors:
    "\ufe08\ufe09\ufe0a\ufe0b\ufe0c\ufe0d\ufe0e\ufe0f"  # VS15 text, VS16 emoji style
)
_EMOJI_STYLE = "\ufe0f"  # VS16: the symbol before it drawn as an emoji, two columns
_TONES = ("\U0001f3fb", "\U0001f3ff")  # skin tones (Emoji_Modifier): a hand's colour


def _tone(char: str) -> bool:
    return _TONES[0] <= char <= _TONES[1]


@lru_cache(maxsize=4096)  # asked twice a character of every paragraph a mail wraps
def columns(char: str, ambiguous: int = 1) -> int:
    """The columns ``char`` takes: 2 full-width (East Asian Wide or Fullwidth), 0 a
    combining mark, a variation selector, a joiner or a skin tone (drawn with the
    character before them), else 1 — as the CLI measures its tables. ``ambiguous``: the
    width of East Asian Ambiguous characters (“ ” … → ■ ①), which Japanese fonts and
    terminals show full-width: 2 for a Japanese reader. A text's columns are its
    characters' as a reader sees them (:func:`clusters`)."""
    if unicodedata.combining(char) or char in _ZERO or _tone(char):
        return 0
    kind = unicodedata.east_asian_width(char)
    return 2 if kind in "WF" else ambiguous if kind == "A" else 1


def clusters(text: str, ambiguous: int = 1) -> Iterator[tuple[int, int]]:
    """Where each character a reader sees starts in ``text`` (a grapheme cluster,
    :func:`gateway.core.graphemes.starts`) and the columns a terminal gives it: its
    base's, two for an emoji presentation sequence (a symbol and VS16); what a joiner
    joins to it drawn in the same place (a family: two, not six); a skin tone alone two
    (as an emoji). One pass, linear in the text."""
    start = used = 0
    joined = False  # the character before is a joiner
    for at, begins in enumerate(graphemes.starts(text)):
        char = text[at]
        if begins:
            if at:
                yield start, used
            start, used = at, 2 if _tone(char) else columns(char, ambiguous)
        elif char == _EMOJI_STYLE:
            used = max(used, 2)
        elif joined:
            used = max(used, columns(char, ambiguous))
        else:
            used += columns(char, ambiguous)
        joined = char == "\u200d"
    if text:
        yield start, used


def width_of(text: str, ambiguous: int = 1) -> int:
    if text.isascii():  # one column a character (CR LF: two, as :func:`clusters` says)
        return len(text)
    if all(map(graphemes.alone, text)):  # each its own cluster: most of a Japanese mail
        return sum(columns(char, ambiguous) for char in text)
    return sum(wide for _start, wide in clusters(text, ambiguous))


@dataclass(slots=True)
class _Piece:
    """Text between two break opportunities, the spaces before it, and its columns."""

    text: list[str]
    space: str
    width: int
    protected: bool  # part of a URL or a command: never cut by width


def wrap(text: str, width: int = WIDTH, ambiguous: int = 1) -> list[str]:
    """``text`` (one line) as lines of at most ``width`` columns where it can be broken
    (see the module's docstring); the spaces at a break and at the end removed,
    nothing else (spaces at the start stay: an indentation).
    ``ambiguous``: the columns of an East Asian Ambiguous character (:func:`columns`)."""
    # a line that fits whatever its characters are (none takes more than two columns)
    # is what the pieces would join back to: most of a mail's paragraphs, at the cost
    # of a length (the processing child renders every acknowledgement; issue #18)
    if len(text) <= width if text.isascii() else 2 * len(text) <= width:
        return [text.rstrip(" ")]
    return _wrapped(text, width, ambiguous)


def _wrapped(text: str, width: int, ambiguous: int) -> list[str]:
    pieces = _pieces(text, ambiguous)
    lines: list[str] = []
    line: list[str] = []
    used = 0
    for p in pieces:
        body = "".join(p.text)
        if line and used + len(p.space) + p.width <= width:
            line += (p.space, body)
            used += len(p.space) + p.width
            continue
        if line:
            lines.append("".join(line))
        elif p.space:  # the text began with spaces: kept, as the writer put them
            body, p.width = p.space + body, p.width + len(p.space)
        if p.width > width and not p.protected and any(columns(c) == 2 for c in body):
            # no break allowed in it, and wider than a line: cut, as it cannot be helped
            cut = _cut(body, width, ambiguous)
            lines += cut[:-1]
            body = cut[-1]
        line, used = [body], width_of(body, ambiguous)
    if line or not lines:
        lines.append("".join(line))
    return lines


def _pieces(text: str, ambiguous: int) -> list[_Piece]:
    """The pieces between break opportunities, in one pass: a space is one (and goes
    with the piece after it), so is a pair of full-width characters kinsoku lets
    apart, unless inside a URL, a command line or backticks. Never between a
    full-width and a half-width character without a space (``5日(土)``,
    ``VPNクライアント``): so a reader of the lines can join them back — with nothing
    between two full-width characters, with a space anywhere else. Never inside what a
    reader sees as one character (:func:`gateway.core.graphemes.starts`): a hand and its
    skin tone, a family's joiners, a flag's pair, a kana and its dakuten; the rules
    look at each one's first character."""
    pieces: list[_Piece] = []
    cur = _Piece([], "", 0, False)
    space = ""
    url = command = backticks = False
    prev = " "  # the first character of the one a reader sees before
    # ASCII has no character of several code points a break could fall in (CR LF has
    # no break between anyway), nor has a text of characters each alone (most Japanese
    # mail): the boundaries are not looked for, and a piece's columns are its
    # characters' (the processing child wraps every acknowledgement; issue #18)
    simple = text.isascii() or all(map(graphemes.alone, text))
    begin = repeat(True) if simple else graphemes.starts(text)
    for i, (ch, begins) in enumerate(zip(text, begin, strict=False)):  # repeat: endless
        # the rest of the character a reader sees: never apart from it (but for a mark
        # on a space, which stays a break, the mark a piece's start, as it was)
        if not begins and not space:
            cur.text.append(ch)
            continue
        if url and (ch == " " or ch in _URL_END):
            url = False
        if command and ch in _COMMAND_END:
            command = False
        inside = url or command or backticks
        if ch == " " and not inside:
            space += ch
            prev = ch
            continue
        breaks = space != "" or (
            not inside
            and columns(prev) == 2
            and columns(ch) == 2
            and prev not in NO_END
            and ch not in NO_START
        )
        if breaks and cur.text:
            pieces.append(cur if simple else _measured(cur, ambiguous))
            cur = _Piece([], space, 0, False)
        elif not cur.text:
            cur.space = space
        space = ""
        if ch == "`":
            backticks = not backticks
        elif ch == ":" and text.startswith(_SCHEME, i):
            url = True
        elif ch == "t" and text.startswith(_COMMAND, i) and not (i and text[i - 1].isalnum()):
            command = True
        cur.text.append(ch)
        if simple:
            cur.width += columns(ch, ambiguous)
        cur.protected = cur.protected or url or command or backticks
        prev = ch
    if cur.text:
        pieces.append(cur if simple else _measured(cur, ambiguous))
    return pieces  # spaces at the end go, as at a break


def _measured(piece: _Piece, ambiguous: int) -> _Piece:
    """``piece`` with its columns: its characters as a reader sees them."""
    piece.width = width_of("".join(piece.text), ambiguous)
    return piece


def runs_on(before: str, after: str) -> bool:
    """Whether a line ending in ``before`` and one starting with ``after`` join with
    nothing between, as a reader (and :func:`gateway.notify.paragraphs.refill`) joins
    them: two full-width characters (Japanese has no spaces), or a full-width
    punctuation mark on either side, which carries its own space (「について、」 and
    「3 日前に」 are 「について、3 日前に」, never 「、 3」). A Japanese word beside a
    number or a Latin word keeps the catalog's space (「自動処理が 3 回」)."""
    wide_before, wide_after = columns(before) == 2, columns(after) == 2
    if wide_before and wide_after:
        return True
    return (wide_before and _punctuation(before)) or (wide_after and _punctuation(after))


def _punctuation(char: str) -> bool:
    return unicodedata.category(char).startswith("P")


def _cut(text: str, width: int, ambiguous: int) -> list[str]:
    """``text`` cut every ``width`` columns: the last resort for a run with no break,
    between the characters a reader sees. Where the line allows, the cut falls where a
    reader joins the lines back with nothing between (:func:`runs_on`: 「〈あ、」 then
    「000」, never 「000」 then 「0」, which reads back as 「000 0」), and kinsoku holds
    there too; else where a reader joins back, kinsoku or not; else by width alone."""
    out: list[str] = []
    begin = used = total = 0  # total: the columns before the character looked at
    clean = joined = (0, 0)  # the last place a reader joins back (and kinsoku holds)
    before = ""  # the first character of the one a reader sees before
    for start, wide in clusters(text, ambiguous):
        char = text[start]
        if before and runs_on(before, char):
            joined = (start, total)
            if before not in NO_END and char not in NO_START:
                clean = joined
        while start > begin and used + wide > width:
            at, columns_before = next((p for p in (clean, joined) if p[0] > begin), (start, total))
            out.append(text[begin:at])
            begin, used = at, total - columns_before
        used += wide
        total += wide
        before = char
    out.append(text[begin:])
    return out
