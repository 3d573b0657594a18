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
* the requester sees the member's words without command lines, quotes, signature or
  a forwarded mail's header block, from the team address, threaded.

What the transcript and the refusal say (a command's result, a refusal's
reason) are :class:`~gateway.core.i18n.Msg` values, said in the recipient's
language when the mail is rendered; events keep their English text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from gateway.actions import trigger
from gateway.config.settings import Member
from gateway.core.errors import InvalidTransition, Refusal
from gateway.core.i18n import Msg
from gateway.core.model import By
from gateway.core.text import blank_lines_stripped
from gateway.notify import answers, views
from gateway.notify.queue import queue_ticket_mail, team, ticket_ref
from gateway.pipeline import command_lines, commands
from gateway.pipeline.command_conflicts import (
    closes_by_merge,
    contradictions,
    done_by_merge,
    run_order,
)
from gateway.pipeline.commands import Applied, CommandOutcome, Refused, Role, repeated
from gateway.pipeline.merging import Merge
from gateway.pipeline.parse import quotes
from gateway.pipeline.parse.forward_headers import begins_with_banner, without_forward_headers
from gateway.pipeline.parse.inline_answers import answers_shown
from gateway.pipeline.parse.inline_comments import comment_names
from gateway.pipeline.parse.signatures import writer_names
from gateway.pipeline.watching import Watch
from gateway.runner import comments
from gateway.runner.after_merge import goes_on, people_of
from gateway.runner.arrival import Arrival
from gateway.runner.command_said import (
    assigned_already,
    changed,
    filed_already,
    has_state_already,
    state_already,
    summary,
    unchanged,
)
from gateway.runner.filing import recategorize
from gateway.runner.notices import action_hold
from gateway.runner.proof import CHANNEL, record_unproven, verify, within_limit
from gateway.runner.relay_files import member_files
from gateway.runner.saved_words import answer_or_nothing, kept_back
from gateway.runner.unsent_files import files_not_sent, not_sent
from gateway.tickets import changes, event_words, merge_watch
from gateway.tickets.priority import set_priority
from gateway.tickets.relay import relay_answer
from store import conversation
from store.models import Ticket


def member_reply(a: Arrival, ticket: Ticket, member: Member, *, words: bool = True) -> str:
    """Apply a verified member's commands, relay the rest, send the transcript.
    ``words=False``: the rest is not for the requester (the mail opened the ticket: a
    forward, or the member's own request); only a saved answer is sent."""
    max_lines = a.settings.gateway.max_command_lines
    names = (*a.writer_names, *writer_names(member.name, member.email))  # configured, too
    parsed = commands.parse_commands(a.msg.new_text, max_lines, names=names)
    if words:  # a note or a command below the member's words is never theirs to read
        parsed = command_lines.below_words(parsed, commands.GRAMMAR, max_lines)
    changes.add_participant(
        a.session, ticket, member.email, "ops", a.now, actor=member.email, channel=CHANNEL
    )
    role = Role.MANAGER if member.role == "manager" else Role.MEMBER
    saved: list[str] = []  # the saved answers /answer asked for, after the member's words
    ran = answer_or_nothing(
        parsed.commands, _run(a, ticket, parsed.commands, role, member.email, saved)
    )
    # what they wrote, without the lines of our mail they answered under one by one, nor
    # the header block of a mail they forwarded (its internal addresses are not theirs),
    # nor our own mail they forwarded back (a notice, its notes)
    kept = _answers(a, ticket, parsed.remaining) if words else ""
    cut = begins_with_banner(a.msg.text)
    kept = without_forward_headers(kept, banner_cut=cut, own=a.settings.own_addresses)
    own_words = blank_lines_stripped(kept)  # their first line's indent is theirs too
    if words and parsed.note is None:  # and their comments marked in the old mail (Outlook)
        own_words = "\n\n".join(t for t in (own_words, _inline_comments(a, ticket, member)) if t)
    with_saved = "\n\n".join(t for t in (own_words, *saved) if t)
    answering = words and parsed.note is None and not kept_back(ran)  # files not sent: said
    outcomes = [*ran, *parsed.ignored, *files_not_sent(a, answering=answering, text=with_saved)]
    on = goes_on(a, ticket)  # after /merge, the words are an answer on the ticket it went into
    if parsed.commands:  # /field or /category may have completed the sheet
        trigger.sheet_changed(
            a.session,
            on,
            a.catalog,
            a.now,
            actor=member.email,
            channel=CHANNEL,
            hold=action_hold(a),
        )
    # after /note the member's words (and files) are the note; the words above a /note
    # written below them (command_lines.below_words) and a saved answer still go
    noted = parsed.note is not None
    relayed = (
        0
        if kept_back(ran)
        else _relay(
            a,
            on,
            member,
            with_saved,
            relay_files=words and not noted,
            audience=None if on is ticket else people_of(a, ticket),
        )
    )
    if outcomes:
        locale = a.settings.locale_of(member)
        _transcript(a, ticket, views.Person(member.email, member.name), outcomes, locale)
    return summary(outcomes) + (f", relayed to {relayed}" if relayed else "")


def _answers(a: Arrival, ticket: Ticket, text: str) -> str:
    """The member's words for the requester: above an answer given inline, the lines it
    answers that a customer wrote or was sent (never our notice's own lines, its notes);
    no other quoted line (:func:`gateway.pipeline.parse.inline_answers.answers_shown`)."""
    if ">" not in text and "＞" not in text and "|" not in text and "｜" not in text:
        return quotes.without_quoted_lines(text, a.msg.text)  # no quote: no query
    return answers_shown(text, a.msg.text, _customers_read(a, ticket))


