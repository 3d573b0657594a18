"""A plain-text part with our wrapped paragraphs joined back into one line each.

Tests that look for a sentence, a time or a link inside our words look in this, not
in the lines a reader sees: where :mod:`gateway.notify.paragraphs` broke a line
depends on the length of names and subjects, not on what the test is about. The
join is exact (:func:`gateway.core.wrap.wrap` breaks at a space, or between two
full-width characters with nothing between them); the lines of a paragraph we did
not wrap (a listing) are joined too, with a space.
"""

from __future__ import annotations

import sys

from gateway.notify.paragraphs import refill


def unwrapped(text: str) -> str:
    return refill(text, width=sys.maxsize)
