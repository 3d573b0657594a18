"""Stage "new request": open the ticket, file it, answer, tell the assignee.

A message that threads to no ticket opens one (linked to the ticket its subject
tag named, or to the closed ticket it answered too late). The catalog files
it and reads its parameter sheet (:mod:`gateway.runner.filing`); the brakes of
:mod:`gateway.runner.notices` decide which automatic mails go out.
"""

from __future__ import annotations

from gateway.actions import trigger
from gateway.catalog.model import Catalog
from gateway.catalog.sheet import example_for
from gateway.core.model import ParsedMessage
from gateway.core.text import has_japanese
from gateway.notify import views
from gateway.pipeline import loops, thread
from gateway.runner import filing, notices
from gateway.runner.arrival import Arrival
from gateway.runner.messages import attach
from gateway.runner.verdicts import Done
from gateway.tickets import changes
from store.models import Ticket


def new_request(a: Arrival) -> Arrival | Done:
    """Only for a message that belongs to no ticket yet; the rest goes on."""
    if a.thread.ticket_id is not None:
        return a
    linked = a.thread.linked_ticket_id
    ticket, summary = open_new(a, linked)
    return Done(ticket.id, f"new ticket{f' (linked to #{linked})' if linked else ''}{summary}")


def open_new(a: Arrival, linked: int | None) -> tuple[Ticket, str]:
    """Open, file under the catalog, then queue the mails a new ticket causes."""
    msg = a.msg
    cc, left_out = _capped_cc(a)
    ticket = changes.open_ticket(
        a.session,
        subject=thread.base_subject(msg.subject, a.settings.gateway.tag_prefix) or "(no subject)",
        requester=a.sender,
        requester_name=msg.from_.name if msg.from_ else "",
        locale=guess_locale(msg, a.settings.gateway.locale),
        participants=[
            (email, role)
            for email, role in [(a.sender, "requester"), *cc]
            if not loops.is_own_address(email, a.settings.own_addresses)
        ],
        now=a.now,
        actor=a.sender,
        channel=a.channel,
        linked_ticket_id=linked,
        detail={"message_id": msg.message_id, "source": a.row.source, **_door(a)},
    )
    attach(a, ticket, kind="request", touch=True)
    if left_out:  # on the message's Cc (it is stored whole), but never mailed
        changes.record(
            a.session,
            ticket,
            "participants-limited",
            a.now,
            actor="gateway",
            channel="system",
            detail={
                "limit": a.settings.limits.max_participants,
                "not_added": len(left_out),
                "first_not_added": left_out[:20],
            },
        )
    filed = filing.categorize_new_ticket(
        a.session, ticket, msg, a.catalog, a.settings, a.now, chosen=a.submission
    )
    trigger.sheet_changed(
        a.session,
        ticket,
        a.catalog,
        a.now,
        actor=a.sender,
        channel=a.channel,
        hold=notices.action_hold(a),
    )
    acked = notices.acknowledge_new_ticket(a, ticket)
    missing = field_requests(a.catalog, filed.entry_id, filed.missing)
    asked = notices.ask_for_missing_fields(a, ticket, missing)
    notices.notify_assignee(a, ticket)
    return ticket, (
        f", filed under {filed.entry_id}"
        + ("" if acked else ", not acknowledged")
        + (f", asked for {len(missing)} field(s)" if asked else "")
    )


def _door(a: Arrival) -> dict[str, object]:
    """A chat submission's place (channel, thread, permalink): kept on the created event,
    and the tickets service opens the ticket's chat thread there."""
    if a.submission is None or a.submission.source != "slack" or not a.submission.extra:
        return {}
    return {"chat": {"provider": "slack", **a.submission.extra}}


def _capped_cc(a: Arrival) -> tuple[list[tuple[str, str]], list[str]]:
    """The Cc addresses that join the ticket (``[limits] max_participants``), and the
    rest: a request copied to 20 000 people must not make every answer go to them."""
    own = a.settings.own_addresses
    wanted = [
        c.email
        for c in dict.fromkeys(a.msg.cc)
        if c.email != a.sender and not loops.is_own_address(c.email, own)
    ]
    unique = list(dict.fromkeys(wanted))
    limit = a.settings.limits.max_participants
    return [(e, "cc") for e in unique[:limit]], unique[limit:]


def field_requests(
    catalog: Catalog, entry_id: str, missing: list[tuple[str, str]]
) -> list[views.FieldRequest]:
    entry = catalog.entry(entry_id)
    requests = []
    for name, label in missing:
        field = entry.field(name) if entry else None
        requests.append(views.FieldRequest(name, label, example_for(field) if field else ""))
    return requests


def guess_locale(msg: ParsedMessage, default: str) -> str:
    """Answer in the language the requester wrote in; the team default otherwise."""
    if has_japanese(msg.subject) or has_japanese(msg.text[:2000]):
        return "ja"
    if msg.subject or msg.text.strip():
        return "en"
    return default
