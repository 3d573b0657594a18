"""The cheap first tests in front of the quote header rules (issue #18) decide exactly
as the full rules do.

``split_reply`` tests every line of a body's first 64 K characters against eight
attribution rules and five separator patterns; that was a sixth of a parse. Most lines
cannot be either (no colon at the end, no dash at the start), and the code now says so
before running the rules. Here the shortcut is checked against the rules themselves on
generated lines built from the pieces the rules look for, so a rule added later whose
line need not end with a colon fails this test until the shortcut learns it.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.pipeline.parse import attributions, quotes

# Pieces of real attribution and separator lines, and the characters around them.
_PIECES = [
    "On",
    "on ",
    "Am ",
    "W dniu ",
    "Mon, 1 Jan 2024",
    "2024/01/02 10:00",
    "2024年1月2日",
    "wrote",
    "schrieb",
    "a écrit",
    "napisał(a)",
    ":",
    "：",
    " ",
    "\t",
    "\u3000",
    "\x1c",
    "\n",
    "bob@example.com",
    "<taro@example.jp>",
    "<",
    ">",
    "@",
    "山田 太郎",
    "のメッセージ",
    "のメール",
    "書きました",
    "さんから",
    "様から",
    "-",
    "--",
    "-----Original Message-----",
    "Original Message",
    "元の",
    "メッセージ",
    "Forwarded message",
    "転送",
    "Begin forwarded message",
    "転送されたメッセージ",
    "______",
    "==========",
]
_anything = st.lists(st.one_of(st.sampled_from(_PIECES), st.text(max_size=3)), max_size=12).map(
    "".join
)
_space = st.sampled_from(["", " ", "\t", "\u3000", "\x1c", "\n", " \u3000 "])
# Shaped like a header line: a start, words, an ending, a colon or none, spaces after.
_shaped = st.tuples(
    st.sampled_from(["", "On ", "Am ", "2024/01/02 ", "2024年1月2日 10:00 ", "-- ", "--- "]),
    st.sampled_from(["", "Bob", "山田 <taro@example.jp>", "bob@example.com", "Forwarded"]),
    _space,
    st.sampled_from(
        [
            *(
                "",
                "wrote",
                "schrieb",
                "のメッセージ",
                "のメール",
                "書きました",
                "さんから",
                "様から",
                "--",
            ),
            *("転送されたメッセージ", "Begin forwarded message", "<taro@example.jp>"),
        ]
    ),
    st.sampled_from(["", ":", "：", " :"]),
    _space,
).map("".join)
_lines = st.one_of(_anything, _shaped)


def _attribution_by_every_rule(s: str) -> bool:
    return any(rule(s) for rule in attributions.ATTRIBUTIONS)


def _separator_by_every_pattern(s: str) -> bool:
    if any(p.fullmatch(s) for p in quotes._SEPARATORS):
        return True
    forward = quotes._FORWARD_START.match(s)
    return forward is not None and s.endswith("--") and len(s) - 2 >= forward.end()


@settings(max_examples=3000, deadline=None)
@given(_lines)
def test_the_attribution_shortcut_decides_as_every_rule(line: str) -> None:
    for s in (line, line.strip()):
        assert attributions.is_attribution(s) == _attribution_by_every_rule(s), repr(s)


@settings(max_examples=3000, deadline=None)
@given(_lines)
def test_the_separator_shortcut_decides_as_every_pattern(line: str) -> None:
    for s in (line, line.strip()):
        assert quotes._is_separator(s) == _separator_by_every_pattern(s), repr(s)


def test_the_generated_lines_reach_every_answer() -> None:
    """The strategy is not vacuous: lines of each kind, found by the full rules."""
    assert _attribution_by_every_rule("On Mon, 1 Jan 2024 Bob wrote")  # no colon at all
    assert _attribution_by_every_rule("bob@example.com wrote:\u3000")
    assert _separator_by_every_pattern("転送されたメッセージ：")
    assert _separator_by_every_pattern("-----Original Message-----")
    assert not attributions.is_attribution("ordinary text")
