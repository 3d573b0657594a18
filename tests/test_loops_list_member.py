"""A mailing list that has the support address as a member, through the real SMTP
listener (aiosmtpd) and smtplib: its post comes with the list's envelope, List-Id, and
(Mailman's DMARC mitigation) its From rewritten to "<name> via <list>" over the list's
address, the writer's address in Reply-To. Mailman 2.1 writes the address for a writer
whose From had no name, "@" spelled " at " ("taro at customer.test via it-users"); read
as no name the list knew, the list was the requester."""

from __future__ import annotations

import smtplib

import pytest

from gateway.runtime.app import App
from tests.support.mails import mail
from tests.support.pipeline import all_tickets, outbox, show
from tests.support.smtp import listening, smtp_settings

LIST = "it-users@lists.customer.test"


@pytest.mark.parametrize(
    "named",
    [
        "taro at customer.test",  # Mailman 2.1: the address, "@" as " at "
        "taro@customer.test",  # the address as it was
    ],
)
def test_a_post_via_the_list_is_the_writers_and_never_answered(team: App, named: str) -> None:
    post = mail(
        "[it-users] プリンタが動かない",
        body="3階のプリンタが動きません。\n",
        sender=f'"{named} via it-users" <{LIST}>',
        to=LIST,
        headers={
            "Reply-To": "taro@customer.test",
            "List-Id": "IT users <it-users.lists.customer.test>",
            "List-Post": f"<mailto:{LIST}>",
            "Sender": "it-users-bounces@lists.customer.test",
        },
    )
    with (
        listening(smtp_settings(team.settings), team.sessions, team.clock) as srv,
        smtplib.SMTP("127.0.0.1", srv.port) as client,
    ):
        client.sendmail("it-users-bounces@lists.customer.test", ["support@example.test"], post)
    team.runner.process_pending()
    [ticket] = all_tickets(team)
    assert show(team, ticket["id"])["requester"] == "taro@customer.test"
    assert [r for r in outbox(team) if LIST in r.recipients or "taro" in str(r.recipients)] == []
