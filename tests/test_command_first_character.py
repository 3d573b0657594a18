"""``read_command`` rejects a line whose first word's first visible character is no
slash in NFKC before its letter-by-letter pass (issue #18): it must read every line as
the full pass reads it (checked once over every code point in eight line shapes; here
with hypothesis, against the pass without the early answer)."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from gateway.pipeline import command_syntax

SHAPES = st.sampled_from(["{c}close", "{c}/close", "{c}:/close", "{c}", "\u200b{c}/note hi"])


@settings(max_examples=400, deadline=None)
@given(c=st.characters(exclude_categories=["Cs"]), shape=SHAPES, tail=st.text(max_size=12))
@example(c="\u00ad", shape="{c}:/close", tail="")  # a soft hyphen, then a colon
@example(c="／", shape="{c}close", tail="")
@example(c="\u2215", shape="{c}close", tail="")
def test_the_early_answer_is_the_full_passs(c: str, shape: str, tail: str) -> None:
    line = shape.format(c=c) + tail
    early = command_syntax.read_command(line)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(command_syntax, "_may_be_slash", lambda first: True)
        full = command_syntax.read_command(line)
    assert early == full
