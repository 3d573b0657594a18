"""Header blocks a mail client writes above the quoted history it copies unmarked (no
``>``): Outlook's ``From:``/``Sent:``/``To:`` lines, and Lotus Notes' (HCL Notes') block
without colons. Split from :mod:`gateway.pipeline.parse.quotes`, which cuts there.

A block in the writer's own text with nothing above it to say it is one (no separator,
rule or attribution) counts only in Outlook's shape: From, then Sent/Date, then two of
To/Cc/Subject (or one, with an address in the From line); a travel plan's "Fra:
København / Dato: … / Til: Oslo" is the writer's, in every language of the table.

Notes (6 to 12, and Japanese Notes) writes, in plain text, the sender (a Notes name,
``Taro Yamada/Sales/ACME@ACME``, or an address), the date and time on the next line,
then the labels ``To``, ``cc``, ``Subject`` (「宛先」「cc」「件名」) each alone on a line
with its value under it, or as a cell of the table it draws (a label set off by two
spaces or more: ``12/05/2026 10:00 AM        To``). All of sender, date, ``To`` and
``Subject`` must be there, in that order, within a few lines: a writer's "To do:" or
"Subject to change" is no label, and a Notes name over a sentence is no header.
"""

from __future__ import annotations

import re

from gateway.pipeline.parse.quote_languages import OTHERS, SENDER, SENT

__all__ = ["BLOCK_FROM", "starts_header_block", "starts_notes_block"]

# Outlook-style header block: a From line followed closely by Sent/Date and To/Subject,
# in the languages of quote_languages' table (in Japanese also the labels Outlook Express
# and Windows Live Mail show: 送信者, 日時, あて先).
# "(?:\*+\s*)?" and not "\**\s*": two stars-or-spaces runs in a row backtrack quadratically.
BLOCK_FROM = re.compile(rf"\s*(?:\*+\s*)?(?:{SENDER})\s*(?:\*+\s*)?[:：]", re.I)
_BLOCK_SENT = re.compile(rf"\s*(?:\*+\s*)?(?:{SENT})\s*(?:\*+\s*)?[:：]", re.I)
_BLOCK_OTHER = re.compile(rf"\s*(?:\*+\s*)?(?:{OTHERS})\s*(?:\*+\s*)?[:：]", re.I)

_MAX_LINE = 400  # a header line is never longer (as quotes.MAX_HEADER_LINE)
# Policy: the To/Cc/Subject lines under the sent line of a block nothing introduces and
# whose From line names no address (Outlook's with names from an address book): a plan
# pasted into the writer's words has a "To:" (Oslo), not also a Cc or a Subject
_SHAPED = 2
_NOTES_REACH = 10  # the lines after the sender in which Notes' labels are looked for
# the sender: a Notes name (Name/OU/O@Domain), or an address, bare or after a name
_NOTES_SENDER = (
    re.compile(r"[^\s/@][^/@]{0,80}(?:/[^\s/@][^/@]{0,40}){1,4}@[\w.-]{1,60}"),
    re.compile(r"(?:\"[^\"]{1,80}\"\s*|[^<>@\"]{1,80}\s)?<[^\s<>@]+@[^\s<>@]+>"),
    re.compile(r"[^\s<>@]+@[^\s<>@]+"),
)
# the date and time at the start of the line under the sender: 2026/12/05 10:00,
# 12/05/2026 10:00 AM, 2026年12月05日 10:00
_NOTES_DATE = re.compile(
    r"(?:\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}|\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)"
    r"(?:\s*\([^()\s]{1,4}\))?\s+\d{1,2}:\d{2}"
)
_CELLS = re.compile(r"\s{2,}|\t")  # Notes' table, written in text: cells set off by spaces
_NOTES_TO = frozenset({"to", "宛先", "あて先"})
_NOTES_SUBJECT = frozenset({"subject", "件名"})


def starts_header_block(lines: list[str], i: int, *, introduced: bool = False) -> bool:
    """An Outlook ``From:`` line at ``i`` with ``Sent:``/``Date:`` and ``To:`` or
    ``Subject:`` among the next five lines. ``introduced``: a separator, a rule or an
    attribution stands right above it, and that is enough (Apple Mail's forward puts
    Subject before Date). Else the block has Outlook's shape (:data:`_SHAPED`): the
    sent line after the From line and a To/Subject line after it, and more than a
    pasted travel plan ("From: Copenhagen / Date: … / To: Oslo") has: an address in
    the From line, or two or more of To/Cc/Subject."""
    if i >= len(lines) or not BLOCK_FROM.match(lines[i]):
        return False
    following = [line for line in lines[i + 1 : i + 8] if line.strip()][:5]
    sent = next((k for k, line in enumerate(following) if _BLOCK_SENT.match(line)), -1)
    if sent < 0:
        return False
    if introduced:
        return any(_BLOCK_OTHER.match(line) for line in following)
    others = sum(1 for line in following[sent + 1 :] if _BLOCK_OTHER.match(line))
    return others >= _SHAPED or (others > 0 and "@" in lines[i][:_MAX_LINE])


def starts_notes_block(lines: list[str], i: int) -> bool:
    """A Notes header block starts at ``i``: the sender, the date under it, then the
    ``To`` and ``Subject`` labels (in that order) within :data:`_NOTES_REACH` lines."""
    sender = lines[i].strip() if i < len(lines) else ""
    if not sender or len(sender) > _MAX_LINE:
        return False
    if not any(p.fullmatch(sender) for p in _NOTES_SENDER):
        return False
    after = [line.strip() for line in lines[i + 1 : i + 1 + 2 * _NOTES_REACH] if line.strip()]
    after = [line for line in after[:_NOTES_REACH] if len(line) <= _MAX_LINE]
    if not after or _NOTES_DATE.match(after[0]) is None:
        return False
    wanted = [_NOTES_TO, _NOTES_SUBJECT]
    for line in after:
        cells = {cell.casefold() for cell in _CELLS.split(line)}
        if wanted and cells & wanted[0]:
            wanted.pop(0)
    return not wanted
