"""The weekly digest says once where the commands go: its own paragraph leads to the
grammar's lines, which open with that instruction themselves; two sentences in a row
that both said "at the top of your reply" read as a mistake in every client."""

from __future__ import annotations

import pytest

from gateway.notify import views as v
from gateway.notify.render import Renderer
from tests.support.samples import SAMPLES, said

TOP = {"ja": "返信の先頭に", "en": "top of your reply"}
DIGESTS = [s for s in [*SAMPLES, *said()] if isinstance(s, v.WeeklyDigest) and s.commands]


@pytest.mark.parametrize("view", DIGESTS)
@pytest.mark.parametrize("locale", ["ja", "en"])
def test_the_digest_says_once_where_commands_go(view: v.WeeklyDigest, locale: str) -> None:
    parts = Renderer().render(view, locale)
    for part in (parts.text, parts.html):
        assert " ".join(part.split()).count(TOP[locale]) == 1  # a sentence may wrap
