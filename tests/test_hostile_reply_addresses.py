"""Reply addresses used by someone they were not issued to, as an attacker would try.

A reply address (``support+<ticket>-<token>@``) is the proof of who writes, so each
test here is a way of holding one that should prove nothing, sent through the inbox
and the runner as a mail would come:

* a token carried over to another ticket's number (the requester's own, or a member's);
* a member's reply address written in the Subject (or the body) of a mail to the
  support address: only the address the mail came to counts;
* the old reply address of someone taken off the ticket (``/cc remove``);
* "Ticket Trick": a requester signs up at some service with their reply address (or
  with their ticket's tag in the name the service puts in its subject), so that the
  service's confirmation mail joins their ticket. Its words go to the team, never back
  to the requester, or anyone could read mail sent to the company's support domain.

Found held by the security review of December 2026; kept as regression tests.
"""

from __future__ import annotations

import pytest

from gateway.runtime.app import App
from store.models import OutboxRow
from tests.support.app import reply_address, reply_token
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, text_of
from tests.test_actions_pipeline import member_mail

OPS = "ops@example.test"
ALICE = "alice@customer.test"
BOB = "bob@customer.test"
SECRET_CODE = "731946"  # what a service's confirmation mail carries


def _bobs_ticket(team: App) -> tuple[int, int]:
    """Alice's ticket and Bob's, both taken by ops (open)."""
    alice = deliver(team, mail(subject="VPN broken", sender=f"Alice <{ALICE}>")).ticket_id or 0
    bob = deliver(team, mail(subject="Printer jam", sender=f"Bob <{BOB}>")).ticket_id or 0
    for tid in (alice, bob):
        deliver(
            team, member_mail(team, tid, OPS, "/assign ops@example.test\n/open\nLooking into it.\n")
        )
        assert (show(team, tid)["state"], show(team, tid)["assignee"]) == ("open", OPS)
    return alice, bob


@pytest.mark.parametrize("holder", [ALICE, OPS])
def test_a_token_moved_to_another_tickets_number_changes_nothing(team: App, holder: str) -> None:
    alice, bob = _bobs_ticket(team)
    moved = f"support+{bob}-{reply_token(team, alice, holder)}@example.test"
    raw = mail(subject=f"Re: [#{bob}] Printer jam", body="/close\n", sender=holder, to=moved)
    before = {tid: show(team, tid) for tid in (alice, bob)}
    deliver(team, raw, envelope_to=(moved,))
    for tid in (alice, bob):
        after = show(team, tid)
        assert (after["state"], after["closed_at"]) == (before[tid]["state"], None)
        assert after["participants"] == before[tid]["participants"]


def test_a_members_reply_address_in_the_subject_or_body_proves_nothing(team: App) -> None:
    alice, _ = _bobs_ticket(team)
    address = reply_address(team, alice, OPS)
    raw = mail(
        subject=f"Re: [#{alice}] VPN broken {address}",
        body=f"/close\n/priority urgent\nsent to {address}\n",
        sender=f"Ops One <{OPS}>",
    )
    deliver(team, raw, envelope_to=("support@example.test",))
    ticket = show(team, alice)
    assert (ticket["state"], ticket["priority"]) == ("open", "normal")


def test_a_cc_taken_off_the_ticket_acts_no_more_by_their_old_reply_address(team: App) -> None:
    alice, _ = _bobs_ticket(team)
    deliver(team, member_mail(team, alice, OPS, "/cc add Carol <carol@customer.test>\n"))
    carols = reply_address(team, alice, "carol@customer.test")
    deliver(team, member_mail(team, alice, OPS, "/cc remove carol@customer.test\n"))
    raw = mail(
        subject=f"Re: [#{alice}] VPN broken",
        body="/close\n/cc add dave@customer.test\nplease close it\n",
        sender="Carol <carol@customer.test>",
        to=carols,
    )
    deliver(team, raw, envelope_to=(carols,))
    ticket = show(team, alice)
    assert ticket["state"] == "open"
    assert "carol@customer.test" not in ticket["participants"]
    assert "dave@customer.test" not in ticket["participants"] + ticket["watchers"]
    sent = len(outbox(team))
    deliver(team, member_mail(team, alice, OPS, "The VPN profile is renewed.\n"))
    assert all("carol@customer.test" not in row.recipients for row in outbox(team)[sent:])


@pytest.mark.parametrize("named_by", ["reply address", "tag in the subject"])
def test_a_services_mail_to_a_requesters_ticket_never_reaches_the_requester(
    team: App, named_by: str
) -> None:
    alice, _ = _bobs_ticket(team)
    address = reply_address(team, alice, ALICE)
    to = address if named_by == "reply address" else "support@example.test"
    raw = mail(
        subject=f"Welcome [#{alice}], confirm your account at Chat Service",
        body=f"Your confirmation code is {SECRET_CODE}.\n",
        sender="Chat Service <no-reply@chat-service.test>",
        to=to,
    )
    sent = len(outbox(team))
    deliver(team, raw, envelope_to=(to,))
    after = outbox(team)[sent:]
    assert all(ALICE not in row.recipients for row in after)
    deliver(team, member_mail(team, alice, OPS, "The VPN profile is renewed.\n"))
    assert not _code_sent_to_alice(outbox(team)[sent:])
    assert show(team, alice)["state"] == "open"
    # the control: the same words from a member do reach her, and are seen so
    deliver(team, member_mail(team, alice, OPS, f"Your code is {SECRET_CODE}.\n"))
    assert _code_sent_to_alice(outbox(team)[sent:])


def _code_sent_to_alice(rows: list[OutboxRow]) -> bool:
    return any(ALICE in r.recipients and SECRET_CODE in text_of(r) for r in rows)
