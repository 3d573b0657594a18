"""A reply's decided commands carried out, one by one, through the tickets service.

Kept apart from :mod:`gateway.runner.ops` (which reads a reply, relays its words and
sends its transcript): this is where each command line becomes a change or a refusal.
The decisions are the pure :mod:`gateway.pipeline.commands` and its conflict rules; a
refusal is an event (``command-refused``) with its English reason, and each outcome
carries what it did as a :class:`~gateway.core.i18n.Msg` for the transcript.
"""

from __future__ import annotations

from collections.abc import Sequence

from gateway.actions import trigger
from gateway.core.errors import AlreadyDone, InvalidTransition, Refusal
from gateway.core.i18n import Msg
from gateway.core.model import By
from gateway.notify import answers
from gateway.pipeline import commands
from gateway.pipeline.command_conflicts import (
    closes_by_merge,
    contradictions,
    done_by_merge,
    run_order,
)
from gateway.pipeline.commands import Applied, CommandOutcome, Refused, Role
from gateway.pipeline.merging import Merge
from gateway.pipeline.watching import Watch
from gateway.runner import merge_open
from gateway.runner.arrival import Arrival
from gateway.runner.command_said import (
    assigned_already,
    changed,
    filed_already,
    has_state_already,
    state_already,
    unchanged,
)
from gateway.runner.filing import recategorize
from gateway.runner.proof import CHANNEL
from gateway.tickets import changes, event_words, merge_watch
from gateway.tickets.priority import set_priority
from store.models import Ticket


def run_commands(
    a: Arrival,
    ticket: Ticket,
    cmds: Sequence[commands.Command],
    role: Role,
    actor: str,
    saved: list[str] | None = None,
) -> list[CommandOutcome]:
    """One outcome per command of ``cmds``, in their order (run in the order the
    conflict rules give: a ``/close`` beside a ``/merge`` after it, a ``/open`` that
    reopens its closed target before it, :mod:`gateway.runner.merge_open`); ``saved``: the
    saved answers ``/answer`` asked for are appended to it."""
    out: dict[int, CommandOutcome] = {}
    decided = [(cmd, commands.decide(cmd, _context(a, ticket, role, actor))) for cmd in cmds]
    clash = contradictions(decided)  # two values of one thing (/close, /open): neither done
    merge, closes = closes_by_merge(decided)  # a /close beside a /merge: after it, by it
    target, opens = merge_open.opens_for_target(a, ticket, decided, merge)  # its /open: before
    for i in run_order(len(cmds), merge, closes, opens):
        cmd = cmds[i]
        if i in closes and i not in clash and isinstance(out.get(merge), Applied):
            out[i] = Applied(cmd.line, done_by_merge(cmds[merge].line))
            continue
        if target is not None and i in opens and i not in clash:
            out[i] = Applied(cmd.line, merge_open.reopen(a, target, actor))
            continue
        decision = (
            Refused(cmd.line, clash[i])
            if i in clash
            else commands.decide(cmd, _context(a, ticket, role, actor))
        )
        try:
            outcome: CommandOutcome = (
                decision
                if isinstance(decision, Refused)
                else Applied(cmd.line, state_already(ticket.state))
                if has_state_already(ticket, decision, reason_named=bool(cmd.arg))
                else Applied(cmd.line, _apply(a, ticket, decision, actor, role, saved))
            )
        except InvalidTransition as exc:
            outcome = Refused(cmd.line, exc.message)
        except trigger.ApprovalRefused as exc:
            outcome = Refused(cmd.line, exc.reason)
        except answers.AnswerError as exc:
            outcome = Refused(cmd.line, exc.why)
        except AlreadyDone as exc:  # /cc add of a watcher: no change, said among the applied
            outcome = Applied(cmd.line, exc.why)
        except Refusal as exc:  # a merge or a watcher the rules refuse
            outcome = Refused(cmd.line, exc.why)
        if not isinstance(outcome, Applied):
            changes.record(
                a.session,
                ticket,
                "command-refused",
                a.now,
                actor=actor,
                channel=CHANNEL,
                detail={
                    "line": cmd.line,
                    "reason": outcome.reason,
                    **event_words.said(outcome.why),
                },
            )
        out[i] = outcome
    return [out[i] for i in range(len(cmds))]


def _context(a: Arrival, ticket: Ticket, role: Role, actor: str) -> commands.CommandContext:
    """The facts a command is decided on, as the ticket stands now (an earlier line of
    the reply may have changed its priority)."""
    return commands.CommandContext(
        role,
        [m.email for m in a.settings.members],
        [e.id for e in a.catalog.entries],
        a.catalog.entry(ticket.catalog),
        a.now,
        a.settings.zone_of(actor),  # "/due 2026-12-05" is the 5th where they are
        priority=ticket.priority,
        answers=tuple(answers.available(a.settings.answers.dir)) if role != Role.OTHER else (),
        tag_prefix=a.settings.gateway.tag_prefix,
        member_names={m.email: m.name for m in a.settings.members},
        catalog=a.catalog.entries,
        entry_id=ticket.catalog,
        priority_markers=a.settings.priority.markers,
    )


def _apply(
    a: Arrival,
    ticket: Ticket,
    action: commands.Action,
    actor: str,
    role: Role,
    saved: list[str] | None,
) -> Msg:
    """Carry out one decided command through gateway.tickets.changes; what changed, in words."""
    session, now = a.session, a.now
    who: By = {"actor": actor, "channel": CHANNEL}
    old = ticket.state
    names = {m.email: m.name for m in a.settings.members if m.name}  # /assign's member
    match action:
        case commands.SetState(target, reason):
            changes.change_state(
                session, ticket, target, now, reason=reason, actor=actor, channel=CHANNEL
            )
        case commands.Assign(member) if ticket.assignee == member:
            return assigned_already(member, names)  # no event, and they are not told again
        case commands.Assign(member):
            changes.assign(session, ticket, member, now, **who)
        case commands.SetCategory(entry_id) if ticket.catalog == entry_id:
            return filed_already(a.catalog.entry(entry_id), entry_id)  # no event
        case commands.SetCategory(entry_id):
            zone = a.settings.gateway.timezone  # the request's day is read in it
            taken = recategorize(session, ticket, entry_id, a.catalog, now, zone=zone, **who)
            return changed(action, old, taken, a.catalog.entry(entry_id))
        case commands.SetDue(due):
            changes.set_due(session, ticket, due, now, **who)
        case commands.SetField(name, value):
            entry = a.catalog.entry(ticket.catalog)
            if not changes.set_field(session, ticket, name, value, now, entry=entry, **who):
                return unchanged(action, entry)  # the sheet held it: no event, no notice
            return changed(action, old, entry=entry)
        case commands.AddNote(text):
            changes.add_note(session, ticket, text, now, **who)
        case commands.Approve():
            return trigger.approve(session, a.settings.members, a.catalog, ticket, now, **who)
        case commands.SetPriority(level):
            set_priority(
                session, ticket, level, now, actor=actor, channel=CHANNEL, source="command"
            )
        case commands.UseAnswer(name):
            text, locale = answers.for_ticket(session, a.settings, a.catalog, ticket, name)
            changes.record(
                session, ticket, "answer", now, detail={"name": name, "locale": locale}, **who
            )
            (saved if saved is not None else []).append(text)
        case Merge() | Watch():
            merge_watch.apply(
                session, a.settings, ticket, action, now, by_requester=role == Role.REQUESTER, **who
            )
    return changed(action, old, team_zone=a.settings.gateway.timezone, names=names)
