"""The end of a reply's new text: the quoted lines a client appends under the words,
and the attribution line right above them. Split from :mod:`.quotes`.

A client whose attribution the parser does not know by its shape ("田中さん wrote:",
「田中 さん（tanaka@…）からのメール:」, "Tanaka さんのメッセージ:") still marks its quote with
``>``: the quote was dropped as trailing ``>`` lines, but its attribution stayed, the
last line of the words relayed to the requester. A line that ends as an attribution,
right above (blank lines aside) the quoted lines that end the mail, goes with them;
the same line above the writer's own lines is theirs ("The vendor wrote:" and what
the vendor wrote, pasted), and :mod:`.quotes` decides there. A last line with no name
before its verb ("wrote:" under "Taro Yamada") was wrapped after the name: the line
above goes too.

Linear: one scan of the reversed text for the trailing run, one test of one line.
"""

from __future__ import annotations

import re

from gateway.pipeline.parse.quote_languages import CJK_VERBS, VERBS

__all__ = ["WROTE", "drop_trailing_quotes"]

WROTE = rf"(?:{VERBS})"  # "wrote" in the languages of quote_languages' table
# on the reversed text, the run of blank or quoted lines at its end
_TRAILING_REVERSED = re.compile(r"(?:[^\n]*[>＞][^\S\n]*(?:\n|\Z)|[^\S\n]*(?:\n|\Z))*")
_QUOTED = re.compile(r"^[^\S\n]*[>＞]", re.M)
_MAX_ATTRIBUTION = 400  # an attribution line is never longer (quotes.MAX_HEADER_LINE)
# how an attribution line ends, in the languages of the clients that write one: the
# verb "wrote" and its colon, or a Japanese client's 「…書きました:」「…のメール:」「…の
# メッセージ:」 (Thunderbird, Becky!, Apple Mail and iPhone, and their customised forms)
_ATTRIBUTION_END = re.compile(
    rf"(?:\b{WROTE}|{CJK_VERBS}|書きました|のメール|のメッセージ)\s*[:：]$", re.IGNORECASE
)


# what may stand before the verb on the last line of an attribution wrapped after its
# name: nothing ("wrote:"), or the honorific and particle 「さんは」「様が」
_NAMELESS = re.compile(r"(?:(?:さん|様|氏)\s*(?:は|が)?)?")


def drop_trailing_quotes(text: str) -> str:
    """``text`` without the blank and ``>`` lines at its end, and without the
    attribution right above them when there were quoted lines among them."""
    run = _TRAILING_REVERSED.match(text[::-1])
    if run is None or not run.end():
        return text
    kept = text[: len(text) - run.end()]
    if _QUOTED.search(text, len(kept)) is None:
        return kept  # only blank lines went: nothing was quoted under the last line
    start = kept.rfind("\n") + 1
    last = kept[start:].strip()
    end = _ATTRIBUTION_END.search(last) if len(last) <= _MAX_ATTRIBUTION else None
    if end is None:
        return kept
    if _NAMELESS.fullmatch(last[: end.start()].strip()) and start:
        # "wrote:" alone: the client wrapped it after the name, on the line above
        above = kept.rfind("\n", 0, start - 1) + 1
        name = kept[above : start - 1].strip()
        if name and len(name) <= _MAX_ATTRIBUTION and not _QUOTED.match(name):
            start = above
    return kept[:start].rstrip("\n")
