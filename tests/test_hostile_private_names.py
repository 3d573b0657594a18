"""Names of a private network are no mail domain of the internet either.

``on_mail_domain`` refused address literals, dotless names, ``.localhost`` and a numeric
last label, but took any other dotted name: ``x@metadata.google.internal`` (the cloud's
metadata server, whose address the module names as what it keeps our relay from),
``root@localhost.localdomain`` (the relay's own machine, from ``/etc/hosts``),
``x@printer.local`` (multicast DNS), ``x@nas.home.arpa`` (RFC 8375), and the names
ICANN will never delegate (``.corp``, ``.home``, ``.mail``) were answered: our relay
looked them up with its own resolver, inside the team's network."""

from __future__ import annotations

from dataclasses import replace

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App, build
from tests.support.app import MEMBERS
from tests.support.pipeline import deliver, outbox, show
from tests.test_actions_pipeline import member_mail
from tests.test_hostile_addresses import no_answer_reasons, raw_request

PRIVATE = [
    "mal@metadata.google.internal",  # ICANN 2024: .internal is for private use
    "root@localhost.localdomain",  # /etc/hosts: the machine itself
    "mal@printer.local",  # RFC 6762: multicast DNS on the local link
    "mal@nas.home.arpa",  # RFC 8375: a home network
    "mal@dc1.corp",  # never to be delegated (ICANN, 2018), with .home and .mail
    "mal@router.home",
    "mal@MAIL.Example.MAIL.",  # any case, a root dot
]
PUBLIC = [
    "mal@customer.local.test",  # "local" not last: a name of the internet's
    "mal@internal.customer.co.jp",
    "mal@home.arpa.customer.test",
    "mal@localdomain.customer.test",
]


@pytest.mark.parametrize("sender", PRIVATE)
def test_a_request_from_a_private_name_is_filed_told_and_not_answered(
    team: App, sender: str
) -> None:
    out = deliver(team, raw_request(f"Mal <{sender}>"))
    assert out.ticket_id is not None
    assert outbox(team, "acknowledgement") == []
    assert [why["mail"] for why in no_answer_reasons(team, out.ticket_id)] == ["acknowledgement"]
    assert outbox(team, "new_ticket")


@pytest.mark.parametrize("sender", PUBLIC)
def test_a_request_from_a_public_name_is_answered(team: App, sender: str) -> None:
    deliver(team, raw_request(f"Mal <{sender}>"))
    assert [row.recipients for row in outbox(team, "acknowledgement")] == [[sender]]


def test_a_members_answer_goes_to_no_cc_on_a_private_name(team: App) -> None:
    cc = ", ".join(f"<{a}>" for a in PRIVATE) + ", <bob@customer.test>"
    tid = deliver(team, raw_request("Alice <alice@customer.test>", cc=cc)).ticket_id or 0
    sent = len(outbox(team))
    deliver(team, member_mail(team, tid, "ops@example.test", "The printer is fixed.\n"))
    relayed = [r for row in outbox(team)[sent:] if row.kind == "ops_reply" for r in row.recipients]
    assert sorted(relayed) == ["alice@customer.test", "bob@customer.test"]
    assert show(team, tid)["watchers"] == []


@pytest.mark.parametrize(
    ("own", "sender", "answered"),
    [
        ("support@corp.local", "taro@corp.local", True),  # an intranet's help desk
        ("support@corp.local", "hanako@tokyo.corp.local", True),  # a site of the same
        ("support@it.corp.local", "jiro@corp.local", True),  # the desk on a sub-domain
        ("support@corp.local", "mal@other.local", False),  # another organisation's name
        ("support@corp.internal", "mal@metadata.google.internal", False),
        ("support@corp.local", "mal@corp.internal", False),  # same label, other private name
        ("support@example.test", "taro@corp.local", False),  # a desk of the internet
    ],
)
def test_an_intranet_desk_answers_its_own_organisations_private_names(
    settings: Settings, clock: FakeClock, own: str, sender: str, answered: bool
) -> None:
    """A help desk whose own address is on a private name serves people whose mail the
    same relay carries: one organisation (the private name and the label before it) is
    answered, any other private name still not."""
    gateway = replace(settings.gateway, address=own)
    app = build(replace(settings, gateway=gateway, members=MEMBERS), clock)
    try:
        raw = raw_request(f"Someone <{sender}>").replace(b"support@example.test", own.encode())
        deliver(app, raw)
        sent = [row.recipients for row in outbox(app, "acknowledgement")]
        assert sent == ([[sender]] if answered else []), sent
    finally:
        app.close()
