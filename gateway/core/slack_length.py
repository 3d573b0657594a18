"""Text lengths as Slack's limits count them, and cuts that keep an emoji whole.

Slack counts UTF-16 code units (an emoji beyond the BMP is two), and a block or a
view over a limit is refused whole (``invalid_blocks``, no form at all), so what we
send is measured that way. A cut never falls inside an emoji sequence (a ZWJ family,
a skin tone, a flag's tags, a variation selector): half a sequence shows as other
emoji, or as a dangling joiner.
"""

from __future__ import annotations

from gateway.core import graphemes

ELLIPSIS = "…"


def units(text: str) -> int:
    """``text``'s length in UTF-16 code units."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def cut(text: str, at: int) -> str:
    """``text[:at]``, moved back so that no emoji sequence, flag or accented letter is
    cut inside (:mod:`gateway.core.graphemes`)."""
    return graphemes.cut(text, at)


def fit(text: str, limit: int) -> str:
    """``text`` if it is at most ``limit`` units, else its start and an ellipsis."""
    if units(text) <= limit:
        return text
    budget, at = limit - units(ELLIPSIS), 0
    for at, char in enumerate(text):  # noqa: B007 - the index where the budget runs out
        budget -= units(char)
        if budget < 0:
            break
    return cut(text, at).rstrip() + ELLIPSIS
