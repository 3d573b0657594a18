"""Threading headers of the mail we send, as a mail client reads them: a mail never
names itself in its own References (a notice rewritten while it gathers is stored on
the ticket before it is rendered again, and the ticket's thread then held it)."""

from __future__ import annotations

from datetime import timedelta

from gateway.core.clock import FakeClock
from gateway.runtime.app import App
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, header_of, outbox

ALICE = "alice@customer.test"


def test_no_mail_names_itself_in_its_references(team: App, clock: FakeClock) -> None:
    out = deliver(team, mail(subject="VPN down", message_id="<r-1@customer.test>"))
    tid = out.ticket_id
    assert tid is not None
    for n in (1, 2, 3):  # the boss's notice is rewritten twice while it gathers
        deliver(
            team,
            mail(
                subject=f"Re: [#{tid}] VPN down",
                body=f"Detail {n}.\n",
                to=reply_address(team, tid, ALICE),
                message_id=f"<a{n}@customer.test>",
            ),
        )
        clock.advance(timedelta(seconds=30))
    rows = outbox(team)
    assert [r.kind for r in rows if r.kind == "ticket_notice"] == ["ticket_notice"]
    for row in rows:
        own = header_of(row, "Message-ID")
        refs = header_of(row, "References").split()
        assert own not in refs, (row.kind, own, refs)
        assert header_of(row, "In-Reply-To") != own


def test_the_status_mail_of_a_merge_threads_under_the_requesters_own_mail(team: App) -> None:
    """A merged ticket's mails move to the ticket it joins; the status mail that tells
    its requester still answers their request, not a member's transcript."""
    first = deliver(team, mail(subject="VPN down", message_id="<r-1@customer.test>"))
    second = deliver(
        team,
        mail(
            subject="VPN still down",
            sender="Bob <bob@customer.test>",
            message_id="<b-1@customer.test>",
        ),
    )
    assert first.ticket_id is not None and second.ticket_id is not None
    ops = "ops@example.test"
    deliver(
        team,
        mail(
            subject=f"Re: [#{second.ticket_id}] VPN",
            body=f"/merge {first.ticket_id}\n",
            sender=ops,
            to=reply_address(team, second.ticket_id, ops),
        ),
    )
    [status] = [r for r in outbox(team, "status_change") if r.recipients == ["bob@customer.test"]]
    [bobs_ack] = [
        r for r in outbox(team, "acknowledgement") if r.recipients == ["bob@customer.test"]
    ]
    assert header_of(status, "In-Reply-To") == "<b-1@customer.test>"
    refs = header_of(status, "References").split()
    assert refs[:2] == ["<b-1@customer.test>", f"<{bobs_ack.message_id}>"]
