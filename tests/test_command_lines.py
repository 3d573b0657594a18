"""The commands' lines in a member's new-ticket notice line up: each description starts
at the same column, counted as a terminal or a mail client's fixed-width font shows it
(a full-width character takes two), in ja and en. The /cc line ran two columns over in
Japanese (<アドレス>) and one in English."""

from __future__ import annotations

import re
import unicodedata

import pytest

from gateway.core.i18n import translate
from gateway.pipeline.command_help import SHORT

COLUMN = 24  # where every description begins


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_every_description_starts_at_the_same_column(locale: str) -> None:
    for word, message in SHORT.items():
        line = translate(message, locale)
        found = re.match(r"(.*?\S)( {2,})\S", line)
        assert found is not None, (word, line)
        assert _width(found.group(1) + found.group(2)) == COLUMN, (word, line)
