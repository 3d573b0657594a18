"""The Japanese command help fits the lines a mail client shows whole.

The grammar a member's transcript and digest show (and the short list of a new-ticket
notice) is laid out in two columns, the description's lines hanging under each other.
Its Japanese lines ran to 93 columns (a full-width character is two): Outlook, Becky!
and Thunderbird break such a line at the window's edge, and the rest of it starts at
the left margin, under the commands, where the layout is lost. Each line now keeps to
the 76 columns our wrapped paragraphs keep to (RFC 5322's 78, with room for a "> ").
The English ran to 82 (its first line, and the short /close line of a new-ticket
notice at 82): it keeps to the same 76.
"""

from __future__ import annotations

import pytest

from gateway.core.i18n import Msg, translate
from gateway.core.wrap import WIDTH, width_of
from gateway.pipeline.command_help import HELP, REQUESTER_HELP, SHORT


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (f"{locale} {name}", text)
        for locale in ("ja", "en")
        for name, text in [
            ("grammar", translate(HELP, locale)),
            ("requester", translate(REQUESTER_HELP, locale)),
            *(
                (f"short {word}", "  " + translate(said, locale))  # as the notice indents it
                for word, said in SHORT.items()
                if isinstance(said, Msg)
            ),
        ]
    ],
)
def test_every_line_fits_76_columns(name: str, text: str) -> None:
    wide = [line for line in text.split("\n") if width_of(line, ambiguous=2) > WIDTH]
    assert wide == [], name


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_the_descriptions_hang_under_each_other(locale: str) -> None:
    """A description's next line starts where its first did (column 26)."""
    for line in translate(HELP, locale).split("\n"):
        if line.startswith("   "):
            assert line.startswith(" " * 26) and line[26] != " ", line
