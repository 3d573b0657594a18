"""Stages "member reply" and "requester reply": a message for an existing ticket.

A configured member's mail acts only when it proves who sent it (reply token
or trusted DKIM/DMARC, :mod:`gateway.runner.ops`); otherwise it is rejected,
nothing attached. Anyone else's mail on the ticket, once it proves its sender as
they (their reply address, or a trusted DKIM/DMARC pass; else it is kept marked
unverified, whatever named the ticket), is appended, moves the state as the
state machine says (a pending ticket opens, a closed one reopens within the
window or starts a new linked ticket; one that only thanks, with no file, leaves it
closed),
fills the sheet (a value that does not fit is told to its writer), and may carry a
requester's ``/close``. A bounce changes nothing either, but a mail of ours that it
returns is told to the member (:mod:`gateway.tickets.returned_mail`).
"""

from __future__ import annotations

from dataclasses import replace

from gateway.actions import trigger
from gateway.core.errors import TicketVanished
from gateway.core.i18n import N_
from gateway.core.model import TicketState
from gateway.pipeline import authz, command_lines, commands, loops, thanks
from gateway.pipeline.loops import LoopVerdict
from gateway.pipeline.thread import ThreadVia
from gateway.runner import comments, filing, notices, ops
from gateway.runner import proof as proofs
from gateway.runner.arrival import Arrival
from gateway.runner.commands_ran import NOTHING, Ran
from gateway.runner.messages import attach
from gateway.runner.new_request import field_requests, open_new, refused_values
from gateway.runner.reply_said import joined, machine, proof, ran_clauses
from gateway.runner.reply_said import via as found
from gateway.runner.verdicts import Done, Rejected
from gateway.tickets import changes, returned_mail, states
from store import merges, tickets
from store.models import Ticket

CHANNEL = "email"


def member_reply(a: Arrival) -> Arrival | Done | Rejected:
    member = a.settings.member(a.sender)
    if member is None:
        return a
    ticket, via = _ticket(a), a.thread.via.value
    if as_its_requester(ticket, member.email):
        return a  # the requester's reply stage reads it, as any requester's
    if a.automated:  # a member's out-of-office changes nothing
        attach(a, ticket, kind="reply", touch=False)
        told = _returned(a, ticket)
        line = N_("{kind} from a member appended", kind=machine(a.verdict.value))
        return Done(
            ticket.id,
            f"appended (via {via}, {a.verdict.value}, from ops{told.record()})",
            joined(line, [found(via), *ran_clauses(told)]),
        )
    verdict = proofs.verify(a, member.email, ticket.id)
    if not verdict.ok:  # nothing attached, changed or relayed; the attempt is an event
        return Rejected(
            ticket.id,
            proofs.refuse_unverified(a, ticket, member, verdict),
            N_("not verified as {member}: {why}", member=member.email, why=verdict.why),
        )
    attach(a, ticket, kind="reply", touch=True)
    done = ops.member_reply(a, ticket, member)
    line = N_("a member's reply appended, proven by {proof}", proof=proof(verdict.via))
    return Done(
        ticket.id,
        f"appended (via {via}, from ops verified by {verdict.via}{done.record()})",
        joined(line, [found(via), *ran_clauses(done)]),
    )


def as_its_requester(ticket: Ticket, member: str) -> bool:
    """A member writing on a ticket they asked for and someone else holds (a customer
    who joined the team since, a member whose own request went to a colleague) is its
    customer there, as Zammad makes an agent who is a ticket's customer: their words
    are news to its assignee and move its state as a requester's do, and only a
    requester's commands apply. A member's own request given to them stays theirs to
    work as a member (README "A member's own request")."""
    return member == ticket.requester.lower() and member != (ticket.assignee or "").lower()


