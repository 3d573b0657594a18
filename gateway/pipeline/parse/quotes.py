"""Find the new part of a reply: what the sender wrote above the quoted history.

A ticket thread already holds every earlier message, so storing each reply's
quoted copy again only buries the one new paragraph an agent needs to read.
The rules are deliberately line-based and conservative: when in doubt, keep
text (a duplicated quote is an annoyance, a lost answer is a bug).

Hostile text costs linear time here, whatever its shape (issue #14):

* every pattern is unambiguous (no two quantifiers that can share a character
  in a row, no ``.*`` in front of a search), and whole-line tests that used
  ``.*X$`` are a suffix test plus a bounded look back instead;
* attributions and separators are only looked for in lines of at most
  :data:`MAX_HEADER_LINE` characters, and only in the first :data:`WINDOW`
  characters of the text (a reply with more new text than that before its
  quote keeps the quote: conservative, and bounded);
* what is done to the whole text (dropping quoted lines, trailing quotes, the
  signature) is one pass of a linear pattern, not a Python loop per line, so a
  body of a million one-character lines costs what any other body of its size
  costs.
"""

from __future__ import annotations

import re

from gateway.pipeline.parse.attributions import WROTE_COLON_END, is_attribution
from gateway.pipeline.parse.banners import FORWARD_WORDS, Kind, pattern
from gateway.pipeline.parse.header_blocks import (
    BLOCK_FROM,
    starts_header_block,
    starts_notes_block,
)
from gateway.pipeline.parse.inline_answers import answered_inline, with_context
from gateway.pipeline.parse.named_quotes import marked, unmarked
from gateway.pipeline.parse.quote_languages import OPENINGS, own_attribution
from gateway.pipeline.parse.quote_tail import drop_trailing_quotes
from gateway.pipeline.parse.quote_wraps import rejoined

__all__ = [
    "MAX_HEADER_LINE",
    "WINDOW",
    "first_old_mail",
    "is_signature_line",
    "split_reply",
    "without_quoted_lines",
]

WINDOW = 64 * 1024  # characters read line by line for the start of the quoted history
MAX_HEADER_LINE = 400  # an attribution or separator line is never longer than this

_COLONS = (":", "：")

# Separator lines that start quoted history on their own (matched whole, stripped): the
# banners of .banners' table; a forward's says what follows is sent on, not old mail.
_SEPARATORS = (pattern(Kind.FORWARD, Kind.ORIGINAL),)
_FORWARDS = pattern(Kind.FORWARD)
# how a forward's banner drawn with dashes starts ("--- Forwarded … ---"): each is one
# of _SEPARATORS when it ends with dashes (test_quote_prefilter checks the shortcut so)
_FORWARD_START = re.compile(rf"-{{2,}}\s*(?:{FORWARD_WORDS})", re.I)
# A rule above a From:/Sent: block (the table's rules): a cut only there.
_RULE = pattern(Kind.RULE)

_ON_START = re.compile(r"^\s*On\s+\S", re.I)
# how a wrapped attribution's first line starts: a date, or an opening word ("On", "Am")
# with the rest on the line or broken right after it
_ATTRIBUTION_START = re.compile(rf"^\s*(?:\d|(?:{OPENINGS}|W)(?:\s|$))", re.I)

_QUOTED = re.compile(r"\s*[>＞]")
# Attributions that start with the name alone, so a wrapped one's first line is just a
# name: Thunderbird in Japanese ("Taro Yamada さんは書きました:", its "author wrote"
# setting) and 「田中様から:」. (English "Taro Yamada wrote:" is no shape of ours: a
# pasted "The vendor wrote:" is as likely; quote_tail takes it over a final quote.)
_NAME_FIRST = re.compile(r"(?:書きました|さんから|様から)\s*[:：]$")
_SENTENCE_ENDS = ("。", ".", "!", "?", "！", "？", "．")  # a name ends no sentence
# Whole-text passes (one linear scan each): quoted lines, the signature line (and the
# trailing quote: quote_tail).
_QUOTED_LINE = re.compile(r"^[^\S\n]*[>＞][^\n]*(?:\n|\Z)", re.M)
# The signature line: "-- " (RFC 3676), and as a Japanese writer's input method types
# it, two full-width dashes, long bars or prolonged-sound marks (「－－」「――」「ーー」,
# half-width ｰｰ, a Mac's minus signs −−, hyphens ‐‐), a space after them (an ideographic
# one too) or none. Three or more are a rule, not it.
_SIGNATURE_LINE = re.compile(r"^(?:--|[－―ー—ｰ−‐]{2})[ \u3000]?$", re.M)


