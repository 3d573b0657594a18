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

from gateway.core.i18n import gettext_for
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


@pytest.mark.parametrize("locale", ["ja", "en"])
@pytest.mark.parametrize("view", SAMPLES, ids=lambda s: v.kind_of(s))
def test_a_team_without_a_name_signs_with_its_address_once(view: v.View, locale: str) -> None:
    """Without ``[outbound] from_name`` the team's name is its address: every mail was
    signed 'support@example.test <support@example.test>' (the HTML part: the address
    twice, one line under the other)."""
    if not any(f.name == "team" for f in dataclasses.fields(view)):
        pytest.skip("this kind has no team signature")
    address = "support@example.test"
    mail = Renderer().render(dataclasses.replace(view, team=v.Team(address, address)), locale)  # type: ignore[type-var]
    assert f"{address} <{address}>" not in mail.text
    assert "\n-- \n" + address + "\n" in mail.text
    assert mail.html is None or f"{address}<br>{address}" not in mail.html


def test_a_field_without_an_example_leaves_no_space_at_the_line_end() -> None:
    """The line to fill in for a text field without an example ended in ': '."""
    view = next(s for s in SAMPLES if isinstance(s, v.Acknowledgement))
    bare = dataclasses.replace(view, missing=(v.FieldRequest("品名", "品名"),))
    text = Renderer().render(bare, "ja").text
    assert "\n  品名:\n" in text


def _nameless(value: object, email: str) -> object:
    """``value`` with every Person of ``email`` stripped of their name, however deep."""
    if isinstance(value, v.Person) and value.email == email:
        return v.Person(email, "")
    if isinstance(value, tuple):
        return tuple(_nameless(x, email) for x in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: _nameless(getattr(value, f.name), email) for f in dataclasses.fields(value)
        }
        return dataclasses.replace(value, **changes)  # type: ignore[type-var]
    return value


@pytest.mark.parametrize("locale", ["ja", "en"])
@pytest.mark.parametrize("view", SAMPLES, ids=lambda s: v.kind_of(s))
def test_a_requester_without_a_name_is_their_address_once(view: v.View, locale: str) -> None:
    """A mail (or a web form) without a display name: the assignee's notice read
    '依頼者: ito@customer.test <ito@customer.test>'."""
    email = "alice@customer.test"
    mail = Renderer().render(_nameless(view, email), locale)  # type: ignore[arg-type]
    assert f"{email} <{email}>" not in mail.text
    assert mail.html is None or f"{email} &lt;{email}&gt;" not in mail.html


_BRIEF_LABELS = ("Ticket:", "Requester:", "Category:", "Priority:", "Received:")


@pytest.mark.parametrize("locale", ["ja", "en"])
@pytest.mark.parametrize("view", _VIEWS, ids=lambda s: v.kind_of(s))
def test_each_line_of_a_ticket_s_brief_is_a_line(view: v.View, locale: str) -> None:
    """The brief of a ticket (the new-ticket mail, a ticket given to a member, an
    outsider's mail) read '依頼者: 伊藤 花子 <ito@customer.test>  分類: VPN' on one line:
    the ``{% endif %}`` closing the requester's address took the line's end with it
    (``trim_blocks``), so the entry never stood on a line of its own."""
    labels = [gettext_for(locale, label) for label in _BRIEF_LABELS]
    text = Renderer().render(view, locale).text
    crowded = [line for line in text.split("\n") if sum(label in line for label in labels) > 1]
    assert not crowded, crowded
