"""Reading command lines: which leading lines of a reply's new text are commands, and
the outcome records the transcript and the events keep, one per line.

Pure and linear: one pass over the lines, stopping at the first line that is not a
command (so a quoted or pasted ``/close`` further down is never read), at most
``max_lines`` of them. A line given twice is done once; a line too long to be a command
or holding control characters is passed over; what is passed over is reported, shown
short, in a bounded number of lines. Who may give which command is
:mod:`gateway.pipeline.commands`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from gateway.core.i18n import N_, Msg
from gateway.pipeline.command_help import SHORT, guessed, meant
from gateway.pipeline.command_syntax import NOT_TEXT, WRAP, bare, columns, shown
from gateway.pipeline.command_syntax import Command as Command
from gateway.pipeline.command_syntax import read_command as _command
from gateway.pipeline.parse.disclaimers import without_disclaimer
from gateway.pipeline.parse.signatures import only_framed, only_signature
from gateway.pipeline.parse.taglines import only_taglines, without_taglines
from gateway.pipeline.thanks import only_courtesy


@dataclass(frozen=True, slots=True)
class Parsed:
    commands: tuple[Command, ...]
    remaining: str  # what is relayed: the text without command lines
    ignored: tuple[NotRead, ...]  # command lines passed over (limit, repeat, length, bytes)
    note: str | None = None  # the internal note, when /note was given


# Outcomes, one per command line, for the transcript and the events.

# a command line the same as one above it (after widths, case and spaces): a mail client
# or a hurried writer repeats a line; it is done once, and the repeat is no mistake
REPEATED = N_("the same command as a line above: done once")
# a command line below the member's own words (after "Hi Alice,"): only the top of a reply
# is read, so it is not done; and a command is never words for the requester, so it is
# not sent either (a /note there is a note: gateway.pipeline.command_lines.below_words)
BELOW_WORDS = N_("below your words: commands are read only at the top; not done, not sent")
# a customer's command line under their words, but a /close on their last line (that one
# is done: gateway.pipeline.command_lines.closing_below_words); they are told where to write
NOT_AT_TOP = N_(
    "under your words: commands are read only at the top of a reply (a /close also as "
    "its last line); not done"
)
# the lines below a word meant as /note ("/notr", 「／メモ」): a note is the rest of the
# mail, so the rest was meant as the note; none of it is sent (the word itself is refused)
MISTYPED_NOTE = N_("below a word meant as /note: the rest of your reply may be the note; not sent")
# the line right under a /field line its mail client may have wrapped (plain text without
# format=flowed): the rest of the value, or the member's first words? Ambiguous, so it is
# neither added to the value nor sent (it may be the internal value), and said so
WRAPPED_FIELD = N_(
    "under a long /field line: it may be the rest of the value, wrapped by your mail "
    "client; not added to the field, not sent (write the value on one line, or leave a "
    "blank line before your words)"
)


@dataclass(frozen=True, slots=True)
class Applied:
    line: str
    summary: Msg  # what changed, e.g. "new → closed (resolved)"


@dataclass(frozen=True, slots=True)
class Refused:
    line: str
    why: Msg  # said in the reader's language

    @property
    def reason(self) -> str:
        """In English, for events and logs."""
        return str(self.why)


@dataclass(frozen=True, slots=True)
class NotRead:
    line: str
    why: Msg

    @property
    def reason(self) -> str:
        """In English, for events and logs."""
        return str(self.why)


CommandOutcome = Applied | Refused | NotRead


MAX_LINE = 1000  # a command line is short: a longer one is pasted text or junk, not read


def parse_commands(
    new_text: str,
    max_lines: int,
    words: Collection[str] | None = None,
    names: Sequence[str] = (),
) -> Parsed:
    """Leading command lines of ``new_text``; the rest is what gets relayed.

    ``words``: the command words read from this writer; a line with any other word is
    their text, and ends the commands (a customer's ``/tmp がいっぱいです``). None: every
    ``/word`` line is a command line, an unknown word refused later (a member's mail,
    whose ``/asign`` must not reach the requester as words). ``names``: the writer's
    (:func:`gateway.pipeline.parse.signatures.writer_names`), by which a line under the
    commands that is only their name (under "Best regards,") is their signature.

    Every command line past ``max_lines`` is passed over (never relayed as words), but
    only as many are reported one by one, then one line says how many more: a mail of
    a hundred thousand ``/close`` lines gets a transcript of a few lines. A customer's
    (``words`` given) with none at the top is read for those under their words too
    (:func:`closing_below_words`)."""
    parsed = _leading(new_text, max_lines, words, names)
    return parsed if words is None else closing_below_words(parsed, words, names)


def _leading(
    new_text: str, max_lines: int, words: Collection[str] | None, names: Sequence[str]
) -> Parsed:
    lines = new_text.splitlines()
    commands: list[Command] = []
    ignored = _NotReadList(max_lines)
    seen: set[tuple[str, str]] = set()
    i = _skip_blank(lines, 0)
    read = 0
    while i < len(lines):
        line = bare(lines[i])
        if not line:
            i += 1
            continue
        found = _command(line)
        if found is None or (words is not None and found.name not in words):
            break
        if _prose(line, found):
            break  # 「／以下ご確認ください」: the member's first words
        i += 1
        read += 1
        why = _not_read(found, line, seen, read, max_lines)
        if why is not None:
            ignored.add(line, why)
        elif found.name == "note":
            note = "\n".join([found.arg, *lines[i:]]).strip()
            commands.append(Command("note", note, found.line))
            return Parsed(tuple(commands), "", ignored.reported(), note)
        else:
            seen.add(_same(found))
            commands.append(found)
            if words is None and _meant_note(found.name, guess=True):
                return Parsed(tuple(commands), "", _held(lines[i:], ignored).reported())
            if found.name == "field" and _wrapped_under(line, lines, i):
                i = _hold_paragraph(lines, i, ignored)
                break
    if not commands and not read:
        return Parsed((), new_text, ignored.reported())
    remaining = "\n".join(lines[i:]).strip("\n")
    # under commands only, a phone's "Sent from my iPhone" and a client's automatic
    # signature (name, title, company, phone) are no words to relay
    return Parsed(tuple(commands), _words(remaining, names), ignored.reported())


def _words(remaining: str, names: Sequence[str]) -> str:
    """What is left under the commands, or nothing when it is only a phone's tagline, a
    signature block (:mod:`gateway.pipeline.parse.signatures`; framed by rules too), a company's
    confidentiality notice (:mod:`gateway.pipeline.parse.disclaimers`), or those."""
    if only_taglines(remaining):
        return ""
    left = without_disclaimer(without_taglines(remaining)).strip()
    if not left or only_signature(left, names) or only_framed(left, names):
        return ""
    return remaining


def below_words(parsed: Parsed, words: Collection[str], max_lines: int) -> Parsed:
    """A member's reply with the command lines written below their own words taken out of
    what is relayed (``words``: the command words of the grammar, and a slip away from
    one, ``/notr``; ``/tmp is full`` and "reply /close when it works" stay words).

    A member in a hurry writes "Hi Alice, I will check. /note she is upset": the reader
    stopped at "Hi Alice," and the note went to the requester. Now a ``/note`` line there
    starts the note, as at the top (the rest of the reply is the note, never sent); any
    other command line there is passed over (:data:`BELOW_WORDS`): not done, as only the
    top is read (a pasted or explained ``/close`` below the words changes nothing), and
    not sent, as a command is never words for the requester. Only text without quotes
    comes here (the parser cut them), so an inline-quoted ``> /close`` stays quoted.
    Slips are looked for in the first ``max_lines`` unknown words only."""
    if parsed.note is not None or not parsed.remaining:
        return parsed
    lines = parsed.remaining.splitlines()
    kept: list[str] = []
    held = _NotReadList(max_lines)
    guesses = max_lines  # words tried as slips (a bounded cost for a flood of "/xyz")
    gap = False  # a line held under a blank one: the blank line after it goes with it
    for i, raw in enumerate(lines):
        line = bare(raw)
        if gap and not line:  # 「山田様」, a blank line, the words: not two blank lines
            gap = False
            continue
        gap = False
        found = _command(line) if line else None
        slip = False
        if found is not None and found.name not in words and guesses > 0:
            guesses -= 1
            # a slip, or a Japanese word for /note run on into its text (「／メモ先方は…」)
            slip = meant(found.name, words) is not None or _meant_note(found.name, guess=True)
        if found is None or (found.name not in words and not slip):
            kept.append(raw)
        elif found.name == "note":
            note = "\n".join([found.arg, *lines[i + 1 :]]).strip()
            commands = (*parsed.commands, Command("note", note, found.line))
            ignored = (*parsed.ignored, *held.reported())
            return Parsed(commands, "\n".join(kept).strip("\n"), ignored, note)
        else:
            held.add(line, BELOW_WORDS)
            gap = not kept or not bare(kept[-1])
            if slip and _meant_note(found.name, guess=True):
                remaining = "\n".join(kept).strip("\n")
                ignored = (*parsed.ignored, *_held(lines[i + 1 :], held).reported())
                return Parsed(parsed.commands, remaining, ignored)
    if not held.reported():
        return parsed
    remaining = "\n".join(kept).strip("\n")
    return Parsed(parsed.commands, remaining, (*parsed.ignored, *held.reported()))


def closing_below_words(parsed: Parsed, words: Collection[str], names: Sequence[str]) -> Parsed:
    """A customer's reply with no command at the top, read for the ``words`` (their few
    commands) they wrote under their words. "Thanks, it works now." over ``/close`` says
    one thing: a ``/close`` that is the only command there and their last line (their
    name, a signature, a phone's tagline, thanks or 「よろしくお願いいたします」 may follow:
    :func:`gateway.pipeline.thanks.only_courtesy`) is done as at the top. Any other
    such line (in the middle of their words, or another command) is not done and the
    writer is told (:data:`NOT_AT_TOP`); a line that only mentions a command
    ("reply /close when it works") is words. Their words stay as they wrote them."""
    if parsed.commands or parsed.ignored or not parsed.remaining:
        return parsed
    lines = parsed.remaining.splitlines()
    found = [(i, c) for i, c in enumerate(map(_command, map(bare, lines))) if c and c.name in words]
    if not found:
        return parsed
    if len(found) == 1 and found[0][1].name == "close":
        at, close = found[0]
        after = "\n".join(lines[at + 1 :]).strip("\n")
        if not _words(after, names) or only_courtesy(after):
            rest = "\n".join(lines[:at]).strip("\n")
            return Parsed((close,), rest, ())
    late = tuple(NotRead(shown(c.line), NOT_AT_TOP) for _, c in found)
    return Parsed((), parsed.remaining, late)


def _meant_note(word: str, guess: bool = False) -> bool:
    """``word``, no command of the grammar, is a slip away from /note or a Japanese word
    for it (:func:`gateway.pipeline.command_help.meant`); with ``guess``, at the top of
    a reply, also a word that begins with one (「／メモ先方に電話済み」: ``guessed``)."""
    said = guessed(word, SHORT) if guess else meant(word, SHORT)
    return word not in SHORT and said == "note"


# Policy: which slash starts a command line whatever word follows it (a member's
# "/asign" is refused, never sent) and which only before a word near a command.
_PROSE_SLASHES = (
    # the full-width slash: Japanese punctuation at a line's start (「／以下ご確認ください」,
    # 「／補足です」), so a command only before a command word, a Japanese word for one,
    # a word beginning with one, or a slip away from one (command_help.guessed)
    "／",
)


def _prose(line: str, found: Command) -> bool:
    """A member's line that starts with a slash of :data:`_PROSE_SLASHES` and names no
    command, nor anything near one: prose, the first line of their words."""
    return (
        line.startswith(_PROSE_SLASHES)
        and found.name not in SHORT
        and (guessed(found.name, SHORT) is None)
    )


def _held(rest: list[str], ignored: _NotReadList) -> _NotReadList:
    """``ignored`` with :data:`MISTYPED_NOTE` on the first line of ``rest`` that is not
    blank (the one line the transcript shows for all of them), if any."""
    first = next((bare(line) for line in rest if bare(line)), None)
    if first is not None:
        ignored.add(first, MISTYPED_NOTE)
    return ignored


def _wrapped_under(line: str, lines: list[str], i: int) -> bool:
    """Whether ``lines[i]``, right under the command ``line``, may be that line's end,
    wrapped by the writer's mail client: not blank, not a command, and the command line
    with its first word does not fit in :data:`.command_syntax.WRAP` columns (a client wraps only a
    line that does not fit; a wide character takes two)."""
    if i >= len(lines):
        return False
    below = bare(lines[i])
    if not below or _command(below) is not None:
        return False
    return columns(line) + 1 + columns(below.split()[0]) > WRAP


def _hold_paragraph(lines: list[str], i: int, ignored: _NotReadList) -> int:
    """Passes over the lines from ``i`` to the next blank line (:data:`WRAPPED_FIELD`);
    where what follows them starts."""
    while i < len(lines) and bare(lines[i]):
        ignored.add(bare(lines[i]), WRAPPED_FIELD)
        i += 1
    return i


def _not_read(
    found: Command, line: str, seen: set[tuple[str, str]], read: int, max_lines: int
) -> Msg | None:
    """Why a command line is passed over, or None when it is read."""
    if read > max_lines:
        return N_("only the first {n} command lines are read", n=max_lines)
    if found.name != "note" and len(line) > MAX_LINE:  # a note's text may be long
        return N_("longer than {n} characters: not read", n=MAX_LINE)
    if found.name != "note" and NOT_TEXT.search(line):
        return N_("holds characters that are not text: not read")
    return REPEATED if _same(found) in seen else None


class _NotReadList:
    """The lines passed over, reported one by one up to ``cap``, then counted."""

    def __init__(self, cap: int) -> None:
        self._cap = cap
        self._lines: list[NotRead] = []
        self._more = 0
        self._last = ""

    def add(self, line: str, why: Msg) -> None:
        if len(self._lines) < self._cap:
            self._lines.append(NotRead(shown(line), why))
        else:
            self._more += 1
            self._last = line

    def reported(self) -> tuple[NotRead, ...]:
        if not self._more:
            return tuple(self._lines)
        more = N_("{n} more command lines, up to this one, not read", n=self._more)
        return (*self._lines, NotRead(shown(self._last), more))


def _same(cmd: Command) -> tuple[str, str]:
    """What makes two command lines the same command: the word, and the argument in
    any width, case or spacing (``/priority low`` and ``／ｐｒｉｏｒｉｔｙ　ＬＯＷ``)."""
    return cmd.name, " ".join(unicodedata.normalize("NFKC", cmd.arg).casefold().split())


def repeated(outcome: CommandOutcome) -> bool:
    """A repeat of a line above: reported, but no mistake of the writer's."""
    return isinstance(outcome, NotRead) and outcome.why == REPEATED


def asks_to_merge(new_text: str, max_lines: int) -> bool:
    """Whether the command lines of ``new_text`` hold a ``/merge`` (read as
    :func:`parse_commands` reads them). A merge takes the merge lock and then both
    tickets' rows; a reply that merges must take that lock before it locks the ticket it
    answers, or it and a merge on the page each hold what the other waits for
    (PostgreSQL then fails one of them)."""
    return any(c.name == "merge" for c in parse_commands(new_text, max_lines).commands)


def _skip_blank(lines: list[str], i: int) -> int:
    while i < len(lines) and not bare(lines[i]):
        i += 1
    return i
