"""A display name that holds another mailbox is not shown as a name (found by the
exploratory round over intake): ``From: =?utf-8?B?…?= <attacker@evil.test>``, whose
encoded name reads ``Ops One <ops@example.test>``, made the new-ticket notice say
「依頼者: Ops One <ops@example.test> <attacker@evil.test>」 and the acknowledgement greet
"Ops One <ops@example.test>": a member read a stranger's request as a colleague's.
A name that holds a mailbox (in angle brackets, or an address first) is shown as the
address it came from, as one that is an address as a whole already was; one that only
mentions an address in passing, "Alice (alice@example.test)", is still a name."""

from __future__ import annotations

import base64

import pytest

from gateway.notify.view_parts import Person
from gateway.runtime.app import App
from tests.support.pipeline import deliver, outbox, words_of

NAMES = [
    "Ops One <ops@example.test>",
    "ops@example.test (Ops One)",
    "<ops@example.test>",
    "山田 <yamada@customer.test>",
]


@pytest.mark.parametrize("name", NAMES)
def test_a_name_holding_an_address_shows_the_sender_address(name: str) -> None:
    assert Person("attacker@evil.test", name).display == "attacker@evil.test"


@pytest.mark.parametrize(
    "name", ["Ops One", "山田 太郎", "ACME @ Tokyo", "Taro (sales)", "Alice (alice@example.test)"]
)
def test_a_plain_name_is_shown(name: str) -> None:
    assert Person("taro@customer.test", name).display == name


@pytest.mark.parametrize("name", NAMES[:2])
def test_notice_and_acknowledgement_never_show_the_name_s_address(team: App, name: str) -> None:
    word = base64.b64encode(name.encode()).decode()
    raw = (
        f"From: =?utf-8?B?{word}?= <attacker@evil.test>\nTo: support@example.test\n"
        "Subject: reset\nMessage-ID: <spoof@evil.test>\n"
        "Date: Mon, 02 Mar 2026 09:30:00 +0900\n\nreset the admin password\n"
    ).encode()
    deliver(team, raw)
    sent = [o for o in outbox(team) if o.kind in ("new_ticket", "acknowledgement")]
    assert {o.kind for o in sent} == {"new_ticket", "acknowledgement"}
    for o in sent:
        text = words_of(o)
        assert "ops@example.test" not in text, text
        assert "attacker@evil.test" in text or o.kind == "acknowledgement"


@pytest.mark.parametrize("name", NAMES)
def test_the_ticket_page_shows_the_address_alone(name: str) -> None:
    from gateway.web.pages import environment

    page = environment("en").from_string(
        '{% import "_macros.html.j2" as m %}{{ m.person(name, address) }}'
    )
    assert page.render(name=name, address="attacker@evil.test") == "attacker@evil.test"
    shown = page.render(name="Bob Smith", address="bob@customer.test")
    assert shown == "Bob Smith &lt;bob@customer.test&gt;"
