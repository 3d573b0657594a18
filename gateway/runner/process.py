"""The stages for one accepted message, inside the runner's transaction.

Pure decisions (parse, loops, thread, transitions) are called here with the
facts the store has; this module turns their answers into rows. It raises
:class:`Ignored` or :class:`Rejected` for those outcomes and returns a
:class:`Handled` otherwise; the runner maps all of them to dispositions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from gateway.catalog.model import Catalog
from gateway.catalog.sheet import example_for
from gateway.config.settings import Settings
from gateway.core import tokens
from gateway.core.errors import Ignored
from gateway.core.model import InboxState, ParsedMessage, TicketState
from gateway.notify import views
from gateway.pipeline import loops, thread
from gateway.pipeline.loops import LoopVerdict
from gateway.pipeline.parse.message import parse_message
from gateway.runner import filing, notices, ops
from gateway.runner.arrival import Arrival
from gateway.tickets import changes, states
from store import tickets
from store.inbox import PendingRow
from store.models import Ticket

_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uff66-\uff9f]")


@dataclass(frozen=True, slots=True)
class Handled:
    ticket_id: int
    summary: str  # "new ticket", "appended (via headers)", "reopened", …
    state: InboxState = InboxState.DONE  # REJECTED: a refusal whose trace must commit


def handle_row(
    session: Session,
    row: PendingRow,
    settings: Settings,
    now: datetime,
    parsed: ParsedMessage | None = None,
    *,
    catalog: Catalog,
) -> Handled:
    msg = parsed if parsed is not None else parse_message(row.raw)
    if not msg.is_mail:
        raise Ignored("not an e-mail message")
    verdict = loops.verdict(msg, settings.gateway.address)
    if verdict == LoopVerdict.OWN:
        raise Ignored("our own mail came back")
    duplicate_on = tickets.ticket_of_message(session, msg.message_id)
    if duplicate_on is not None:
        raise Ignored(f"duplicate of message {msg.message_id} on ticket #{duplicate_on}")
    a = Arrival(session, row, msg, settings, now, verdict, catalog)
    decision = thread.resolve_thread(_evidence(a))
    if decision.ticket_id is None and verdict in (LoopVerdict.BOUNCE, LoopVerdict.AUTO_REPLY):
        raise Ignored(f"{verdict.value} that belongs to no ticket")
    if decision.ticket_id is None:
        linked = decision.linked_ticket_id
        ticket, summary = _new_ticket(a, linked)
        return Handled(ticket.id, f"new ticket{f' (linked to #{linked})' if linked else ''}"
                                  f"{summary}")
    return _reply(a, _load(session, decision.ticket_id), decision.via)


def _new_ticket(a: Arrival, linked: int | None) -> tuple[Ticket, str]:
    """Open, file under the catalog, then queue the mails a new ticket causes."""
    ticket = _open_ticket(a, linked)
    _attach(a, ticket, kind="request", touch=True)
    filed = filing.categorize_new_ticket(a.session, ticket, a.msg, a.catalog, a.settings,
                                             a.now)
    acked = notices.acknowledge_new_ticket(a, ticket)
    missing = _field_requests(a.catalog, filed.entry_id, filed.missing)
    asked = notices.ask_for_missing_fields(a, ticket, missing)
    notices.notify_assignee(a, ticket)
    return ticket, (f", filed under {filed.entry_id}" + ("" if acked else ", not acknowledged")
                    + (f", asked for {len(missing)} field(s)" if asked else ""))


def _field_requests(
    catalog: Catalog, entry_id: str, missing: list[tuple[str, str]]
) -> list[views.FieldRequest]:
    entry = catalog.entry(entry_id)
    requests = []
    for name, label in missing:
        field = entry.field(name) if entry else None
        requests.append(views.FieldRequest(name, label, example_for(field) if field else ""))
    return requests


def _reply(a: Arrival, ticket: Ticket, via: thread.ThreadVia) -> Handled:
    member = a.settings.member(a.sender)
    if member is not None and a.automated:  # a member's out-of-office changes nothing
        _attach(a, ticket, kind="reply", touch=False)
        return Handled(ticket.id, f"appended (via {via.value}, {a.verdict.value}, from ops)")
    if member is not None:
        proof = ops.verify(a, member.email, ticket.id)
        if not proof.ok:  # nothing attached, changed or relayed; the attempt is an event
            why = ops.refuse_unverified(a, ticket, member, proof)
            return Handled(ticket.id, why, InboxState.REJECTED)
        _attach(a, ticket, kind="reply", touch=True)
        done = ops.member_reply(a, ticket, member)
        return Handled(ticket.id,
                       f"appended (via {via.value}, from ops verified by {proof.via}{done})")
    effect = states.on_requester_reply(
        TicketState(ticket.state), ticket.closed_at, a.now,
        a.settings.gateway.reopen_window, automated=a.automated,
    )
    if effect.effect == states.ReplyEffect.NEW_LINKED:
        new, summary = _new_ticket(a, ticket.id)
        return Handled(new.id, f"new ticket (linked to closed #{ticket.id}){summary}")
    if effect.target is not None:
        changes.change_state(a.session, ticket, effect.target, a.now, actor=a.sender,
                             channel="email")
    _attach(a, ticket, kind="reply", touch=not a.automated)
    ran = ""
    if not a.automated:  # a bounce's MAILER-DAEMON must never become someone we trust or mail
        tickets.add_participant(a.session, ticket.id, a.sender, "cc")
        filing.fill_fields_from_reply(a.session, ticket, a.msg, a.catalog, a.now)
        ran = ops.requester_reply(a, ticket)
    done = "reopened" if effect.effect == states.ReplyEffect.REOPEN else "appended"
    kind = f", {a.verdict.value}" if a.automated else ""
    return Handled(ticket.id, f"{done} (via {via.value}{kind}{ran})")


def _evidence(a: Arrival) -> thread.ThreadEvidence:
    ids = thread.referenced_ids(a.msg.in_reply_to, a.msg.references)
    if a.verdict in (LoopVerdict.BOUNCE, LoopVerdict.AUTO_REPLY):
        ids += [i for i in loops.returned_message_ids(a.row.raw) if i not in ids]
    tag = thread.subject_tag(a.msg.subject, a.settings.gateway.tag_prefix)
    tag_ticket = tickets.get(a.session, tag) if tag is not None else None
    participant = bool(tag_ticket) and a.sender in tickets.participant_emails(a.session,
                                                                               tag or 0)
    return thread.ThreadEvidence(
        token_ticket=_token_ticket(a),
        header_ticket=tickets.ticket_for_message_ids(a.session, ids),
        tag_ticket=tag_ticket.id if tag_ticket else None,
        sender_is_participant_of_tag_ticket=participant,
    )


def _token_ticket(a: Arrival) -> int | None:
    """A ticket whose reply-token address this came to, if the HMAC verifies."""
    for rcpt in a.recipients:
        token = tokens.parse_reply_address(rcpt, a.settings.gateway.address)
        if token is None or tickets.get(a.session, token.ticket_id) is None:
            continue
        issued = [a.sender, *tickets.participant_emails(a.session, token.ticket_id),
                  *(m.email for m in a.settings.members)]
        if tokens.token_issued_to(a.settings.gateway.secret, token, issued):
            return token.ticket_id
    return None


def _open_ticket(a: Arrival, linked: int | None) -> Ticket:
    msg, sender = a.msg, a.sender
    subject = thread.base_subject(msg.subject, a.settings.gateway.tag_prefix) or "(no subject)"
    ticket = Ticket(
        subject=subject,
        requester=sender,
        requester_name=msg.from_.name if msg.from_ else "",
        state=TicketState.NEW.value,
        locale=_guess_locale(msg, a.settings),
        linked_ticket_id=linked,
        created_at=a.now,
        updated_at=a.now,
    )
    a.session.add(ticket)
    a.session.flush()  # the ticket id, for the rows below
    known: list[str] = []
    for email, role in [(sender, "requester"), *((cc.email, "cc") for cc in msg.cc)]:
        if email not in known and not loops.is_own_address(email, a.settings.own_addresses):
            tickets.add_participant(a.session, ticket.id, email, role, known)
            known.append(email)
    tickets.add_event(
        a.session, ticket, at=a.now, actor=sender, channel="email", kind="created",
        new=TicketState.NEW.value,
        detail={"message_id": msg.message_id, "source": a.row.source, "linked_ticket": linked},
    )
    if linked is not None:
        old = tickets.get(a.session, linked)
        if old is not None:
            tickets.add_event(a.session, old, at=a.now, actor=sender, channel="email",
                              kind="linked", new=str(ticket.id),
                              detail={"reason": "new ticket refers to this one"})
    return ticket


def _attach(a: Arrival, ticket: Ticket, *, kind: str, touch: bool) -> int:
    msg, row = a.msg, a.row
    message_id = tickets.add_message(
        a.session,
        {
            "ticket_id": ticket.id,
            "inbox_id": row.id,
            "direction": "in",
            "message_id": msg.message_id,
            "in_reply_to": " ".join(msg.in_reply_to),
            "references": " ".join(msg.references),
            "from_addr": msg.from_.email if msg.from_ else (row.envelope_from or ""),
            "from_name": msg.from_.name if msg.from_ else "",
            "to": [x.email for x in msg.to],
            "cc": [x.email for x in msg.cc],
            "subject": msg.subject,
            "date": msg.date,
            "text": msg.text,
            "new_text": msg.new_text,
            "kind": a.verdict.value if a.automated else kind,
            "defects": list(msg.defects),
            "created_at": a.now,
        },
        [
            {"filename": a.filename, "original_filename": a.original_filename,
             "content_type": a.content_type, "size": a.size, "sha256": a.sha256}
            for a in msg.attachments
        ],
    )
    if touch:
        ticket.updated_at = a.now
    return message_id


def _load(session: Session, ticket_id: int) -> Ticket:
    ticket = tickets.get(session, ticket_id)
    if ticket is None:  # evidence only names existing tickets; a race deleted it
        raise LookupError(f"ticket #{ticket_id} vanished while threading")
    return ticket


def _guess_locale(msg: ParsedMessage, settings: Settings) -> str:
    """Answer in the language the requester wrote in; the team default otherwise."""
    if _JAPANESE.search(msg.subject) or _JAPANESE.search(msg.text[:2000]):
        return "ja"
    if msg.subject or msg.text.strip():
        return "en"
    return settings.gateway.locale