def split_reply(text: str) -> str:
    """Return the newly written part of ``text`` (a whole plain-text body).

    Cut at the first quote header ("On … wrote:", Japanese attributions,
    "-----Original Message-----", forwarded-message banners, Outlook
    From:/Sent: blocks, Lotus Notes' header blocks), drop ``>`` quotes before
    and after the new text, then drop the signature. With nothing above an
    attribution, its unquoted lines are the writer's (bottom-posting, or the
    quote deleted and the attribution kept); one naming the writer over only its quote
    is their mail quoted again, kept whole. With nothing above a separator or a
    header block, everything is the old mail and nothing is new.
    """
    text = marked(text.replace("\r\n", "\n").replace("\r", "\n"))  # "tanaka> …" too
    head, rest = _window(text)
    lines = head.split("\n")
    cut = _find_quote_header(lines)
    if cut is not None:
        above = lines[:cut]
        if not _is_blank(above):
            answers = _answers_between_quotes(lines, cut, rest)
            text = "\n".join(above)
            text = f"{text.rstrip()}\n\n{answers}" if answers else text
        elif _unmarked_history(lines, cut):  # nothing written: all of it is the old mail
            text = ""
        else:  # below an attribution, all but ">" lines: bottom-posted, or quote deleted
            end = _header_end(lines, cut)
            lines, rest = _before_older_history(lines, end + 1, rest)
            below = _without_quotes("\n".join(lines[end + 1 :]) + rest)
            head = " ".join(x.strip() for x in lines[cut : end + 1])
            if not _drop_signature(below).strip() and own_attribution(head):
                # the writer quoting themself at the top ("… schrieb ich:"), nothing else
                return unmarked(_drop_signature("\n".join(lines) + rest).strip("\n").rstrip())
            text = below
    text = _without_quotes(text, lead=True)
    text = drop_trailing_quotes(text)
    text = _drop_signature(text)
    return unmarked(text.strip("\n").rstrip())


def first_old_mail(text: str) -> str:
    """The mail right under the first quote header of ``text`` (a whole plain-text
    body), up to the next one: the one mail a writer answered, without the older
    history under it; "" when there is none in the first :data:`WINDOW` characters."""
    lines = _window(text.replace("\r\n", "\n").replace("\r", "\n"))[0].split("\n")
    cut = _find_quote_header(lines)
    if cut is None:
        return ""
    start = _header_end(lines, cut) + 1
    block = _next_nonblank(lines, start)
    if starts_header_block(lines, cut) or starts_header_block(lines, block, introduced=True):
        start = next((i for i in range(block, len(lines)) if not lines[i].strip()), len(lines))
    later = _find_quote_header(lines[start:])
    return "\n".join(lines[start : len(lines) if later is None else start + later])


def _answers_between_quotes(lines: list[str], cut: int, rest: str) -> str:
    """The writer's answers under the quote header at ``cut`` that has words above it
    (「山田様」「お世話になっております。」, then the quote answered point by point),
    without the quoted lines; "" when none. Answers are unmarked lines between two
    quoted ones, under a header followed by a marked quote (an attribution, Becky!'s
    ``>``-quoted "-----Original Message-----" block): a top-posted quote has none, a
    signature under it is not between two, and a header that copies the old mail
    unmarked (Outlook's From:/Sent: block) is followed by no answer but old mail."""
    end = _header_end(lines, cut)
    first = _next_nonblank(lines, end + 1)
    if first >= len(lines) or not _QUOTED.match(lines[first]):
        return ""
    lines, rest = _before_older_history(lines, end + 1, rest)
    unmarked_seen = False  # an unmarked line below a quoted one: an answer if one follows
    for line in lines[first:]:
        if _QUOTED.match(line):
            if unmarked_seen:
                return _without_quotes("\n".join(lines[first:]) + rest)
        elif line.strip():
            unmarked_seen = True
    return ""


def _without_quotes(text: str, *, lead: bool = False) -> str:
    """``text`` without its quoted lines but those right above an answer given inline
    (:mod:`.inline_answers`; the signature first, whose lines answer nothing). Not
    answered inline: every quoted line goes, or with ``lead`` (no quote header above)
    those above the words (:func:`_drop_leading_quotes`). A quoted line's end that a
    client wrapped onto a line without ``>`` is put back first (:mod:`.quote_wraps`):
    it is quote, not an answer."""
    text = rejoined(text)
    if answered_inline(text):
        return with_context(_drop_signature(text))
    return _drop_leading_quotes(text) if lead else _QUOTED_LINE.sub("", text)


def _before_older_history(lines: list[str], start: int, rest: str) -> tuple[list[str], str]:
    """``lines`` up to the older history under what follows the attribution that ends
    at ``start - 1`` (its quote, the writer's words), and ``rest`` (beyond the window)
    unless the cut falls within it. A separator, a header block or another
    attribution over the old mail below them starts that history as it would under
    words with no attribution above: "Am … schrieb ich:" over the writer's reminder,
    then "-----Ursprüngliche Nachricht-----" and the whole old thread, unmarked."""
    later = _find_quote_header(lines[start:])
    if later is None or _is_blank(lines[start : start + later]):
        return lines, rest
    return lines[: start + later], ""


