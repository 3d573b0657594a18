"""A writer's comments inside the old mail they answer, marked with their name as
Outlook marks them ("Mark my comments with": ``[山田 太郎]``
before each comment typed into the original).

Outlook copies the old mail unmarked (no ``>``) under its From:/Sent: block, so the
quote cutter takes everything there for the old mail, and an answer given point by
point in it ("下記のとおり回答します。" above) was never sent. A line of that mail that
starts with the writer's own name in brackets is theirs. Only the first line of a
comment carries the mark: the lines under it are not told from the old mail's, so a
comment is its marked line. Only the mail right under the header is read
(:func:`gateway.pipeline.parse.quotes.first_old_mail`): the older history may hold
comments of an earlier answer, sent then.

Each comment keeps the old mail's lines right above it, the question it answers, as an
inline answer keeps its quoted lines (:mod:`.inline_answers`); the rest of the old mail
stays cut. This is read for the requester as for a member, and from Outlook's HTML
alone (new Outlook, Outlook on the web) too: rendered for the ticket, what follows its
separator is marked quoted, header block and comments with it, so no header was found
and every comment was a ``>`` line; it is read from the HTML rendered as Outlook's
plain part has it (:func:`.html_text.html_to_text` with ``separators=False``).
"""

from __future__ import annotations

import re
import unicodedata
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from gateway.pipeline.parse.inline_answers import CONTEXT_LINES
from gateway.pipeline.parse.writer_names import name_key

__all__ = ["Comment", "comment_names", "marked_comments", "may_hold_marks", "with_questions"]

# the mark: a name in square brackets, half or full width (［山田］ is [山田] after NFKC),
# then the comment; a line of at most this many characters (the old mail's are read)
_MARK = re.compile(r"\s*\[([^\[\]\n]{1,80})\]\s*(\S.*)")
_MAX_LINE = 2000
# Every character NFKC makes a "[" of (tests/test_inline_comments.py asks unicodedata):
# a line whose first character past blanks and quote marks is none of them carries no
# mark (an HTML-only mail's old mail is in its text quoted: "> [山田] …")
OPENING_BRACKETS = "[\ufe47\uff3b"  # [ ﹇ ［
_MARK_START = re.compile(rf"^(?:[^\S\n]|[>＞])*[{re.escape(OPENING_BRACKETS)}]", re.MULTILINE)


def may_hold_marks(text: str) -> bool:
    """Whether a line of ``text`` could start with a mark: no quote header is looked
    for in a reply none of whose lines could (issue #18: finding the old mail was 6 %
    of a bulk ingest's time, for the few replies Outlook's marks are in)."""
    return _MARK_START.search(text) is not None


def comment_names(display: str, address: str) -> frozenset[str]:
    """The names an Outlook user's mark may carry (compared by :func:`name_key`): the
    display name Outlook takes it from (``[Taro Yamada]``, ``[山田 太郎]``), a word of
    it a user shortened it to (``[山田]``), and the address's local part (``[tyamada]``).
    Not the fragments a signature is matched by (「山」 of 山田): a mark is written whole."""
    words = unicodedata.normalize("NFKC", display).split()
    local = address.rpartition("@")[0]
    found = [display, *(w for w in words if len(w) > 1), local]
    return frozenset(k for k in map(name_key, found) if k)


@dataclass(frozen=True, slots=True)
class Comment:
    """A comment line as written (its mark kept: it says whose the line is), and the
    old mail's lines right above it, stripped: the question it answers."""

    line: str
    above: tuple[str, ...]


def marked_comments(old_mail: str, names: Sequence[str] | frozenset[str]) -> list[Comment]:
    """The lines of ``old_mail`` that start with one of ``names`` in brackets, in order,
    each with up to :data:`.inline_answers.CONTEXT_LINES` lines above it (back to a
    blank line or another comment); never a ``>`` line. One pass."""
    found = []
    above: deque[str] = deque(maxlen=CONTEXT_LINES)
    for line in old_mail.split("\n"):
        if len(line) > _MAX_LINE or line.lstrip().startswith((">", "＞")) or not line.strip():
            above.clear()
            continue
        m = _MARK.fullmatch(unicodedata.normalize("NFKC", line))
        if m and name_key(m[1]) in names:
            found.append(Comment(line.strip(), tuple(above)))
            above.clear()
        else:
            above.append(line.strip())
    return found


def with_questions(comments: Sequence[Comment], shown: Callable[[str], bool] | None = None) -> str:
    """The comments as an inline answer reads (:mod:`.inline_answers`): each under the
    lines it answers, quoted with ``> `` (only the nearest ones ``shown`` allows), one
    paragraph each."""
    blocks = []
    for comment in comments:
        kept: list[str] = []
        for line in comment.above:
            kept = [*kept, line] if shown is None or shown(line) else []
        blocks.append("\n".join([*(f"> {line}" for line in kept), comment.line]))
    return "\n\n".join(blocks)
