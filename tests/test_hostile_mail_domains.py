"""Addresses on no mail domain of the internet are never written to.

Anyone can write ``From: x@[10.0.0.5]`` (an address literal), ``root@localhost`` or
``x@intranet`` (a name without a dot) or ``x@10.0.0.5`` (a numeric "domain") on a
request, or name such addresses in its Cc. The request was filed (as it should be)
and *answered*: the acknowledgement, and every answer a member sent afterwards, went
to our relay for those addresses, which then connected to the internal host the
sender chose (``[10.0.0.5]:25``, the cloud's link-local metadata address) or
delivered into a local mailbox of the relay's own machine (``root@localhost``), with
the sender's subject and words in our name. No customer has such an address, and the
web form and ``tickets add-participant`` already refused them as no address; the mail
door now agrees: the ticket is filed, the team told, and nothing is sent there.
"""

from __future__ import annotations

import smtplib
from dataclasses import replace

import pytest

from gateway.config.settings import Member, Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App, build
from tests.support.app import MEMBERS, reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show
from tests.support.smtp import listening, smtp_settings
from tests.test_actions_pipeline import member_mail
from tests.test_hostile_addresses import no_answer_reasons, raw_request

NOWHERE = [
    "mal@[10.0.0.5]",  # an address literal: the relay connects to that host
    "mal@[169.254.169.254]",  # the cloud's metadata address
    "mal@[IPv6:::1]",  # the relay's own loopback
    "root@localhost",  # a mailbox of the relay's own machine
    "mal@intranet",  # a name without a dot: the relay's search domain decides
    "mal@10.0.0.5",  # no top-level domain is all digits
    "mal@127.1",  # nor is this one, which resolvers read as 127.0.0.1
    "mal@relay.localhost",  # RFC 6761: every name under .localhost is the loopback
]
SOMEWHERE = [
    "mal@customer.test",
    "mal@mail.customer.co.jp",
    "mal@xn--r8jz45g.jp",  # 例え.jp
    "mal@10.customer.test",  # digits are fine in a label that is not the last
]


@pytest.mark.parametrize("sender", NOWHERE)
def test_a_request_from_no_mail_domain_is_filed_told_and_not_answered(
    team: App, sender: str
) -> None:
    out = deliver(team, raw_request(f"Mal <{sender}>"))
    assert out.ticket_id is not None
    assert show(team, out.ticket_id)["requester"] == sender.lower()
    assert outbox(team, "acknowledgement") == []
    assert [why["mail"] for why in no_answer_reasons(team, out.ticket_id)] == ["acknowledgement"]
    assert outbox(team, "new_ticket")  # the team hears of it as of any request


@pytest.mark.parametrize("sender", SOMEWHERE)
def test_a_request_from_a_mail_domain_is_answered(team: App, sender: str) -> None:
    deliver(team, raw_request(f"Mal <{sender}>"))
    assert [row.recipients for row in outbox(team, "acknowledgement")] == [[sender]]


def test_a_members_answer_goes_to_no_cc_on_no_mail_domain(team: App) -> None:
    cc = ", ".join(f"<{a}>" for a in NOWHERE) + ", <bob@customer.test>"
    tid = deliver(team, raw_request("Alice <alice@customer.test>", cc=cc)).ticket_id or 0
    sent = len(outbox(team))
    deliver(team, member_mail(team, tid, "ops@example.test", "The printer is fixed.\n"))
    relayed = [r for row in outbox(team)[sent:] if row.kind == "ops_reply" for r in row.recipients]
    assert sorted(relayed) == ["alice@customer.test", "bob@customer.test"]


def test_over_smtp_an_address_literal_gets_no_answer_from_the_running_listener(
    team: App,
) -> None:
    """The same through the real door: the listener stores it, the runner files it."""
    cfg = smtp_settings(team.settings)
    request = raw_request("<mal@[10.0.0.5]>")
    with (
        listening(cfg, team.sessions, team.clock) as srv,
        smtplib.SMTP("127.0.0.1", srv.port, timeout=10) as client,
    ):
        client.sendmail("mal@[10.0.0.5]", ["support@example.test"], request)
    team.runner.process_pending()
    assert show(team, 1)["requester"] == "mal@[10.0.0.5]"
    assert outbox(team, "acknowledgement") == []


def test_a_member_the_operator_put_on_localhost_still_gets_the_teams_mail(
    settings: Settings, clock: FakeClock
) -> None:
    local = Member(email="ops@localhost", name="Ops Local", role="ops", locale="en")
    app = build(replace(settings, members=(*MEMBERS, local)), clock)
    try:
        tid = deliver(app, raw_request("Alice <alice@customer.test>")).ticket_id or 0
        to = reply_address(app, tid, local.email)
        said = mail(
            subject="Re: printer jam", body="/assign ops@localhost\n", sender=local.email, to=to
        )
        deliver(app, said, envelope_to=(to,))
        assert show(app, tid)["assignee"] == local.email  # proven by its reply address
        assert [row.recipients for row in outbox(app, "command_result")] == [[local.email]]
    finally:
        app.close()


@pytest.mark.parametrize("address", NOWHERE)
def test_no_one_on_no_mail_domain_is_made_a_watcher(team: App, address: str) -> None:
    tid = deliver(team, raw_request("Alice <alice@customer.test>")).ticket_id or 0
    deliver(team, member_mail(team, tid, "ops@example.test", f"/cc add {address}\n"))
    assert show(team, tid)["watchers"] == []
    deliver(team, member_mail(team, tid, "ops@example.test", "/cc add bob@customer.test\n"))
    assert show(team, tid)["watchers"] == ["bob@customer.test"]  # the control