def _window(text: str) -> tuple[str, str]:
    """The first :data:`WINDOW` characters up to a line end, and the rest."""
    if len(text) <= WINDOW:
        return text, ""
    end = text.rfind("\n", 0, WINDOW)
    end = WINDOW if end < 0 else end
    return text[:end], text[end:]


def _find_quote_header(lines: list[str]) -> int | None:
    written = False  # a line above: an attribution there must be over the old mail
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or _QUOTED.match(line):
            written = written or bool(stripped)
            continue
        if _is_header_line(stripped, lines, i) or _starts_wrapped_attribution(lines, i):
            if not written or not _attribution_at(lines, i) or _old_mail_below(lines, i):
                return i
            if any("@" in lines[j] for j in range(i, _header_end(lines, i) + 1)):
                return i  # an address: a client wrote it ("<dave@x>:" over a bounce's copy)
        elif starts_header_block(lines, i) or starts_notes_block(lines, i):
            return i
        written = True
    return None


def _old_mail_below(lines: list[str], cut: int) -> bool:
    """What follows the attribution at ``cut`` (blank lines aside) is the old mail: a
    quoted line, a header block or separator, or nothing (its quote, an HTML one, was
    removed). Else the line is the writer's own, under their words: 「先日のメールに
    書きました:」 over their list, "On Friday I wrote:" over what they wrote (one that
    names an address is a client's whatever follows: prose does not hold one)."""
    after = _next_nonblank(lines, _header_end(lines, cut) + 1)
    if after >= len(lines) or _QUOTED.match(lines[after]):
        return True
    first = lines[after].strip()
    return (
        (len(first) <= MAX_HEADER_LINE and _is_separator(first))
        or starts_header_block(lines, after, introduced=True)
        or starts_notes_block(lines, after)
    )


def _unmarked_history(lines: list[str], cut: int) -> bool:
    """The header at ``cut`` (nothing above it) is followed by the old mail itself, not
    marked with ``>``: what Outlook's From:/Sent: block (and a rule above it) and an
    "-----Original Message-----" separator always copy so; read as the writer's, the
    old mail's ``/close`` was a command and its text was relayed as their words.

    An attribution line ("On … wrote:", 「…さんは書きました:」, wrapped or not) is not such
    a header: its clients mark the quote with ``>`` (or an HTML quote, rendered so), so
    what follows it unmarked is what the writer typed after deleting the quote (or below
    the quote: bottom-posting), and only its ``>`` lines are old. A forwarded-message
    banner is not either: what follows it is what the writer sends."""
    if _forward_banner(lines[cut].strip()):
        return False
    if BLOCK_FROM.match(lines[cut]) or _RULE.fullmatch(lines[cut].strip()):
        return True
    if starts_notes_block(lines, cut):  # Lotus Notes: the old mail follows unmarked
        return True
    if _attribution_at(lines, cut):
        return False
    after = _next_nonblank(lines, _header_end(lines, cut) + 1)
    return after < len(lines) and not _QUOTED.match(lines[after])


def _attribution_at(lines: list[str], cut: int) -> bool:
    """The quote header at ``cut`` is an attribution (one of :data:`.attributions.ATTRIBUTIONS`, on
    its line or wrapped over the next two), not a separator."""
    s = lines[cut].strip()
    if len(s) <= MAX_HEADER_LINE and _is_separator(s):
        return False
    if len(s) <= MAX_HEADER_LINE and is_attribution(s):
        return True
    return _starts_wrapped_attribution(lines, cut)


def _forward_banner(s: str) -> bool:
    """ "---------- Forwarded message ---------", "Begin forwarded message:", "転送…"."""
    return _FORWARDS.fullmatch(s) is not None


def _header_end(lines: list[str], cut: int) -> int:
    """The last line of the attribution at ``cut``: a wrapped one goes on for up to two
    more lines, to the one that ends with its colon (also from a line that is one on
    its own without a colon: "Am … schrieb" over "Alice Meyer:")."""
    first = lines[cut].strip()
    if _is_header_line(first, lines, cut) and (
        first.endswith(_COLONS) or not _starts_wrapped_attribution(lines, cut)
    ):
        return cut
    for end in range(cut + 1, min(cut + 3, len(lines))):
        if lines[end].strip().endswith(_COLONS) and _unquoted_end(lines, end):
            return end
    return cut


def _is_header_line(stripped: str, lines: list[str], i: int) -> bool:
    if len(stripped) > MAX_HEADER_LINE:
        return False
    if _RULE.fullmatch(stripped):  # a rule: quoted history only above a From:/Sent: block
        return starts_header_block(lines, _next_nonblank(lines, i + 1), introduced=True)
    return _is_separator(stripped) or is_attribution(stripped)


