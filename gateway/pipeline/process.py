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

from gateway import actions, tokens
from gateway.catalog import Catalog
from gateway.errors import Ignored
from gateway.model import InboxState, ParsedMessage, TicketState
from gateway.notify import views
from gateway.pipeline import categorize, loops, notices, ops, thread, transitions
from gateway.pipeline.loops import LoopVerdict
from gateway.pipeline.params import example_for
from gateway.pipeline.parse import parse_message
from gateway.settings import Settings
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
    sender = _sender(msg, row)
    decision = thread.resolve_thread(_evidence(session, msg, row, settings, sender, verdict))
    automated = verdict != LoopVerdict.HUMAN
    if decision.ticket_id is None and verdict in (LoopVerdict.BOUNCE, LoopVerdict.AUTO_REPLY):
        raise Ignored(f"{verdict.value} that belongs to no ticket")
    if decision.ticket_id is None:
        ticket = _open_ticket(session, msg, row, settings, now, sender, decision.linked_ticket_id)
        _attach(session, ticket, msg, row, now, verdict, kind="request", touch=True)
        summary = _file_and_announce(session, ticket, msg, row, settings, now, verdict, catalog)
        linked = f" (linked to #{decision.linked_ticket_id})" if decision.linked_ticket_id else ""
        return Handled(ticket.id, f"new ticket{linked}{summary}")
    ticket = _load(session, decision.ticket_id)
    return _reply(session, ticket, msg, row, settings, now, sender, verdict, decision.via,
                  automated, catalog)


