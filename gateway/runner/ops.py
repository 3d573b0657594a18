"""Ops work by reply: verify the sender, apply commands, relay the answer, report.

Runs inside the runner's transaction and only writes rows (ticket changes
and events through :mod:`gateway.tickets.changes`, outbox mails); the decisions are the
pure :mod:`commands` and :mod:`authz`. Three rules shape it:

* nothing changes and nothing is relayed for a mail that cannot prove it
  comes from the member it names; the member is told at their *configured*
  address (rate-limited, so a forger cannot mail-bomb them), never at an
  address taken from the suspicious mail;
* every mail with commands gets exactly one transcript, listing each command
  as applied, refused (with the reason) or ignored;
* the requester sees the member's words without command lines, quotes or
  signature, from the team address, threaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from gateway.config.settings import Member
from gateway.core.errors import InvalidTransition
from gateway.notify import views
from gateway.notify.queue import queue_ticket_mail, team, ticket_ref
from gateway.pipeline import authz, commands, loops
from gateway.pipeline.commands import Applied, CommandOutcome, NotRead, Refused, Role
from gateway.runner.arrival import Arrival
from gateway.runner.notices import under_rate_limit
from gateway.tickets import changes
from store import tickets
from store.models import Ticket

CHANNEL = "email"


def verify(a: Arrival, email: str, ticket_id: int) -> authz.Verdict:
    """Whether this mail may act for ``email`` on the ticket (token or trusted DKIM/DMARC)."""
    return authz.verify_sender(
        a.row.raw,
        a.recipients,
        email,
        ticket_id,
        secret=a.settings.gateway.secret,
        gateway_address=a.settings.gateway.address,
        trusted_authserv_ids=a.settings.gateway.trusted_authserv_ids,
        per_person_domains=a.settings.gateway.per_person_domains,
    )


def refuse_unverified(a: Arrival, ticket: Ticket, member: Member, verdict: authz.Verdict) -> str:
    """Record the attempt and tell the member (at their configured address) why."""
    parsed = commands.parse_commands(a.msg.new_text, a.settings.gateway.max_command_lines)
    told = _within_limit(a, member.email)
    changes.record(
        a.session,
        ticket,
        "security",
        a.now,
        actor=member.email,
        channel=CHANNEL,
        detail={
            "reason": verdict.reason,
            "message_id": a.msg.message_id,
            "inbox": a.row.id,
            "envelope_from": a.row.envelope_from,
            "commands": [c.line for c in parsed.commands],
            "told": told,
        },
    )
    if told:
        view = views.CommandRefused(
            team=team(a.settings),
            recipient=views.Person(member.email, member.name),
            ticket=ticket_ref(ticket, a.settings, a.now),
            command="; ".join(c.line for c in parsed.commands) or "(your reply)",
            reason=f"nothing was changed or sent: {verdict.reason}",
            help_text=commands.help_text(member.locale or a.settings.gateway.locale),
        )
        queue_ticket_mail(
            a.session,
            a.settings,
            ticket,
            view,
            key=f"refused:{a.row.id}",
            now=a.now,
            locale=member.locale or a.settings.gateway.locale,
        )
    return f"not verified as {member.email}: {verdict.reason}"


def member_reply(a: Arrival, ticket: Ticket, member: Member) -> str:
    """Apply a verified member's commands, relay the rest, send the transcript."""
    parsed = commands.parse_commands(a.msg.new_text, a.settings.gateway.max_command_lines)
    changes.add_participant(
        a.session, ticket, member.email, "ops", a.now, actor=member.email, channel=CHANNEL
    )
    outcomes = [*_run(a, ticket, parsed.commands, Role.MEMBER, member.email), *parsed.ignored]
    relayed = 0 if parsed.note is not None else _relay(a, ticket, member, parsed.remaining)
    if outcomes:
        _transcript(
            a,
            ticket,
            views.Person(member.email, member.name),
            outcomes,
            member.locale or a.settings.gateway.locale,
        )
    return _summary(outcomes) + (f", relayed to {relayed}" if relayed else "")


def requester_reply(a: Arrival, ticket: Ticket) -> str:
    """A requester may close their own ticket; anyone else on it may give no command.

    Commands count only from a verified path; an unverified mail's commands
    are recorded and answered with nothing (we would be answering a forger)."""
    parsed = commands.parse_commands(a.msg.new_text, a.settings.gateway.max_command_lines)
    if not parsed.commands and not parsed.ignored:
        return ""
    sender = a.sender
    verdict = verify(a, sender, ticket.id)
    if not verdict.ok:
        changes.record(
            a.session,
            ticket,
            "security",
            a.now,
            actor=sender,
            channel=CHANNEL,
            detail={
                "reason": verdict.reason,
                "message_id": a.msg.message_id,
                "inbox": a.row.id,
                "told": False,
                "commands": [c.line for c in parsed.commands],
            },
        )
        return ", commands not verified (ignored)"
    role = Role.REQUESTER if sender == ticket.requester.lower() else Role.OTHER
    outcomes = [*_run(a, ticket, parsed.commands, role, sender), *parsed.ignored]
    if _within_limit(a, sender):
        _transcript(
            a,
            ticket,
            views.Person(sender, ticket.requester_name if role == Role.REQUESTER else ""),
            outcomes,
            ticket.locale or a.settings.gateway.locale,
        )
    return _summary(outcomes)