def requester_reply(a: Arrival) -> Done:
    ticket, via = _ticket(a), a.thread.via.value
    a = replace(a, loop=loops.from_a_customer_on_a_ticket(a.verdict, a.msg))  # not a member's
    a = comments.with_requester_comments(a, ticket)  # Outlook's marked answers: theirs
    if _outsider(a, ticket):
        return _outsider_reply(a, ticket)
    if not a.automated:  # found by a tag, a Message-ID or an address: none says who wrote
        vouched = proofs.vouch(a, a.sender, ticket.id)
        if not vouched.ok:
            return _unverified_reply(a, ticket, vouched)
    if _only_commands(a, ticket) and ticket.state == TicketState.CLOSED:
        # "/close" (or "/cc add …") to a closed ticket is about that ticket: neither a
        # reason to reopen it nor, closed long ago, a new request whose text is "/close"
        attach(a, ticket, kind="reply", touch=False)
        ran = ops.requester_reply(a, ticket)
        line = N_("appended, only commands: the ticket stays closed")
        return Done(
            ticket.id,
            f"appended (via {via}, only commands: stays closed{ran.record()})",
            joined(line, [found(via), *ran_clauses(ran)]),
        )
    foreseen = a.foresight.thanks_for(a.msg.new_text) if a.foresight is not None else None
    said = thanks.judge_reply(a.msg.new_text, a.msg.attachments, foreseen)
    effect = states.on_requester_reply(
        TicketState(ticket.state),
        ticket.closed_at,
        a.now,
        a.settings.gateway.reopen_window,
        automated=a.automated,
        only_thanks=said.only_thanks,
    )
    if effect.effect == states.ReplyEffect.KEEP_CLOSED:  # the assignee hears of the thanks
        attach(a, ticket, kind="reply", touch=False, heard="thanks")
        changes.record(
            a.session,
            ticket,
            "thanks",
            a.now,
            actor=a.sender,
            channel=CHANNEL,
            detail={"message_id": a.msg.message_id, "why": said.why, "kept": "closed"},
        )
        line = N_("appended, only thanks: the ticket stays closed")
        return Done(
            ticket.id,
            f"appended (via {via}, only thanks: stays closed)",
            joined(line, [found(via)]),
        )
    if effect.effect == states.ReplyEffect.NEW_LINKED:  # its commands are the new one's
        new, summary, clauses = open_new(a, ticket.id)
        ran = NOTHING if a.automated else ops.requester_reply(a, new, replied_to=ticket.id)
        linked = N_("linked to the closed ticket #{id}", id=ticket.id)
        return Done(
            new.id,
            f"new ticket (linked to closed #{ticket.id}){summary}{ran.record()}",
            joined(N_("new ticket opened"), [linked, *clauses, *ran_clauses(ran)]),
        )
    if effect.target is not None:
        changes.change_state(
            a.session, ticket, effect.target, a.now, actor=a.sender, channel=CHANNEL
        )
    attach(a, ticket, kind="reply", touch=not a.automated)
    ran = _returned(a, ticket)
    if not a.automated:  # a bounce's MAILER-DAEMON must never become someone we trust or mail
        changes.add_participant(
            a.session, ticket, a.sender, "cc", a.now, actor=a.sender, channel=CHANNEL
        )
        filled = filing.fill_fields_from_reply(
            a.session, ticket, a.msg, a.catalog, a.now, today=a.today
        )
        locale = ticket.locale or "en"
        entry_id = ticket.catalog or ""
        refused = refused_values(a.catalog, entry_id, filled.rejected, filled.missing, locale)
        missing = field_requests(a.catalog, entry_id, filled.missing, locale)
        notices.tell_refused_values(a, ticket, refused, missing)
        trigger.sheet_changed(
            a.session,
            ticket,
            a.catalog,
            a.now,
            actor=a.sender,
            channel=CHANNEL,
            hold=notices.action_hold(a),
        )
        ran = ops.requester_reply(a, ticket)
    reopened = effect.effect == states.ReplyEffect.REOPEN
    done = "reopened" if reopened else "appended"
    kind = f", {a.verdict.value}" if a.automated else ""
    line = N_("appended, the ticket reopened") if reopened else N_("appended")
    if a.automated:
        line = N_("{kind} appended", kind=machine(a.verdict.value))
    return Done(
        ticket.id,
        f"{done} (via {via}{kind}{ran.record()})",
        joined(line, [found(via), *ran_clauses(ran)]),
    )


