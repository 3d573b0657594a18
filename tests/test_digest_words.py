"""The weekly digest says once where the commands go: its own paragraph leads to the
grammar's lines, which open with that instruction themselves; two sentences in a row
that both said "at the top of your reply" read as a mistake in every client."""

from __future__ import annotations

from dataclasses import replace

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


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_an_unassigned_ticket_shows_the_address_to_take_it_by(locale: str) -> None:
    """The digest says "write to the address shown under it"; a member who would take an
    unassigned ticket (``/assign``) needs its reply address as much as for their own."""
    digest = next(s for s in SAMPLES if isinstance(s, v.WeeklyDigest) and s.unassigned)
    nobodys = tuple(
        replace(t, id=i, tag=f"[#{i}]", reply_to=f"support+{i}-0123456789abcdef@example.test")
        for i, t in ((50, digest.unassigned[0]), (51, digest.unassigned[0]))
    )
    parts = Renderer().render(replace(digest, unassigned=nobodys), locale)
    section = parts.text.split("[#50]", 1)[1]
    for t in nobodys:
        assert t.reply_to in section
        assert t.reply_to in parts.html