def _is_separator(s: str) -> bool:
    # every separator begins with dashes or ends with its colon: most lines stop here
    if not s.startswith("-") and not s.endswith(_COLONS):
        return False
    return any(p.fullmatch(s) for p in _SEPARATORS)


def _starts_wrapped_attribution(lines: list[str], i: int) -> bool:
    """Mobile and webmail clients wrap long attribution lines over 2-3 lines, at any
    point. Its first line starts with a date or an opening word or holds the address;
    or it is a name-first one (Thunderbird's "Taro Yamada" over 「さんは書きました:」):
    a paragraph's first line that ends no sentence, joined into :data:`_NAME_FIRST`."""
    if len(lines[i]) > MAX_HEADER_LINE:
        return False
    name_first = not _ATTRIBUTION_START.match(lines[i]) and "@" not in lines[i]
    if name_first and (
        (i and lines[i - 1].strip() and not _QUOTED.match(lines[i - 1]))
        or lines[i].rstrip().endswith(_SENTENCE_ENDS)
    ):
        return False
    for end in range(i + 1, min(i + 3, len(lines))):
        last = lines[end].strip()
        if not last:
            return False  # a wrapped line goes on in the next: "3. 再接続する", a blank
        ends_header = bool(last) and _unquoted_end(lines, end) and last.endswith(_COLONS)
        if not ends_header and not (
            _ON_START.match(lines[i])
            and len(last) <= MAX_HEADER_LINE
            and WROTE_COLON_END.search(last)
        ):
            continue
        parts = [line.strip() for line in lines[i : end + 1]]
        window = " ".join(parts)
        if len(window) > MAX_HEADER_LINE:
            return False
        if _ON_START.match(lines[i]) and WROTE_COLON_END.search(window):
            return True
        # joined with a space where the client broke at one, and without where it broke
        # between two CJK characters or inside the address (<taro@example.jp|>のメール:)
        for joined in (window, "".join(parts)):
            if is_attribution(joined) and not (name_first and not _NAME_FIRST.search(joined)):
                return True
    return False


def _unquoted_end(lines: list[str], end: int) -> bool:
    """``lines[end]`` may end a wrapped attribution: no quoted line, or a ``>`` that
    closes the address the line above opened ("山田 太郎 <taro@example.jp" over
    ">のメール:", a client's break before the bracket), not a quote's mark."""
    if not _QUOTED.match(lines[end]):
        return True
    above = lines[end - 1]
    return lines[end].lstrip().startswith(">") and above.rfind("<") > above.rfind(">")


def _next_nonblank(lines: list[str], start: int) -> int:
    for j in range(start, len(lines)):
        if lines[j].strip():
            return j
    return len(lines)


def _drop_leading_quotes(text: str) -> str:
    """Quoted history above the new text (a bottom-posted reply without an
    attribution, or an HTML quote rendered as ``>`` lines) is not new."""
    body = text.lstrip("\n")
    if not _QUOTED.match(body):
        return text
    end = _QUOTED_RUN.match(body)
    rest = body[end.end() :] if end else body
    return rest if rest.strip() else text  # only quotes: keep them, nothing else was written


_QUOTED_RUN = re.compile(r"(?:[^\S\n]*[>＞][^\n]*(?:\n|\Z)|[^\S\n]*\n)*")


def is_signature_line(line: str) -> bool:
    """``line`` (without its line end) is the signature line, ``-- `` or ``－－``: a
    format=flowed paragraph ends there (RFC 3676 4.3) as the new text does."""
    return _SIGNATURE_LINE.fullmatch(line) is not None


def _drop_signature(text: str) -> str:
    signature = _SIGNATURE_LINE.search(text)
    return text[: signature.start()] if signature else text


def without_quoted_lines(text: str, among: str = "") -> str:
    """``text`` without its ``>`` lines (one pass): what a member's answer relays when
    they answered point by point under quoted lines with no attribution above them
    (below one, :func:`split_reply` drops them already). The lines they quote are our
    own mail to them, whose internal lines (a note, the state) are not for the requester.
    Lines quoted with a name (``tanaka> …``: :mod:`.named_quotes`) go as well, the
    names counted in ``among`` (the whole mail ``text`` was taken from) if given."""
    return unmarked(_QUOTED_LINE.sub("", marked(text, among)))


def without_signature(text: str) -> str:
    """``text`` up to its signature: the whole of a mail its sender wrote nothing above
    (a forward sent on without a word), which :func:`split_reply` leaves empty."""
    return _drop_signature(text.replace("\r\n", "\n").replace("\r", "\n")).strip()


def _is_blank(lines: list[str]) -> bool:
    return not any(line.strip() for line in lines)