def _inline_comments(a: Arrival, ticket: Ticket, member: Member) -> str:
    """The member's comments in the old mail they answer, marked with their name as
    Outlook marks them (:mod:`gateway.runner.comments`), each under the lines it answers
    that a customer wrote or was sent; not one the ticket sent already."""
    shown = a.msg.from_.name if a.msg.from_ else ""
    names = comment_names(shown, a.sender) | comment_names(member.name, member.email)
    return comments.comments_of(a, ticket, names, shown=_customers_read(a, ticket))


def _customers_read(a: Arrival, ticket: Ticket) -> Callable[[str], bool]:
    """Whether a line is one a customer of ``ticket`` wrote or was sent; the ticket's
    mails are read at the first line asked about, not for every member's reply (most
    have no comment and no inline answer to show a question for)."""
    seen: frozenset[str] | None = None

    def shown(line: str) -> bool:
        nonlocal seen
        if seen is None:
            members = frozenset(e.lower() for e in a.settings.team)
            seen = conversation.customer_lines(a.session, ticket.id, members)
        return line in seen

    return shown


def requester_reply(a: Arrival, ticket: Ticket, *, replied_to: int | None = None) -> str:
    """A requester may close their own ticket; anyone else on it may give no command.

    Commands count only from a verified path; an unverified mail's commands
    are recorded and answered with nothing (we would be answering a forger).
    ``replied_to``: the ticket whose reply address proves the sender, when the reply
    opened ``ticket`` (a new one linked to it, closed too long ago)."""
    sender = a.sender
    role = customer_role(ticket, sender)
    max_lines = a.settings.gateway.max_command_lines
    parsed = commands.read_commands(a.msg.new_text, max_lines, role, a.writer_names)
    if not parsed.commands and not parsed.ignored:
        return ""
    verdict = verify(a, sender, replied_to or ticket.id)
    if not verdict.ok:  # recorded; no answer: we would be answering a forger
        record_unproven(a, ticket, sender, verdict, parsed.commands, told=False)
        return ", commands not verified (ignored)"
    outcomes = [*_run(a, ticket, parsed.commands, role, sender), *parsed.ignored]
    if within_limit(a, sender):
        _transcript(
            a,
            ticket,
            views.Person(sender, ticket.requester_name if role == Role.REQUESTER else ""),
            outcomes,
            ticket.locale or a.settings.gateway.locale,
            customer=role,
        )
    return summary(outcomes)


def customer_role(ticket: Ticket, sender: str) -> Role:
    """Who a customer is on ``ticket``: its requester, or anyone else on it."""
    return Role.REQUESTER if sender == ticket.requester.lower() else Role.OTHER


def _run(
    a: Arrival,
    ticket: Ticket,
    cmds: Sequence[commands.Command],
    role: Role,
    actor: str,
    saved: list[str] | None = None,
) -> list[CommandOutcome]:
    out: dict[int, CommandOutcome] = {}
    decided = [(cmd, commands.decide(cmd, _context(a, ticket, role, actor))) for cmd in cmds]
    clash = contradictions(decided)  # two values of one thing (/close, /open): neither done
    merge, closes = closes_by_merge(decided)  # a /close beside a /merge: after it, by it
    for i in run_order(len(cmds), merge, closes):
        cmd = cmds[i]
        if i in closes and i not in clash and isinstance(out.get(merge), Applied):
            out[i] = Applied(cmd.line, done_by_merge(cmds[merge].line))
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
    match action:
        case commands.SetState(target, reason):
            changes.change_state(
                session, ticket, target, now, reason=reason, actor=actor, channel=CHANNEL
            )
        case commands.Assign(member) if ticket.assignee == member:
            return assigned_already(member)  # no event, and they are not told again
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
    return changed(action, old, team_zone=a.settings.gateway.timezone)


def _relay(
    a: Arrival,
    ticket: Ticket,
    member: Member,
    text: str,
    *,
    relay_files: bool,
    audience: set[str] | None = None,
) -> int:
    """The member's answer to the requester and every non-member participant (of
    ``audience`` only, when given), with the files of their mail (``relay_files``)
    when the words are an answer."""
    return relay_answer(
        a.session,
        a.settings,
        ticket,
        member,
        text,
        key=f"ops:{a.row.id}",
        now=a.now,
        channel=CHANNEL,
        files=member_files(a) if relay_files and text.strip() else (),
        audience=audience,
    )


def _transcript(
    a: Arrival,
    ticket: Ticket,
    to: views.Person,
    outcomes: Sequence[CommandOutcome],
    locale: str,
    *,
    customer: Role | None = None,
) -> None:
    """What each command did; after a refusal, the commands the writer may give
    (``customer``: a customer's role, whose few commands are all they are shown)."""
    lines = tuple(views.CommandLine(o.line, *_result(o)) for o in outcomes)
    trouble = any(not isinstance(o, Applied) and not (repeated(o) or not_sent(o)) for o in outcomes)
    grammar = commands.grammar_for(customer)
    view = views.CommandResult(
        team=team(a.settings),
        recipient=to,
        ticket=ticket_ref(ticket, a.settings, a.now, a.catalog),
        commands=lines,
        help_text=grammar if trouble else "",
        customer=customer is not None,
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


def _result(o: CommandOutcome) -> tuple[Msg, str]:
    """(what happened in words, and which: applied, refused or ignored)."""
    if isinstance(o, Applied):
        return o.summary, "applied"
    if isinstance(o, Refused):
        return o.why, "refused"
    return o.why, "ignored"
