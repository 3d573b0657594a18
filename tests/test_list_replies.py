"""A customer's reply that reached us through a mailing list (their team's list has the
support address on it, or it rewrote their From for DMARC: "Alice via it-users") is a
person's words on the ticket, never answered.

It was taken for list mail and kept on the ticket in silence: the ticket stayed
pending, waiting on an answer it had, nobody who has it heard of it, and the stale
reminder and the no-response close went on over it. Now it is filed as a reply that
proves nothing about its sender (a list breaks or replaces the sender's signature):
kept unverified under the requester's own From (a From the list rewrote, "Alice via
it-users" with her address in Reply-To, is hers: tests/test_list_munged_from.py), and
the member who has the ticket is told. What a list sends never gets
an automatic answer, and list mail a machine wrote (Auto-Submitted, Precedence: bulk,
as Unix vacation writes it) stays as quiet as before.
"""

from __future__ import annotations

import pytest

from gateway.core.model import TicketState
from gateway.runtime.app import App
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, words_of
from tests.support.scheduling import set_state

ALICE = "Alice Example <alice@customer.test>"
LIST = "<it-users.lists.customer.test>"
MUNGED = '"Alice Example via it-users" <it-users@lists.customer.test>'


def _pending_ticket(app: App) -> tuple[int, str]:
    """Alice's ticket, held by the manager (the fallback), waiting on her; the
    Message-ID of our acknowledgement, which her reply names."""
    first = deliver(app, mail(subject="VPN", message_id="<req-1@customer.test>"))
    ticket = first.ticket_id or 0
    [ack] = [row for row in outbox(app) if row.kind == "acknowledgement"]
    set_state(app, ticket, TicketState.PENDING)
    return ticket, f"<{ack.message_id}>"


def _sent_since(app: App, before: int) -> list[tuple[str, list[str]]]:
    return [(row.kind, list(row.recipients)) for row in outbox(app)[before:]]


def _heard_by_the_assignee(app: App, words: str) -> bool:
    """The member who has the ticket (the manager) has a mail with ``words`` in it: the
    ticket's update notice, or the note that someone not on the ticket wrote."""
    mails = [*outbox(app, "ticket_notice"), *outbox(app, "outsider_reply")]
    return any(
        list(row.recipients) == ["boss@example.test"] and words in words_of(row) for row in mails
    )


@pytest.mark.parametrize(
    ("sender", "headers", "kind"),
    [
        (ALICE, {"List-Id": LIST}, "unverified"),  # the list kept her From
        (MUNGED, {"List-Id": LIST, "Reply-To": ALICE}, "unverified"),  # DMARC: rewritten
        (ALICE, {"List-Unsubscribe": "<mailto:leave@lists.customer.test>"}, "unverified"),
        (ALICE, {"List-Id": LIST, "Precedence": "list"}, "unverified"),  # Mailman 2's
    ],
    ids=["list-id", "dmarc-munged", "list-unsubscribe", "precedence-list"],
)
def test_a_reply_through_a_list_reaches_the_member_and_is_not_answered(
    team: App, sender: str, headers: dict[str, str], kind: str
) -> None:
    ticket, ack = _pending_ticket(team)
    before = len(outbox(team))
    reply = mail(
        subject="Re: [#1] VPN",
        sender=sender,
        in_reply_to=ack,
        headers=headers,
        body="We use version 5.2 of the client.\n",
    )
    out = deliver(team, reply)
    assert out.ticket_id == ticket
    shown = show(team, ticket)
    assert [m for m in shown["messages"] if m["direction"] == "in"][-1]["kind"] == kind
    assert _heard_by_the_assignee(team, "version 5.2" if kind == "unverified" else "it-users@")
    sent = _sent_since(team, before)  # never the list, nor Alice: only the member hears
    assert all(to == ["boss@example.test"] for _, to in sent), sent
    if kind == "unverified":  # her words: no longer waiting on her
        assert shown["state"] == "open"


@pytest.mark.parametrize(
    "headers",
    [
        {"List-Id": LIST, "Precedence": "bulk"},  # Unix vacation(1) through a list
        {"List-Id": LIST, "Auto-Submitted": "auto-generated"},  # the list's own notice
    ],
    ids=["precedence-bulk", "auto-submitted"],
)
def test_list_mail_a_machine_wrote_stays_quiet_on_the_ticket(
    team: App, headers: dict[str, str]
) -> None:
    ticket, ack = _pending_ticket(team)
    before = len(outbox(team))
    note = mail(
        subject="Re: [#1] VPN", sender=ALICE, in_reply_to=ack, headers=headers, body="Away.\n"
    )
    deliver(team, note)
    shown = show(team, ticket)
    last = [m for m in shown["messages"] if m["direction"] == "in"][-1]
    assert shown["state"] == "pending" and last["kind"] == "list"
    assert _sent_since(team, before) == []
    assert not _heard_by_the_assignee(team, "Away.")
