"""A ticket number no ticket can have, written by a sender (a subject tag
``[#99999999999]``, a reply address ``support+99999999999-…@``, ``/merge 99999999999``),
is treated like a number of no ticket: the mail opens (or joins) a ticket as usual. On
PostgreSQL (int4 ids) every such mail was shunted with "integer out of range", so anyone
could keep a request from becoming a ticket, and fill the shunt queue, by writing a long
number in a subject."""

from __future__ import annotations

from gateway.core.model import InboxState
from gateway.core.tokens import parse_reply_address
from gateway.pipeline.merging import parse_ticket_ref
from gateway.pipeline.thread import subject_tag
from gateway.runtime.app import App
from tests.support.mails import mail
from tests.support.pipeline import deliver, show

BIG = "99999999999"


def test_a_tag_or_reply_address_past_every_id_opens_a_ticket(app: App) -> None:
    tagged = deliver(app, mail(subject=f"Re: [#{BIG}] printer", in_reply_to="<x@y.test>"))
    assert (tagged.state, tagged.reason.startswith("new ticket")) == (InboxState.DONE, True)
    addressed = deliver(
        app, mail(subject="printer", to=f"support+{BIG}-0123456789abcdef@example.test")
    )
    assert addressed.state == InboxState.DONE and addressed.ticket_id is not None
    assert addressed.ticket_id != tagged.ticket_id


def test_a_merge_into_a_number_past_every_id_is_refused_not_shunted(app: App) -> None:
    first = deliver(app, mail(subject="printer jam"))
    assert first.ticket_id is not None
    # the requester's reply: its /merge is refused or ignored with a reason, never a shunt
    reply = deliver(
        app,
        mail(subject=f"Re: [#{first.ticket_id}] printer jam", body=f"/merge {BIG}\n"),
    )
    assert reply.state in (InboxState.DONE, InboxState.REJECTED), reply
    assert show(app, first.ticket_id)["merged_into"] is None


def test_the_parsers_give_no_number_past_every_id() -> None:
    assert subject_tag(f"[#{BIG}] x") is None and subject_tag("[#2147483647] x") == 2147483647
    assert parse_ticket_ref(BIG) is None and parse_ticket_ref("#12") == 12
    token = "0123456789abcdef"
    assert parse_reply_address(f"s+{BIG}-{token}@example.test", "s@example.test") is None
    found = parse_reply_address(f"s+12-{token}@example.test", "s@example.test")
    assert found is not None and found.ticket_id == 12