def _returned(a: Arrival, ticket: Ticket) -> Ran:
    """A bounce of a mail of ours to the requester: the member is told now, once
    (:func:`gateway.tickets.returned_mail.on_arrival`); the summary says so. One of a
    mail to a member is kept in the ticket's history, told to nobody."""
    if a.verdict != LoopVerdict.BOUNCE:
        return NOTHING
    members = {m.email for m in a.settings.members}
    return Ran(told=returned_mail.on_arrival(a.session, ticket, a.row.raw, a.now, members))


def _only_commands(a: Arrival, ticket: Ticket) -> bool:
    """A reply by a person whose new text is command lines and nothing else (no words,
    no file): what it asks is in its commands. Read as a customer's (a ``/tmp is full``
    line is words, and reopens a closed ticket like any words)."""
    if a.automated or a.msg.attachments:
        return False
    role = ops.customer_role(ticket, a.sender)
    max_lines = a.settings.gateway.max_command_lines
    parsed = commands.read_commands(a.msg.new_text, max_lines, role, a.writer_names)
    return bool(parsed.commands or parsed.ignored) and not parsed.remaining.strip()


# how a mail found its ticket → whether that says who wrote it (a subject tag from
# someone not on the ticket opens a new linked ticket instead: gateway.pipeline.thread)
_PROVES_NOTHING_ABOUT_THE_SENDER = {
    ThreadVia.HEADERS,  # a Message-ID: anyone who saw one mail of the ticket knows it
    ThreadVia.TOKEN,  # a reply address issued to someone on the ticket: in every copy of
    # every mail we sent them (forwarded, a shared mailbox); it proves the sender only
    # when they are that someone, and then they are on the ticket
}


def _outsider(a: Arrival, ticket: Ticket) -> bool:
    """Threaded by what proves nothing about the sender, from someone not on the
    ticket as themselves (one who joined it as a member and has left the team since is
    not: the reply addresses issued to them then were a member's): attached, and
    nothing more."""
    return (
        a.thread.via in _PROVES_NOTHING_ABOUT_THE_SENDER
        and not a.automated
        and a.sender not in tickets.customer_emails(a.session, ticket.id)
    )


def _outsider_reply(a: Arrival, ticket: Ticket) -> Done:
    """Attached (nothing is lost) but it changes nothing: no participant, no state,
    no fields, no commands, nothing sent to the sender; the assignee is told."""
    attach(a, ticket, kind="outsider", touch=False)
    left = notices.left_the_team(a, ticket)  # worked it as a member, gone from the team
    detail = {"message_id": a.msg.message_id, "via": a.thread.via.value, "inbox": a.row.id}
    changes.record(
        a.session,
        ticket,
        "outsider",
        a.now,
        actor=a.sender,
        channel=CHANNEL,
        detail={**detail, "left_team": True} if left else detail,
    )
    holder = proofs.tell_other_address(a, ticket)  # a member's answer from another address
    told = notices.notify_outsider(a, ticket, told=holder.email if holder else None)
    line = (
        N_("attached from {sender}, who left the team", sender=a.sender)
        if left
        else N_("attached from {sender}, who is not on the ticket", sender=a.sender)
    )
    clauses = [found(a.thread.via.value)]
    if holder:
        clauses.append(N_("{member} told", member=holder.email))
    role = "" if told is None else "assignee" if told.assignee else "manager"
    if told is not None:  # by role and address: a manager told was said "the assignee"
        clauses.append(
            N_("the assignee {member} told", member=told.email)
            if told.assignee
            else N_("the manager {member} told", member=told.email)
        )
    return Done(
        ticket.id,
        f"attached (via {a.thread.via.value}, from {a.sender}, "
        + ("who left the team" if left else "not on the ticket")
        + (f", {holder.email} told" if holder else "")
        + (f", {role} {told.email} told)" if told else ")"),
        joined(line, clauses),
    )


