"""The header blocks of forwarded mail, taken out of a member's words before they are
relayed to the requester.

A member who forwards a mail to the ticket's reply address with nothing written above
the banner sends what it forwards (:mod:`.quotes` keeps it as their new text): a
vendor's answer, our own mail to them. What the client wrote over it — the banner and
``From:``/``Date:``/``To:``/``Cc:`` (差出人/送信日時/宛先/件名) — names internal
addresses, and the forwarded text may copy older history under the same kind of block
(Outlook's, unmarked). None of it is the member's: every such block goes from the text
relayed; the ticket keeps the whole mail, so the team still sees who wrote what. A
block whose sender is one of our own addresses heads our own mail to the member (a
notice, with its notes and state): that is no more theirs to relay than a quote of it
(:func:`.quotes.without_quoted_lines`), so it goes with everything below it.

What counts as a block, so that the writer's own lines stay:

* a banner of :mod:`.banners`' table (one row per client form), then — a blank line or two
  aside — one header line or more (a label of :mod:`.quote_languages`' table, or
  ``Reply-To``/``Bcc``/返信先, then a colon), with the lines that continue one
  (indented); a banner with no header under it names no one and stays;
* a rule (Outlook on the web draws one) over an Outlook block, or an Outlook block
  alone, as :func:`.header_blocks.starts_header_block` reads them (a travel plan
  "From: Copenhagen / Date: … / To: Oslo" is the writer's).

Linear time: each line is looked at a bounded number of times (the blank lines after a
banner, the few lines an Outlook block is read in), only a line of at most
:data:`MAX_LINE` characters may be a banner or a rule, and the label pattern is
anchored with bounded runs of white space.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from gateway.core.tokens import is_own_address
from gateway.pipeline.parse.banners import BANNERS as TABLE
from gateway.pipeline.parse.banners import MAX_LINE, Kind, pattern
from gateway.pipeline.parse.header_blocks import starts_header_block
from gateway.pipeline.parse.mailboxes import ADDRESS_WORD
from gateway.pipeline.parse.quote_languages import OTHERS, SENDER, SENT, alternation

__all__ = ["BANNERS", "begins_with_banner", "without_forward_headers"]

_GAP = 2  # blank lines a client leaves between its banner and the header (Apple Mail: one)

# How each client starts a forward or an answer (the banners of .banners' table, as
# pattern and clients): a block under one, whatever its order
BANNERS: tuple[tuple[str, str], ...] = tuple(
    (b.pattern, b.clients) for b in TABLE if b.kind is not Kind.RULE
)
_BANNER = pattern(Kind.FORWARD, Kind.ORIGINAL)
# the table's rules (Outlook on the web and new Outlook draw one over the block): an
# Outlook-shaped block only under one
_RULE = pattern(Kind.RULE)

# the labels of Outlook's block in every language of the table, and the headers other
# clients' forwards show besides (Thunderbird's Reply-To, Apple Mail's Bcc, 返信先)
_EXTRA = alternation(("Reply-To", "Bcc", "返信先"))
_FIELD = re.compile(
    rf"[ \t]{{0,4}}(?:\*+[ \t]{{0,4}})?(?:{SENDER}|{SENT}|{OTHERS}|{_EXTRA})"
    r"[ \t]{0,4}(?:\*+[ \t]{0,4})?[:：]",
    re.I,
)

_SENDER_FIELD = re.compile(
    rf"[ \t]{{0,4}}(?:\*+[ \t]{{0,4}})?(?:{SENDER})[ \t]{{0,4}}(?:\*+[ \t]{{0,4}})?[:：]", re.I
)


def begins_with_banner(text: str) -> bool:
    """The first line of ``text`` written (a blank line or two aside) is a banner of
    :data:`BANNERS`: a forward sent on with nothing written above it."""
    lines = text.lstrip("\r\n").split("\n", 1)
    first = lines[0].strip() if len(lines[0]) <= MAX_LINE else ""
    return bool(first) and _BANNER.fullmatch(first) is not None


def without_forward_headers(
    text: str, *, banner_cut: bool = False, own: Collection[str] = ()
) -> str:
    """``text`` without the forwarded-mail header blocks in it (the banner or rule over
    each, and one blank line under it); the rest, the forwarded words too, as written.
    ``banner_cut``: ``text`` is what stood under a banner the quote finder took off (a
    forward with nothing written above it, :func:`begins_with_banner`), so header lines
    at its top are that banner's block (Thunderbird's begins with Subject, no shape of
    Outlook's to know it by). ``own``: our addresses (the gateway's, its aliases); a
    block whose sender is one of them (or a reply address) heads our own mail to the
    member, a notice with its notes: it goes with all below it, as a quote of it would."""
    lines = text.split("\n")
    kept: list[str] = []
    i = 0
    if banner_cut:
        i = _top_block_end(lines)
        if i and _from_us(lines, 0, i, own):
            return ""
    while i < len(lines):
        end = _block_end(lines, i)
        if end is None:
            kept.append(lines[i])
            i += 1
        elif _from_us(lines, i, end, own):
            break
        else:
            i = end + 1 if end < len(lines) and not lines[end].strip() else end
    return "\n".join(kept) if len(kept) < len(lines) else text


def _from_us(lines: list[str], start: int, end: int, own: Collection[str]) -> bool:
    """A sender line among ``lines[start:end]`` (a block) names one of ``own``."""
    if not own:
        return False
    for line in lines[start:end]:
        if _SENDER_FIELD.match(line):
            found = ADDRESS_WORD.search(line[:MAX_LINE])
            if found is not None and is_own_address(found.group().strip("."), own):
                return True
    return False


def _top_block_end(lines: list[str]) -> int:
    """Where the header lines at the top of the text end, and the blank line under them
    (0 when there are none)."""
    start = _after_gap(lines, 0)
    end = _fields_end(lines, start)
    if end == start:
        return 0
    return end + 1 if end < len(lines) and not lines[end].strip() else end


def _block_end(lines: list[str], i: int) -> int | None:
    """Where the header block starting at ``i`` ends (the index after its last line), or
    None when no block starts there."""
    line = lines[i]
    stripped = line.strip() if len(line) <= MAX_LINE else ""
    if stripped and _BANNER.fullmatch(stripped):
        start = _after_gap(lines, i + 1)
        end = _fields_end(lines, start)
        return end if end > start else None
    if stripped and _RULE.fullmatch(stripped):
        start = _after_gap(lines, i + 1)
        if starts_header_block(lines, start, introduced=True):
            return _fields_end(lines, start)
        return None
    if _FIELD.match(line) and starts_header_block(lines, i):
        return _fields_end(lines, i)
    return None


def _after_gap(lines: list[str], start: int) -> int:
    """The first line from ``start`` that is not blank, looking past :data:`_GAP` at most."""
    for j in range(start, min(start + _GAP + 1, len(lines))):
        if lines[j].strip():
            return j
    return min(start + _GAP + 1, len(lines))


def _fields_end(lines: list[str], start: int) -> int:
    """The index after the header lines from ``start``: labelled lines, and indented
    ones that continue the line above (a long To or Cc)."""
    j = start
    while j < len(lines):
        line = lines[j]
        if _FIELD.match(line) or (j > start and line[:1] in (" ", "\t") and line.strip()):
            j += 1
        else:
            break
    return j
