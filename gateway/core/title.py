"""A ticket's title: one line, of a length every mail, card and list can carry.

A ticket's subject is repeated in every mail about it, in its chat card and on every
list, but a mail's Subject may be of any length (one real mail carries 20 000
characters: an acknowledgement with it had a 200 KB header, more than Postfix keeps,
and Slack refuses a card over 3 000) and may hold control characters. So a ticket's
title is cut where Zammad's (250) and RT's (200) are; the message keeps its subject
whole, so search still finds every word of it. Linear in the text, whatever it holds.
"""

from __future__ import annotations

import re

from gateway.core import graphemes

TITLE_MAX = 250  # characters of a ticket's title; a longer subject ends in ELLIPSIS
ELLIPSIS = "…"  # one character, in every language
# CR, LF, NUL, escape, U+2028 …, and runs of ASCII spaces and tabs: one space; never a
# new header line or a terminal's command. The ideographic space (「山田　太郎」) and the
# no-break space are how the writer spaced their words: kept as written.
_CONTROL = re.compile(r"[\x00-\x20\x7f\u2028\u2029\x85]+")


def one_line(text: str) -> str:
    """Control characters and runs of ASCII white space become one space (never a new
    header); white space of any kind at the ends goes."""
    return _CONTROL.sub(" ", text).strip()


def title(subject: str) -> str:
    """``subject`` as a ticket's title: one line, at most :data:`TITLE_MAX` characters."""
    line = one_line(subject)
    if len(line) <= TITLE_MAX:
        return line
    return graphemes.cut(line, TITLE_MAX - len(ELLIPSIS)).rstrip() + ELLIPSIS