def _unverified_reply(a: Arrival, ticket: Ticket, vouched: authz.Verdict) -> Done:
    """A reply that proves nothing about its sender (not sent to the reply address issued
    to them, no trusted DKIM/DMARC pass): found by the subject tag, which anyone can
    type, by a Message-ID, which anyone who saw one mail of the ticket knows, or sent to
    someone else's reply address, under the From of someone on the ticket. Kept, marked
    unverified on the message and in the history, the assignee hears of it (under the
    sender's hourly brake on notices); no field, participant or command changes, and
    nothing is sent to the address it claims. Words to
    a pending ticket bring it back to open, for a person to read (the only state it
    changes). A closed ticket stays closed: a mail with words of its own opens a new
    ticket linked to it, as a stranger's tag does (and as a new mail would); one that
    only thanks, or holds only commands, is kept on it, as a proven one would be."""
    # words of its own are activity, whoever wrote them: a person must read them before a
    # stale reminder or the inventory's close goes over them (a forger can delay those;
    # no more). A thanks or bare commands are not, as from a proven sender.
    words, via = not _nothing_new(a, ticket), a.thread.via.value
    if ticket.state == TicketState.CLOSED and words:
        new, summary, clauses = open_new(a, ticket.id)
        ran = ops.requester_reply(a, new, replied_to=ticket.id)
        linked = N_("from an unverified reply to the closed ticket #{id}", id=ticket.id)
        return Done(
            new.id,
            f"new ticket (unverified {via} of closed #{ticket.id}){summary}{ran.record()}",
            joined(N_("new ticket opened"), [linked, found(via), *clauses, *ran_clauses(ran)]),
        )
    heard = "unverified" if notices.unverified_told(a, ticket) else ""  # the hourly brake
    attach(a, ticket, kind="unverified", touch=words, heard=heard)
    if ticket.state == TicketState.PENDING and words:
        # words for a ticket waiting on its requester: it may well be them, writing a
        # new mail. Left pending, it would be reminded and closed as no-response over
        # their answer; open, a person reads it (and the requester gets no status mail:
        # the change is theirs, if anyone's). Nothing else they ask is done.
        changes.change_state(
            a.session, ticket, TicketState.OPEN, a.now, actor=a.sender, channel=CHANNEL
        )
    parsed = commands.read_commands(
        a.msg.new_text, a.settings.gateway.max_command_lines, ops.customer_role(ticket, a.sender)
    )
    changes.record(
        a.session,
        ticket,
        "unverified",
        a.now,
        actor=a.sender,
        channel=CHANNEL,
        detail={
            "via": via,  # tag | headers | token: how it named the ticket
            "message_id": a.msg.message_id,
            "inbox": a.row.id,
            "envelope_from": a.row.envelope_from,
            "reason": vouched.reason,
            "commands": [c.line for c in parsed.commands],
        },
    )
    line = N_("attached unverified from {sender}", sender=a.sender)
    return Done(
        ticket.id,
        f"attached unverified (via {via}, from {a.sender}: {vouched.reason})",
        joined(line, [found(via), vouched.why]),
    )


def _nothing_new(a: Arrival, ticket: Ticket) -> bool:
    """It only thanks, or holds only commands: no new request, whoever sent it."""
    if _only_commands(a, ticket):
        return True
    foreseen = a.foresight.thanks_for(a.msg.new_text) if a.foresight is not None else None
    return thanks.judge_reply(a.msg.new_text, a.msg.attachments, foreseen).only_thanks


def _ticket(a: Arrival) -> Ticket:
    """The replied-to ticket, row-locked for the change (:func:`store.tickets.get_to_change`);
    for a reply that merges, after the merge lock, which every merge takes first."""
    ticket_id = a.thread.ticket_id
    max_lines = a.settings.gateway.max_command_lines
    if merges.locked(a.session) and command_lines.asks_to_merge(a.msg.new_text, max_lines):
        merges.hold_merges(a.session)
    ticket = tickets.get_to_change(a.session, ticket_id) if ticket_id is not None else None
    if ticket is None:  # evidence only names existing tickets; a race deleted it
        raise TicketVanished(f"ticket #{ticket_id} vanished while threading")
    return ticket
