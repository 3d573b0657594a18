"""Slack's message markup as the plain text a mail carries.

Slack stores a message's links, mentions and channel names in angle brackets
(``<https://…|label>``, ``<@U0123>``, ``<#C0123|help>``, ``<!here>``) and escapes
``&``, ``<`` and ``>`` as entities. A member's answer relayed to the requester
(and a message made into a ticket) must read as the member saw it in Slack, not
as that markup: a requester's mail program has no idea what ``<@U0123>`` is.
Pure: the names of the mentioned people are looked up by the caller.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

# one piece of markup: no angle bracket inside, at most one "|" before the label
_MARKUP = re.compile(r"<([^<>|\s]+)(?:\|([^<>]*))?>")
_MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^<>]*)?>")


def mentioned(text: str) -> list[str]:
    """The user ids ``text`` mentions, each once, in order."""
    return list(dict.fromkeys(_MENTION.findall(text)))


def plain(text: str, names: Mapping[str, str]) -> str:
    """``text`` without Slack's markup; ``names``: user id → the name to show."""

    def one(m: re.Match[str]) -> str:
        target, label = m[1], html.unescape(m[2] or "")
        if target.startswith("@"):  # a person: their name, else the label Slack kept
            return "@" + (names.get(target[1:]) or label or target[1:])
        if target.startswith("#"):  # a channel
            return "#" + (label or target[1:])
        if target.startswith("!"):  # @here, @channel, a user group, a date
            if label:
                return label
            return "@" + target[1:].split("^")[0]
        url = html.unescape(target)
        shown = url.removeprefix("mailto:")
        return f"{label} ({shown})" if label and label != shown else shown

    out, at = [], 0
    for m in _MARKUP.finditer(text):  # entities are undone once, outside and inside
        out += [html.unescape(text[at : m.start()]), one(m)]
        at = m.end()
    return "".join([*out, html.unescape(text[at:])])
