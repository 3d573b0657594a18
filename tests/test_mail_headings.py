"""A heading of a text mail (the "■" lines of the digest and the summary) stands on a
line of its own: its first item, or "none", starts the next line. (A heading written
as a ``{% trans %}`` block loses its line end to ``trim_blocks``, and its first item
then ran on after it: "… (candidates for new entries)  none".)"""

from __future__ import annotations

import pytest

from gateway.notify import views as v
from gateway.notify.render import Renderer
from tests.support.samples import SAMPLES

WEEKLY = [s for s in SAMPLES if isinstance(s, v.WeeklyDigest | v.WeeklySummary)]


@pytest.mark.parametrize("locale", ["ja", "en"])
@pytest.mark.parametrize("view", WEEKLY, ids=lambda s: f"{v.kind_of(s)}-{len(str(s))}")
def test_every_heading_is_a_line_of_its_own(view: v.View, locale: str) -> None:
    text = Renderer().render(view, locale).text
    headings = [line for line in text.splitlines() if line.startswith("■")]
    assert headings
    for line in headings:
        assert "  " not in line, line  # an item ("  VPN: 1 ticket") after the heading
