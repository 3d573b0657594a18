"""Ops work by reply: verify the sender, apply commands, relay the answer, report.

Runs inside the runner's transaction and only writes rows (ticket changes
through :mod:`gateway.actions`, events, outbox mails); the decisions are the
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

from gateway import actions
from gateway.catalog import Catalog
from gateway.errors import InvalidTransition
from gateway.model import ParsedMessage
from gateway.notify import views
from gateway.notify.queue import queue_ticket_mail, team, ticket_ref
from gateway.pipeline import authz, commands
from gateway.pipeline.commands import Applied, Ignored, Outcome, Refused, Role
from gateway.pipeline.notices import RATE_WINDOW
from gateway.settings import Member, Settings
from store import outbox, tickets
from store.inbox import PendingRow
from store.models import Ticket

CHANNEL = "email"


def verify(msg: ParsedMessage, row: PendingRow, settings: Settings, email: str,
           ticket_id: int) -> authz.Verdict:
    """Whether this mail may act for ``email`` on the ticket (token or trusted DKIM/DMARC)."""
    recipients = [*row.envelope_to, *(a.email for a in (*msg.to, *msg.cc))]
    return authz.verify_sender(
        row.raw, [str(r) for r in recipients], email, ticket_id,
        secret=settings.gateway.secret, gateway_address=settings.gateway.address,
        trusted_authserv_ids=settings.gateway.trusted_authserv_ids)


def refuse_unverified(
    session: Session,
    ticket: Ticket,
    msg: ParsedMessage,
    row: PendingRow,
    settings: Settings,
    now: datetime,
    member: Member,
    verdict: authz.Verdict,
) -> str:
    """Record the attempt and tell the member (at their configured address) why."""
    parsed = commands.parse_commands(msg.new_text, settings.gateway.max_command_lines)
    told = _within_limit(session, member.email, settings, now)
    tickets.add_event(session, ticket, at=now, actor=member.email, channel=CHANNEL,
                      kind="security", detail={
                          "reason": verdict.reason, "message_id": msg.message_id,
                          "inbox": row.id, "envelope_from": row.envelope_from,
                          "commands": [c.line for c in parsed.commands], "told": told})
    if told:
        view = views.CommandRefused(
            team=team(settings), recipient=views.Person(member.email, member.name),
            ticket=ticket_ref(ticket, settings, now),
            command="; ".join(c.line for c in parsed.commands) or "(your reply)",
            reason=f"nothing was changed or sent: {verdict.reason}",
            help_text=commands.HELP_TEXT)
        queue_ticket_mail(session, settings, ticket, view, key=f"refused:{row.id}", now=now,
                          locale=member.locale or settings.gateway.locale)
    return f"not verified as {member.email}: {verdict.reason}"


def member_reply(
    session: Session,
    ticket: Ticket,
    msg: ParsedMessage,
    row: PendingRow,
    settings: Settings,
    now: datetime,
    member: Member,
    catalog: Catalog,
) -> str:
    """Apply a verified member's commands, relay the rest, send the transcript."""
    parsed = commands.parse_commands(msg.new_text, settings.gateway.max_command_lines)
    tickets.add_participant(session, ticket.id, member.email, "ops")
    outcomes = [*_run(session, ticket, parsed.commands, Role.MEMBER, settings, catalog, now,
                      member.email), *parsed.ignored]
    relayed = 0 if parsed.note is not None else _relay(session, ticket, row, settings, now,
                                                       member, parsed.remaining)
    if outcomes:
        _transcript(session, ticket, msg, row, settings, now,
                    views.Person(member.email, member.name), outcomes,
                    member.locale or settings.gateway.locale)
    return _summary(outcomes) + (f", relayed to {relayed}" if relayed else "")


def requester_reply(
    session: Session,
    ticket: Ticket,
    msg: ParsedMessage,
    row: PendingRow,
    settings: Settings,
    now: datetime,
    sender: str,
    catalog: Catalog,
) -> str:
    """A requester may close their own ticket; anyone else on it may give no command.

    Commands count only from a verified path; an unverified mail's commands
    are recorded and answered with nothing (we would be answering a forger)."""
    parsed = commands.parse_commands(msg.new_text, settings.gateway.max_command_lines)
    if not parsed.commands and not parsed.ignored:
        return ""
    verdict = verify(msg, row, settings, sender, ticket.id)
    if not verdict.ok:
        tickets.add_event(session, ticket, at=now, actor=sender, channel=CHANNEL,
                          kind="security", detail={
                              "reason": verdict.reason, "message_id": msg.message_id,
                              "inbox": row.id, "told": False,
                              "commands": [c.line for c in parsed.commands]})
        return ", commands not verified (ignored)"
    role = Role.REQUESTER if sender == ticket.requester.lower() else Role.OTHER
    outcomes = [*_run(session, ticket, parsed.commands, role, settings, catalog, now, sender),
                *parsed.ignored]
    if _within_limit(session, sender, settings, now):
        _transcript(session, ticket, msg, row, settings, now,
                    views.Person(sender, ticket.requester_name if role == Role.REQUESTER
                                 else ""), outcomes, ticket.locale or settings.gateway.locale)
    return _summary(outcomes)


