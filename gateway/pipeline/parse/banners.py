"""The lines mail clients write over a forwarded or an original message, one row per
client form. Three readers build what they need from this one table, so a client's
form is added once and not in three lists that drift apart:

* :mod:`gateway.pipeline.forward` finds a forwarded original's sender under a banner;
* :mod:`.quotes` cuts the quoted history at one (what follows a forward's banner is
  what the writer sends on, what follows an "Original Message" line is the old mail:
  the :class:`Kind` column);
* :mod:`.forward_headers` takes the header block under one out of a member's words.

A rule (:attr:`Kind.RULE`) is drawn by other things too (a signature's, the writer's own
decoration): each reader counts it only over a header block.

Every pattern is matched against a whole line, stripped, of at most :data:`MAX_LINE`
characters, case-insensitively; none holds two unbounded runs that can share a
character in a row, so matching one costs time linear in the line.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from gateway.pipeline.parse.quote_languages import ORIGINAL

__all__ = ["BANNERS", "FORWARD_WORDS", "MAX_LINE", "Banner", "Kind", "pattern"]

MAX_LINE = 400  # a banner or a rule is never longer (as quotes.MAX_HEADER_LINE)

# the word every forward banner drawn with dashes starts with ("--- Forwarded … ---")
FORWARD_WORDS = "Forwarded|転送"


class Kind(enum.Enum):
    """What follows the line."""

    FORWARD = "forward"  # the forwarded mail, which the writer sends on
    ORIGINAL = "original"  # the old mail the writer answers (or forwards, Outlook)
    RULE = "rule"  # a header block, if one is right under it; else nothing


@dataclass(frozen=True, slots=True)
class Banner:
    """One client form of the line: its pattern (a whole stripped line), what follows it,
    and the clients that write it."""

    pattern: str
    kind: Kind
    clients: str


BANNERS: tuple[Banner, ...] = (
    # Gmail "---------- Forwarded message ---------" (in every UI language), Zimbra, and
    # Thunderbird "-------- Forwarded Message --------"; trailing dashes or none
    Banner(r"-{2,}\s*Forwarded\s+message\s*-*", Kind.FORWARD, "Gmail, Thunderbird, Zimbra"),
    # Gmail and Thunderbird in Japanese: "---------- 転送メッセージ ---------", older ones
    # 「転送されたメッセージ」 between dashes; trailing dashes or none
    Banner(
        r"-{2,}\s*転送(?:された)?\s*メッセージ\s*-*", Kind.FORWARD, "Gmail, Thunderbird (Japanese)"
    ),
    # any other forward between dashes: Lotus Notes' "----- Forwarded by Taro Yamada/ACME
    # on 2026/12/05 10:00 -----"; the closing dashes needed
    Banner(rf"-{{2,}}\s*(?:{FORWARD_WORDS})[\s\S]*--", Kind.FORWARD, "Lotus Notes, others"),
    # Apple Mail "Begin forwarded message:" over a blank line, then the block
    Banner(r"Begin\s+forwarded\s+message\s*[:：]", Kind.FORWARD, "Apple Mail, iPhone"),
    Banner(r"転送されたメッセージ\s*[:：]", Kind.FORWARD, "Apple Mail, iPhone (Japanese)"),
    # Outlook in plain text answers and forwards under "-----Original Message-----"
    # (元のメッセージ, Ursprüngliche Nachricht, …: every language of quote_languages' table)
    Banner(
        rf"-{{2,}}\s*(?:{ORIGINAL})\s*-{{2,}}",
        Kind.ORIGINAL,
        "Outlook, plain text; Thunderbird before 78",
    ),
    # Japanese Outlook's with the space between the words or without it
    Banner(
        r"-{2,}\s*(?:元の|オリジナル)\s*メッセージ\s*-{2,}", Kind.ORIGINAL, "Outlook (Japanese)"
    ),
    # Outlook on the web and new Outlook draw underscores over the block, Windows Live
    # Mail and others dashes, some Japanese clients box drawing or equals signs
    Banner(r"[-_=─━]{10,}", Kind.RULE, "Outlook on the web, Windows Live Mail, others"),
)


def pattern(*kinds: Kind) -> re.Pattern[str]:
    """The rows of ``kinds`` as one pattern, for ``fullmatch`` on a stripped line."""
    rows = [f"(?:{b.pattern})" for b in BANNERS if b.kind in kinds]
    return re.compile("|".join(rows), re.I)