def _file_and_announce(
    session: Session,
    ticket: Ticket,
    msg: ParsedMessage,
    row: PendingRow,
    settings: Settings,
    now: datetime,
    verdict: LoopVerdict,
    catalog: Catalog,
) -> str:
    """Catalog entry, assignee and fields; then the mails a new ticket causes."""
    filed = categorize.categorize_new_ticket(session, ticket, msg, catalog, settings, now)
    acked = notices.acknowledge_new_ticket(session, ticket, msg, row, settings, now, verdict)
    missing = _field_requests(catalog, filed.entry_id, filed.missing)
    asked = notices.ask_for_missing_fields(session, ticket, msg, row, settings, now, verdict,
                                           missing)
    notices.notify_assignee(session, ticket, msg, settings, now)
    return (f", filed under {filed.entry_id}" + ("" if acked else ", not acknowledged")
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


def _reply(
    session: Session,
    ticket: Ticket,
    msg: ParsedMessage,
    row: PendingRow,
    settings: Settings,
    now: datetime,
    sender: str,
    verdict: LoopVerdict,
    via: thread.ThreadVia,
    automated: bool,
    catalog: Catalog,
) -> Handled:
    member = settings.member(sender)
    if member is not None and automated:  # a member's out-of-office changes nothing
        _attach(session, ticket, msg, row, now, verdict, kind="reply", touch=False)
        return Handled(ticket.id, f"appended (via {via.value}, {verdict.value}, from ops)")
    if member is not None:
        proof = ops.verify(msg, row, settings, member.email, ticket.id)
        if not proof.ok:  # nothing attached, changed or relayed; the attempt is an event
            why = ops.refuse_unverified(session, ticket, msg, row, settings, now, member, proof)
            return Handled(ticket.id, why, InboxState.REJECTED)
        _attach(session, ticket, msg, row, now, verdict, kind="reply", touch=True)
        done = ops.member_reply(session, ticket, msg, row, settings, now, member, catalog)
        return Handled(ticket.id,
                       f"appended (via {via.value}, from ops verified by {proof.via}{done})")
    effect = transitions.on_requester_reply(
        TicketState(ticket.state), ticket.closed_at, now, settings.gateway.reopen_window,
        automated=automated,
    )
    if effect.effect == transitions.ReplyEffect.NEW_LINKED:
        new = _open_ticket(session, msg, row, settings, now, sender, ticket.id)
        _attach(session, new, msg, row, now, verdict, kind="request", touch=True)
        acked = notices.acknowledge_new_ticket(session, new, msg, row, settings, now, verdict)
        return Handled(new.id, f"new ticket (linked to closed #{ticket.id})"
                               f"{'' if acked else ', not acknowledged'}")
    if effect.target is not None:
        actions.change_state(session, ticket, effect.target, now, actor=sender,
                             channel="email")
    _attach(session, ticket, msg, row, now, verdict, kind="reply", touch=not automated)
    if not automated:  # a bounce's MAILER-DAEMON must never become someone we trust or mail
        tickets.add_participant(session, ticket.id, sender, "cc")
        categorize.fill_fields_from_reply(session, ticket, msg, catalog, now)
    ran = "" if automated else ops.requester_reply(session, ticket, msg, row, settings, now,
                                                    sender, catalog)
    done = "reopened" if effect.effect == transitions.ReplyEffect.REOPEN else "appended"
    kind = f", {verdict.value}" if automated else ""
    return Handled(ticket.id, f"{done} (via {via.value}{kind}{ran})")


def _sender(msg: ParsedMessage, row: PendingRow) -> str:
    if msg.from_ and msg.from_.email:
        return msg.from_.email
    return (row.envelope_from or "").lower() or "unknown@invalid"


def _evidence(
    session: Session,
    msg: ParsedMessage,
    row: PendingRow,
    settings: Settings,
    sender: str,
    verdict: LoopVerdict,
) -> thread.ThreadEvidence:
    ids = thread.referenced_ids(msg.in_reply_to, msg.references)
    if verdict in (LoopVerdict.BOUNCE, LoopVerdict.AUTO_REPLY):
        ids += [i for i in loops.returned_message_ids(row.raw) if i not in ids]
    tag = thread.subject_tag(msg.subject, settings.gateway.tag_prefix)
    tag_ticket = tickets.get(session, tag) if tag is not None else None
    participant = bool(tag_ticket) and sender in tickets.participant_emails(session, tag or 0)
    return thread.ThreadEvidence(
        token_ticket=_token_ticket(session, msg, row, settings, sender),
        header_ticket=tickets.ticket_for_message_ids(session, ids),
        tag_ticket=tag_ticket.id if tag_ticket else None,
        sender_is_participant_of_tag_ticket=participant,
    )


def _token_ticket(
    session: Session, msg: ParsedMessage, row: PendingRow, settings: Settings, sender: str
) -> int | None:
    """A ticket whose reply-token address this came to, if the HMAC verifies."""
    recipients = [*row.envelope_to, *(a.email for a in (*msg.to, *msg.cc))]
    for rcpt in recipients:
        token = tokens.parse_reply_address(str(rcpt), settings.gateway.address)
        if token is None or tickets.get(session, token.ticket_id) is None:
            continue
        issued = [sender, *tickets.participant_emails(session, token.ticket_id),
                  *(m.email for m in settings.members)]
        if tokens.token_issued_to(settings.gateway.secret, token, issued):
            return token.ticket_id
    return None


def _open_ticket(
    session: Session,
    msg: ParsedMessage,
    row: PendingRow,
    settings: Settings,
    now: datetime,
    sender: str,
    linked: int | None,
) -> Ticket:
    subject = thread.base_subject(msg.subject, settings.gateway.tag_prefix) or "(no subject)"
    ticket = Ticket(
        subject=subject,
        requester=sender,
        requester_name=msg.from_.name if msg.from_ else "",
        state=TicketState.NEW.value,
        locale=_guess_locale(msg, settings),
        linked_ticket_id=linked,
        created_at=now,
        updated_at=now,
    )
    session.add(ticket)
    session.flush()  # the ticket id, for the rows below
    known: list[str] = []
    for email, role in [(sender, "requester"), *((cc.email, "cc") for cc in msg.cc)]:
        if email not in known and not _is_own(email, settings):
            tickets.add_participant(session, ticket.id, email, role, known)
            known.append(email)
    tickets.add_event(
        session, ticket, at=now, actor=sender, channel="email", kind="created",
        new=TicketState.NEW.value,
        detail={"message_id": msg.message_id, "source": row.source, "linked_ticket": linked},
    )
    if linked is not None:
        old = tickets.get(session, linked)
        if old is not None:
            tickets.add_event(session, old, at=now, actor=sender, channel="email",
                              kind="linked", new=str(ticket.id),
                              detail={"reason": "new ticket refers to this one"})
    return ticket


def _attach(
    session: Session,
    ticket: Ticket,
    msg: ParsedMessage,
    row: PendingRow,
    now: datetime,
    verdict: LoopVerdict,
    *,
    kind: str,
    touch: bool,
) -> int:
    message_id = tickets.add_message(
        session,
        {
            "ticket_id": ticket.id,
            "inbox_id": row.id,
            "direction": "in",
            "message_id": msg.message_id,
            "in_reply_to": " ".join(msg.in_reply_to),
            "references": " ".join(msg.references),
            "from_addr": msg.from_.email if msg.from_ else (row.envelope_from or ""),
            "from_name": msg.from_.name if msg.from_ else "",
            "to": [a.email for a in msg.to],
            "cc": [a.email for a in msg.cc],
            "subject": msg.subject,
            "date": msg.date,
            "text": msg.text,
            "new_text": msg.new_text,
            "kind": kind if verdict == LoopVerdict.HUMAN else verdict.value,
            "defects": list(msg.defects),
            "created_at": now,
        },
        [
            {"filename": a.filename, "original_filename": a.original_filename,
             "content_type": a.content_type, "size": a.size, "sha256": a.sha256}
            for a in msg.attachments
        ],
    )
    if touch:
        ticket.updated_at = now
    return message_id


def _load(session: Session, ticket_id: int) -> Ticket:
    ticket = tickets.get(session, ticket_id)
    if ticket is None:  # evidence only names existing tickets; a race deleted it
        raise LookupError(f"ticket #{ticket_id} vanished while threading")
    return ticket


def _is_own(email: str, settings: Settings) -> bool:
    """Our address, an alias, or one of our reply-token variants."""
    own = {settings.gateway.address, *settings.smtp.aliases}
    token_variant = email.startswith(settings.gateway.local_part + "+") and email.endswith(
        "@" + settings.gateway.domain
    )
    return email in own or token_variant


def _guess_locale(msg: ParsedMessage, settings: Settings) -> str:
    """Answer in the language the requester wrote in; the team default otherwise."""
    if _JAPANESE.search(msg.subject) or _JAPANESE.search(msg.text[:2000]):
        return "ja"
    if msg.subject or msg.text.strip():
        return "en"
    return settings.gateway.locale
