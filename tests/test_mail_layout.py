"""The plain-text part of every mail is laid out as people write mail: paragraphs
apart by one blank line, never two, nothing blank at the top, no spaces at a line's
end but the signature's ``-- `` (RFC 3676 section 4.3).

Jinja's whitespace around conditional paragraphs is easy to get wrong by one line,
and the mistake shows only in some branches (a closed ticket with a cause, a digest
with an empty section); every sample of every kind, including the views that carry
the gateway's own words, is rendered in both languages here.
"""

from __future__ import annotations

import dataclasses

import pytest

from gateway.notify import views as v
from gateway.notify.render import Renderer
from tests.support.samples import SAMPLES, said

_VIEWS = [*SAMPLES, *said()]


@pytest.mark.parametrize("locale", ["ja", "en"])
@pytest.mark.parametrize("view", _VIEWS, ids=lambda s: v.kind_of(s))
def test_paragraphs_are_one_blank_line_apart(view: v.View, locale: str) -> None:
    text = Renderer().render(view, locale).text
    assert text.strip() and not text[0].isspace(), text[:80]
    assert text.endswith("\n") and not text.endswith("\n\n"), text[-80:]
    i = text.find("\n\n\n")
    assert i < 0, f"two blank lines in a row after {text[max(0, i - 120) : i]!r}"
    padded = [line for line in text.split("\n") if line != "-- " and line != line.rstrip()]
    assert not padded, padded


def test_the_samples_hold_no_blank_runs_of_their_own() -> None:
    """What the test above reads is the templates' layout: the people's words in the
    samples hold no two blank lines in a row themselves."""
    words = [getattr(view, f.name) for view in _VIEWS for f in dataclasses.fields(view)]
    texts = [w for w in words if isinstance(w, str) and "\n" in w]
    assert texts  # the members' answers and the requests' excerpts are among them
    assert not [t for t in texts if "\n\n\n" in t]