def _run(
    a: Arrival, ticket: Ticket, cmds: Sequence[commands.Command], role: Role, actor: str
) -> list[CommandOutcome]:
    out: list[CommandOutcome] = []
    for cmd in cmds:
        ctx = commands.CommandContext(
            role,
            [m.email for m in a.settings.members],
            [e.id for e in a.catalog.entries],
            a.catalog.entry(ticket.catalog),
            a.now,
            a.settings.gateway.timezone,
        )
        decision = commands.decide(cmd, ctx)
        try:
            outcome: CommandOutcome = (
                decision
                if isinstance(decision, Refused)
                else Applied(cmd.line, _apply(a.session, ticket, decision, a.now, actor))
            )
        except InvalidTransition as exc:
            outcome = Refused(cmd.line, str(exc))
        if not isinstance(outcome, Applied):
            changes.record(
                a.session,
                ticket,
                "command-refused",
                a.now,
                actor=actor,
                channel=CHANNEL,
                detail={"line": cmd.line, "reason": outcome.reason},
            )
        out.append(outcome)
    return out


def _apply(
    session: Session, ticket: Ticket, action: commands.Action, now: datetime, actor: str
) -> str:
    """Carry out one decided command through gateway.tickets.changes; what changed, in words."""
    who = {"actor": actor, "channel": CHANNEL}
    match action:
        case commands.SetState(target, reason):
            old = ticket.state
            changes.change_state(session, ticket, target, now, reason=reason, **who)
            return f"{old} → {target.value}" + (f" ({reason.value})" if reason else "")
        case commands.Assign(member):
            changes.assign(session, ticket, member, now, **who)
            return f"assigned to {member}"
        case commands.SetCategory(entry_id):
            changes.set_category(session, ticket, entry_id, now, **who)
            return f"filed under {entry_id}"
        case commands.SetDue(due):
            changes.set_due(session, ticket, due, now, **who)
            return f"due {due.isoformat()}"
        case commands.SetField(name, value):
            changes.set_field(session, ticket, name, value, now, **who)
            return f"{name} = {value}"
        case commands.AddNote(text):
            changes.add_note(session, ticket, text, now, **who)
            return "internal note added (not sent to the requester)"


def _relay(a: Arrival, ticket: Ticket, member: Member, text: str) -> int:
    """The member's answer to the requester and every non-member participant."""
    text = text.strip()
    if not text:
        return 0
    people = [ticket.requester.lower(), *tickets.participant_emails(a.session, ticket.id)]
    everyone = [
        p
        for p in dict.fromkeys(people)
        if a.settings.member(p) is None
        and "@" in p
        and not loops.is_own_address(p, a.settings.own_addresses)
    ]
    limit = a.settings.limits.max_relay  # the requester first, then in the order they joined
    recipients, left_out = everyone[:limit], everyone[limit:]
    if left_out:
        changes.record(
            a.session,
            ticket,
            "relay-limited",
            a.now,
            actor=member.email,
            channel=CHANNEL,
            detail={"limit": limit, "not_sent": len(left_out), "first_not_sent": left_out[:20]},
        )
    thread = tickets.thread_ids(a.session, ticket.id)
    for email in recipients:
        name = ticket.requester_name if email == ticket.requester.lower() else ""
        view = views.OpsReply(
            team=team(a.settings),
            recipient=views.Person(email, name),
            ticket=ticket_ref(ticket, a.settings, a.now),
            author=views.Person(member.email, member.name),
            text=text,
        )
        queue_ticket_mail(
            a.session,
            a.settings,
            ticket,
            view,
            key=f"ops:{a.row.id}:{email}",
            now=a.now,
            in_reply_to=thread[0] if thread else "",
        )
    if recipients:
        changes.record_first_response(a.session, ticket, a.now, actor=member.email, channel=CHANNEL)
    return len(recipients)


def _transcript(
    a: Arrival, ticket: Ticket, to: views.Person, outcomes: Sequence[CommandOutcome], locale: str
) -> None:
    lines = tuple(views.CommandLine(o.line, *_result(o)) for o in outcomes)
    trouble = any(not isinstance(o, Applied) for o in outcomes)
    view = views.CommandResult(
        team=team(a.settings),
        recipient=to,
        ticket=ticket_ref(ticket, a.settings, a.now),
        commands=lines,
        help_text=commands.help_text(locale) if trouble else "",
    )
    queue_ticket_mail(
        a.session,
        a.settings,
        ticket,
        view,
        key=f"cmd:{a.row.id}",
        now=a.now,
        in_reply_to=a.answer_to,
        locale=locale,
    )


def _result(o: CommandOutcome) -> tuple[str, str]:
    """(what happened in words, and which: applied, refused or ignored)."""
    if isinstance(o, Applied):
        return o.summary, "applied"
    if isinstance(o, Refused):
        return o.reason, "refused"
    return o.reason, "ignored"


def _summary(outcomes: Sequence[CommandOutcome]) -> str:
    if not outcomes:
        return ""
    n = {
        k: sum(isinstance(o, t) for o in outcomes)
        for k, t in (("applied", Applied), ("refused", Refused), ("ignored", NotRead))
    }
    return ", commands: " + ", ".join(f"{v} {k}" for k, v in n.items() if v)


def _within_limit(a: Arrival, email: str) -> bool:
    """Answers to commands (transcripts, refusals) share the hourly brake of every
    automatic mail, counted per recipient over their own kinds."""
    ok, _ = under_rate_limit(
        a.session, email, a.settings, a.now, {"command_result", "command_refused"}
    )
    return ok
