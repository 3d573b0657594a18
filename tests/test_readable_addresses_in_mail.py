"""An address with an internationalised domain is kept as its A-label (``xn--…``);
where a person reads it in a mail, it is shown in its Unicode form. Headers keep
the ASCII form."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from types import SimpleNamespace

import pytest

from gateway.config.settings import Member, Settings
from gateway.notify import compose
from gateway.notify import views as v
from gateway.notify.render import Renderer
from gateway.tickets import to_members
from tests.support.samples import BRIEF, MINE, OPS, T42, TEAM
from tests.test_templates import _envelope

ASCII = "tanaka@xn--r8jz45g.jp"
READABLE = "tanaka@例え.jp"
NAMELESS = v.Person(ASCII)


def _views() -> list[v.View]:
    t42 = replace(T42, requester=NAMELESS)
    return [
        v.TicketNotice(
            TEAM,
            OPS,
            replace(MINE, requester=NAMELESS),
            (v.NoticeItem("assigned", "2026-03-02 10:10 JST", "Boss"),),
            replace(BRIEF, requester=v.Person(ASCII, "田中")),
        ),
        v.StaleReminder(TEAM, OPS, (t42,), timedelta(days=7)),  # a ticket's line: "from …"
        v.OutsiderReply(TEAM, OPS, t42, NAMELESS, "hello", "add-participant 42 x"),
        v.OutsiderReply(TEAM, OPS, t42, v.Person(ASCII, "Tanaka"), "hello", "x"),
    ]


@pytest.mark.parametrize("locale", ["ja", "en"])
@pytest.mark.parametrize("index", range(4))
def test_a_person_reads_the_unicode_form(index: int, locale: str) -> None:
    view = _views()[index]
    parts = Renderer().render(view, locale)
    for part in (parts.subject, parts.text, parts.html):
        assert "xn--" not in part, part
    assert READABLE in parts.text  # (not every HTML part names the requester)


def test_headers_keep_the_ascii_form() -> None:
    view = replace(_views()[2], recipient=NAMELESS)
    raw = compose.compose(_envelope(view), Renderer().render(view, "en"))
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert b"To: tanaka@xn--r8jz45g.jp" in head


def test_person_display_and_readable() -> None:
    assert NAMELESS.display == READABLE
    assert NAMELESS.readable == READABLE
    assert v.Person("bad@xn--zz").readable == "bad@xn--zz"  # no IDNA form: as it is


def test_a_member_notice_names_people_and_a_refused_address_in_unicode(
    settings: Settings,
) -> None:
    """Who did it (a requester or member without a name) and the address a relay
    refused, in a member's notice of their ticket."""
    ctx = SimpleNamespace(settings=replace(settings, members=(Member(email=ASCII),)))
    ticket = SimpleNamespace(requester="sato@xn--r8jz45g.jp", requester_name="")
    at = "2026-03-02T01:00:00+00:00"
    said = to_members._item(
        {"kind": "reply", "at": at, "actor": "sato@xn--r8jz45g.jp", "text": "hi"},
        ctx,  # type: ignore[arg-type]
        ticket,  # type: ignore[arg-type]
        None,
        "en",
    )
    assert said.who == "sato@例え.jp"
    refused = to_members._item(
        {"kind": "undelivered", "at": at, "actor": "", "new": "sato@xn--r8jz45g.jp"},
        ctx,  # type: ignore[arg-type]
        ticket,  # type: ignore[arg-type]
        None,
        "en",
    )
    assert refused.new == "sato@例え.jp"
    by_member = to_members._item(
        {"kind": "note", "at": at, "actor": ASCII, "text": "x"},
        ctx,  # type: ignore[arg-type]
        ticket,  # type: ignore[arg-type]
        None,
        "en",
    )
    assert by_member.who == READABLE
