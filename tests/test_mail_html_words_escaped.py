"""A catalog string a mail's HTML shows is words, never markup: ``_("<member>")``
reached the HTML part as a ``<member>`` element, which a mail client does not show, so
a manager read "run: ticket-gateway tickets assign 42" and "reply with /assign ," with
the one word that says what to put there gone. Every element in every sample mail's
HTML, in both languages, is an HTML element."""

from __future__ import annotations

import re

import pytest

from gateway.notify.render import Renderer
from tests.support.samples import SAMPLES

# the elements our mail templates write (templates/mail/*.html.j2)
ELEMENTS = frozenset(
    {
        "html", "head", "meta", "title", "body", "style", "div", "p", "br", "ul", "ol",
        "li", "table", "tr", "th", "td", "pre", "code", "b", "i", "em", "strong", "a",
        "span", "hr", "small", "blockquote", "h1", "h2", "h3", "h4", "img", "sup", "sub",
        "col", "colgroup", "tbody", "thead",
    }
)  # fmt: skip
_TAG = re.compile(r"</?([^\s>/!]+)")


@pytest.mark.parametrize("locale", ["en", "ja"])
def test_no_catalog_words_become_an_element_of_the_html(locale: str) -> None:
    renderer = Renderer()
    unknown = {}
    for view in SAMPLES:
        html = renderer.render(view, locale).html
        names = {m.group(1).lower() for m in _TAG.finditer(html)} - ELEMENTS
        if names:
            unknown[type(view).__name__] = sorted(names)
    assert unknown == {}
