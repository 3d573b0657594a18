"""One command line read: whether a line of a reply is ``/word args`` and what word and
argument it holds. How the lines of a reply are read in order (where the commands stop,
what is passed over) is :mod:`gateway.pipeline.command_lines`.

Pure: a line in, a :class:`Command` or None out.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass

from gateway.core import graphemes
from gateway.core.i18n import N_, Msg
from gateway.core.text import bare, is_unseen, unseen_dropped
from gateway.pipeline.command_links import without_link_copies

__all__ = [
    "NOT_TEXT",
    "WRAP",
    "Command",
    "bare",
    "columns",
    "read_command",
    "shown",
    "two_on_a_line",
]

# "/word", "/word args": a word of letters (any script: a member's "／メモ" is meant as a
# command, refused as unknown, never sent), "-" and "_"; a path such as "/usr/bin/x", a
# number ("/2026年") or a mark ("／・") is not a command
_COMMAND = re.compile(r"^/([^\W\d_](?:[^\W\d]|-)*)(?:\s+(.*))?$")
# what a writer ends a sentence with, and so a command line too ("/close。", "/close.",
# "/priority low!"): not part of the command. A question mark is not among them: "/close?"
# asks, it does not tell. A note's text keeps its own.
_END_PUNCTUATION = ".,;!。、．，；！…‥"
# a slash's look-alikes that NFKC leaves alone (it folds the full-width ／): DIVISION SLASH
# and FRACTION SLASH, which a character palette offers beside ／ and a Mac types (⁄ is
# Option-Shift-1 on a US layout); a writer who starts a line with one means a slash
_SLASHES = str.maketrans({"\u2215": "/", "\u2044": "/"})
# a colon, ASCII or full-width, after a command word: "/note: …", 「／メモ：…」
_COLONS = (":", "：")
_LABEL = re.compile(r"([^:：]+)[:：](.*)", re.DOTALL)
_SHOWN = 100  # the characters of a line a transcript or an event shows
NOT_TEXT = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")  # control characters but the tab
WRAP = 66  # the narrowest width (columns) a mail client wraps plain text at


@dataclass(frozen=True, slots=True)
class Command:
    name: str  # lower-case command word
    arg: str  # the rest of the line (for /note: the rest of the mail), stripped
    line: str  # the line as written, for the transcript


def shown(line: str) -> str:
    """A line as a transcript or an event shows it: at most :data:`_SHOWN` characters,
    control characters (a terminal's escapes, a NUL) as U+FFFD."""
    cut = line if len(line) <= _SHOWN else graphemes.cut(line, _SHOWN) + "…"
    return NOT_TEXT.sub("\ufffd", cut)


def _may_be_slash(first: str) -> bool:
    """Whether the word's first character a reader sees (the one :func:`read_command`'s
    head starts with) is a slash in NFKC, or the word has none (then what follows it
    decides): every line of a reply is read for a command (issue #18: dropping the
    unseen characters of every line's first word was 3 % of a bulk ingest's time).
    NFKC of one character is where NFKC of the word starts: no composite character
    begins with a slash."""
    for ch in first:
        if ch.isspace() or not is_unseen(ch):
            return unicodedata.normalize("NFKC", ch).translate(_SLASHES).startswith("/")
    return True


def read_command(line: str) -> Command | None:
    """A command line: ``/word`` at the start; NFKC makes ``／ｃｌｏｓｅ`` read as ``/close``
    (and :data:`_SLASHES` ``∕close``), and the sentence's full stop after it (``/close。``)
    is not part of it. A first word that goes on with a slash or a dot (``/var/log``,
    ``/etc/hosts``, ``/index.html``) is a path: no command.

    The word ends at the first white space of any width: an IME types the full-width
    space (``／ｎｏｔｅ　…``), and what follows it is the argument as written (which
    :func:`gateway.pipeline.commands.decide` reads in full width where it is a word of
    the grammar), not text folded with the command word.

    A colon right after the word ends it too, as people write a label (``/note: she is
    upset``, 「／メモ：先方は急いでいる」): read as no command, a member's note was sent to
    the requester as their words. An invisible format character in the head
    (``/no\u200bte``, ``/\u200bclose``, pasted from a page or a chat) is no part of the
    word, which is read as the writer sees it: kept, it made such a line no command."""
    parts = line.split(None, 1)
    first, rest = (parts[0], parts[1] if len(parts) > 1 else "") if parts else ("", "")
    label = _LABEL.match(first)
    if label is not None:  # "/note:she is upset", 「／メモ：先方は…」: the colon ends the word
        first, rest = label.group(1), f"{label.group(2)} {rest}".strip()
    elif rest[:1] in _COLONS:  # "/note : she is upset"
        rest = rest[1:].strip()
    if not _may_be_slash(first):  # most lines of most mails: no letter-by-letter pass
        return None
    # read as seen: a zero-width space or a BOM pasted into "/no\u200bte" is no letter
    head = unicodedata.normalize("NFKC", unseen_dropped(first)).translate(_SLASHES)
    if not rest:  # "/close. Thanks" is a sentence that starts with a word, not a command
        head = head.rstrip(_END_PUNCTUATION)
    m = _COMMAND.match(f"{head} {rest}".strip())
    if m is None:
        return None
    name, arg = m.group(1).lower(), (m.group(2) or "").strip()
    if name != "note":
        arg = without_link_copies(arg.rstrip(_END_PUNCTUATION).rstrip())
    return Command(name, arg, shown(line))


def columns(text: str) -> int:
    """The columns ``text`` takes in a mail client's plain-text view: a wide character
    (CJK, full-width forms) takes two. What :data:`WRAP` is measured in."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def two_on_a_line(cmd: Command, words: Collection[str]) -> Msg | None:
    """Why ``cmd`` is refused when a command of ``words`` is written in its argument
    (``/pending /close``, ``/priority high /assign ops2``), or None. Commands are one per
    line; read as the first one's argument, the second made it refused for a reason that
    misled ("/pending takes no argument", "unknown member 'ops2 /close'")."""
    for word in cmd.arg.split():
        found = read_command(word)
        if found is not None and found.name in words:
            return N_(
                "two commands on one line (/{name} and /{other}): write one command per line",
                name=cmd.name,
                other=found.name,
            )
    return None