def _run(
    session: Session,
    ticket: Ticket,
    cmds: Sequence[commands.Command],
    role: Role,
    settings: Settings,
    catalog: Catalog,
    now: datetime,
    actor: str,
) -> list[Outcome]:
    out: list[Outcome] = []
    for cmd in cmds:
        ctx = commands.Context(role, [m.email for m in settings.members],
                               [e.id for e in catalog.entries], catalog.entry(ticket.catalog),
                               now, settings.gateway.timezone)
        decision = commands.decide(cmd, ctx)
        try:
            outcome: Outcome = decision if isinstance(decision, Refused) else Applied(
                cmd.line, _apply(session, ticket, decision, now, actor))
        except InvalidTransition as exc:
            outcome = Refused(cmd.line, str(exc))
        if not isinstance(outcome, Applied):
            tickets.add_event(session, ticket, at=now, actor=actor, channel=CHANNEL,
                              kind="command-refused", detail={"line": cmd.line,
                                                              "reason": outcome.reason})
        out.append(outcome)
    return out


def _apply(
    session: Session, ticket: Ticket, action: commands.Action, now: datetime, actor: str
) -> str:
    """Carry out one decided command through gateway.actions; what changed, in words."""
    who = {"actor": actor, "channel": CHANNEL}
    match action:
        case commands.SetState(target, reason):
            old = ticket.state
            actions.change_state(session, ticket, target, now, reason=reason, **who)
            return f"{old} → {target.value}" + (f" ({reason.value})" if reason else "")
        case commands.Assign(member):
            actions.assign(session, ticket, member, now, **who)
            return f"assigned to {member}"
        case commands.SetCategory(entry_id):
            actions.set_category(session, ticket, entry_id, now, **who)
            return f"filed under {entry_id}"
        case commands.SetDue(due):
            actions.set_due(session, ticket, due, now, **who)
            return f"due {due.isoformat()}"
        case commands.SetField(name, value):
            actions.set_field(session, ticket, name, value, now, **who)
            return f"{name} = {value}"
        case commands.AddNote(text):
            actions.add_note(session, ticket, text, now, **who)
            return "internal note added (not sent to the requester)"


def _relay(
    session: Session,
    ticket: Ticket,
    row: PendingRow,
    settings: Settings,
    now: datetime,
    member: Member,
    text: str,
) -> int:
    """The member's answer to the requester and every non-member participant."""
    text = text.strip()
    if not text:
        return 0
    people = [ticket.requester.lower(), *tickets.participant_emails(session, ticket.id)]
    own = settings.gateway.address
    recipients = [p for p in dict.fromkeys(people)
                  if settings.member(p) is None and p != own and "@" in p]
    thread = tickets.thread_ids(session, ticket.id)
    for email in recipients:
        name = ticket.requester_name if email == ticket.requester.lower() else ""
        view = views.OpsReply(team=team(settings), recipient=views.Person(email, name),
                              ticket=ticket_ref(ticket, settings, now),
                              author=views.Person(member.email, member.name), text=text)
        queue_ticket_mail(session, settings, ticket, view, key=f"ops:{row.id}:{email}",
                          now=now, in_reply_to=thread[0] if thread else "")
    if recipients and ticket.first_response_at is None:
        ticket.first_response_at = now
    return len(recipients)


def _transcript(
    session: Session,
    ticket: Ticket,
    msg: ParsedMessage,
    row: PendingRow,
    settings: Settings,
    now: datetime,
    to: views.Person,
    outcomes: Sequence[Outcome],
    locale: str,
) -> None:
    lines = tuple(views.CommandLine(o.line, _result(o)) for o in outcomes)
    trouble = any(not isinstance(o, Applied) for o in outcomes)
    view = views.CommandResult(team=team(settings), recipient=to,
                               ticket=ticket_ref(ticket, settings, now), commands=lines,
                               help_text=commands.HELP_TEXT if trouble else "")
    queue_ticket_mail(session, settings, ticket, view, key=f"cmd:{row.id}", now=now,
                      in_reply_to="" if msg.message_id_synthetic else msg.message_id,
                      locale=locale)


def _result(o: Outcome) -> str:
    if isinstance(o, Applied):
        return f"applied: {o.summary}"
    if isinstance(o, Refused):
        return f"refused: {o.reason}"
    return f"ignored: {o.reason}"


def _summary(outcomes: Sequence[Outcome]) -> str:
    if not outcomes:
        return ""
    n = {k: sum(isinstance(o, t) for o in outcomes)
         for k, t in (("applied", Applied), ("refused", Refused), ("ignored", Ignored))}
    return ", commands: " + ", ".join(f"{v} {k}" for k, v in n.items() if v)


def _within_limit(session: Session, email: str, settings: Settings, now: datetime) -> bool:
    """The per-recipient hourly brake on answers to commands (transcripts, refusals)."""
    recent = outbox.count_recent(session, email, {"command_result", "command_refused"},
                                 now - RATE_WINDOW)
    return recent < settings.gateway.auto_reply_limit
