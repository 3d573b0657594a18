"""The reply's old mail is looked for only when a line of the reply could carry a
comment's mark (``may_hold_marks``, issue #18): the check must never say no where
:func:`marked_comments` would find one, or a customer's answers are lost again."""

from __future__ import annotations

import sys
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.pipeline.parse.html_text import html_to_text
from gateway.pipeline.parse.inline_comments import (
    OPENING_BRACKETS,
    comment_names,
    marked_comments,
    may_hold_marks,
)
from gateway.pipeline.parse.quotes import first_old_mail

NAMES = comment_names("Alice Example", "alice@customer.test")


def test_the_brackets_are_every_character_nfkc_makes_an_opening_bracket_of() -> None:
    made = {
        chr(c) for c in range(sys.maxunicode + 1) if "[" in unicodedata.normalize("NFKC", chr(c))
    }
    assert made == set(OPENING_BRACKETS)


_HEADERS = (
    "From: Support <support@example.test>\nSent: Sunday, March 1, 2026 6:00 PM\n"
    "To: Alice Example <alice@customer.test>\nSubject: RE: [#1] VPN\n\n",
    "差出人: Support <support@example.test>\n送信日時: 2026年3月1日 18:00\n"
    "宛先: Alice <alice@customer.test>\n件名: RE: [#1] VPN\n\n",
    "On Sun, Mar 1, 2026 at 6:00 PM Support <support@example.test> wrote:\n",
    "-----Original Message-----\n",
    "",
)
_LINE = st.one_of(
    st.text(alphabet="ab [］[﹇]>＞　 \t-:", max_size=20),
    st.sampled_from(["[Alice Example] yes", "［Alice］ はい", "﹇alice﹈ ok", "> [Alice] no"]),
    st.builds(
        lambda lead, b, name: f"{lead}{b}{name}] answer",
        st.sampled_from(["", " ", "\u3000", "\t", "> ", "＞ ", " >> "]),
        st.sampled_from(sorted(OPENING_BRACKETS)),
        st.sampled_from(["Alice Example", "Alice", "alice", "Bob"]),
    ),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(_LINE, max_size=6),
    st.sampled_from(_HEADERS),
    st.lists(_LINE, max_size=6),
)
def test_no_comment_is_missed_by_the_check(top: list[str], header: str, below: list[str]) -> None:
    text = "\n".join(top) + "\n\n" + header + "\n".join(below) + "\n"
    found = marked_comments(first_old_mail(text), NAMES)
    if found:
        assert may_hold_marks(text)


def test_html_only_replies_keep_their_comments_through_the_check() -> None:
    """An HTML-only reply's text has the old mail quoted (``> [Alice] …``)."""
    html = (
        "<div>See below.</div><div id='divRplyFwdMsg'><b>From:</b> Support"
        "<br><b>Subject:</b> RE: [#1] VPN</div><div>Which floor?</div>"
        "<div>[Alice Example] the third</div>"
    )
    text = html_to_text(html)
    assert may_hold_marks(text)
    assert not may_hold_marks("Thanks, it works now.\n\n> Which floor?\n> 3rd [#1]\n")
