"""A ticket's subject or a person's name may carry Unicode's bidirectional overrides
(U+202E RIGHT-TO-LEFT OVERRIDE, the isolates U+2066–U+2069): in a plain-text client an
unclosed one reverses the rest of the line — our own words after it, the ticket's age,
the reply address — and lets "Pay invoice\u202etxt.exe" pass for "…exe.txt". No mail
carries them; right-to-left text itself (Hebrew, Arabic) is shown as it is."""

from __future__ import annotations

import re
from dataclasses import fields, replace
from typing import Any

import pytest

from gateway.notify import views as v
from gateway.notify.render import Renderer
from tests.support.samples import SAMPLES, said
from tests.support.unwrap import unwrapped

RENDERER = Renderer()
OVERRIDES = re.compile("[\u202a-\u202e\u2066-\u2069]")
SUBJECT = "Pay invoice \u202etxt.exe\u2067 שלום"
NAME = "\u202eeciLA"


def _hostile(value: Any) -> Any:
    """The value with every ticket's subject and every person's name made hostile."""
    if isinstance(value, v.TicketRef):
        return replace(value, subject=SUBJECT, requester=_hostile(value.requester))
    if isinstance(value, v.Person):
        return replace(value, name=NAME)
    if isinstance(value, tuple):
        return tuple(_hostile(x) for x in value)
    if hasattr(value, "__dataclass_fields__") and not isinstance(value, v.Team):
        return replace(value, **{f.name: _hostile(getattr(value, f.name)) for f in fields(value)})
    return value


@pytest.mark.parametrize("view", [*SAMPLES, *said()], ids=lambda s: v.kind_of(s))
@pytest.mark.parametrize("locale", ["ja", "en"])
def test_no_mail_carries_a_bidi_override(view: v.View, locale: str) -> None:
    hostile = _hostile(view)
    parts = RENDERER.render(hostile, locale)
    for part in (parts.subject, parts.text, parts.html):
        assert not OVERRIDES.search(part)
    if "Pay invoice" in parts.text:  # the words are all there, right-to-left ones too
        assert "Pay invoice txt.exe שלום" in unwrapped(parts.text)


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_a_name_is_one_line_in_every_list(locale: str) -> None:
    """A requester's name that arrives with a line break (a chat profile, an import) would
    start a line of its own in the digest: one that reads as a ticket nobody has."""
    digest = next(s for s in SAMPLES if isinstance(s, v.WeeklyDigest) and s.unassigned)
    forged = "Mallory\r\n  [#99] Forged ticket\n"
    ticket = replace(digest.unassigned[0], requester=v.Person("m@example.test", forged))
    text = RENDERER.render(replace(digest, unassigned=(ticket,)), locale).text
    assert "[#99]" in text
    assert not any(line.lstrip().startswith("[#99]") for line in text.splitlines())
