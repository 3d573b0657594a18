"""The line a phone's mail app writes under a reply on its own ("Sent from my iPhone").

It is not the writer's words: a reply of commands only, sent from a phone, is still a
reply of commands only (nothing to relay to the requester; a requester's ``/close`` to a
closed ticket neither reopens it nor opens a new one). Whole lines only, each short, so
a sentence that starts the same way ("Sent from my office, the VPN works again.") stays
words; and only where nothing else was written (:func:`only_taglines`): under words, a
tagline is sent with them, as the writer's app wrote it. What the words say (only
thanks?) is judged without it (:func:`without_taglines`).
"""

from __future__ import annotations

import re

__all__ = ["only_taglines", "without_taglines"]

_MAX = 80  # a tagline is short: a longer line is a sentence
_LINK = r"(?:\s*<[^<>\s]{1,200}>)?"  # Outlook's plain part writes the link after its text

# One pattern per kind of tagline, matched against a whole stripped line (case ignored).
_TAGLINES = tuple(
    re.compile(p + _LINK, re.IGNORECASE)
    for p in (
        # iOS Mail and most Android phones: "Sent from my iPhone", "… my Galaxy", "… my iPad"
        r"Sent from my [\w.-]+(?: [\w.-]+){0,3}",
        # an app that names itself: "Sent from Mail for Windows", "Sent from Yahoo Mail for iPhone"
        r"Sent (?:from|with|via) (?:Mail|Outlook|Yahoo Mail|Proton Mail|AOL Mobile Mail|"
        r"Gmail Mobile|BlueMail|Spark|Edison Mail)(?: (?:for|on) [\w.-]+(?: [\w.-]+)?)?"
        r"(?: secure email)?\.?",
        # Outlook's mobile apps: "Get Outlook for iOS", "Get Outlook for Android"
        r"Get Outlook for (?:iOS|Android)",
        # the same in Japanese: 「Outlook for iOS を入手」「iOS 版 Outlook を入手」
        r"(?:Outlook for (?:iOS|Android)|(?:iOS|Android)\s*版\s*Outlook)\s*を入手",
        # iOS Mail in Japanese and Japanese phones: 「iPhoneから送信」「Xperiaから送信」
        r"(?:my\s*)?(?:iPhone|iPad|Android|Xperia|Galaxy|AQUOS|arrows|Pixel|スマートフォン|"
        r"スマホ|携帯)\s*(?:から|より)\s*送信(?:しました|されました)?",
        # Windows' Mail app in Japanese: 「Windows 用メールから送信」
        r"Windows\s*用\s*メール\s*から\s*送信",
    )
)


def _tagline(line: str) -> bool:
    return len(line) <= _MAX and any(p.fullmatch(line) for p in _TAGLINES)


def only_taglines(text: str) -> bool:
    """Whether ``text`` holds a tagline and nothing else (blank lines aside)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return bool(lines) and all(_tagline(line) for line in lines)


def without_taglines(text: str) -> str:
    """``text`` without its tagline lines: the words a judge of them reads ("Thank you!"
    under which Outlook for iOS wrote its link is only thanks)."""
    return "\n".join(line for line in text.splitlines() if not _tagline(line.strip()))
