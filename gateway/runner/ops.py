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
from gateway.core.i18n import Msg
from gateway.core.text import blank_lines_stripped
from gateway.notify import views
from gateway.notify.queue import queue_ticket_mail, team, ticket_ref
from gateway.pipeline import command_lines, commands
from gateway.pipeline.commands import Applied, CommandOutcome, Refused, Role, repeated
from gateway.pipeline.merging import merged_requester
from gateway.pipeline.parse import quotes
from gateway.pipeline.parse.forward_headers import begins_with_banner, without_forward_headers
from gateway.pipeline.parse.inline_answers import answers_shown
from gateway.pipeline.parse.inline_comments import comment_names
from gateway.pipeline.parse.signatures import writer_names
from gateway.runner import comments
from gateway.runner.after_merge import goes_on, people_of
from gateway.runner.arrival import Arrival
from gateway.runner.command_run import run
from gateway.runner.command_said import summary
from gateway.runner.notices import action_hold
from gateway.runner.proof import CHANNEL, record_unproven, verify, within_limit
from gateway.runner.relay_files import member_files
from gateway.runner.saved_words import answer_or_nothing, kept_back
from gateway.runner.unsent_files import files_not_sent, not_sent
from gateway.tickets import changes
from gateway.tickets.relay import relay_answer
from store import conversation, merges, tickets
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
        parsed.commands, run(a, ticket, parsed.commands, role, member.email, saved)
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
    outcomes = [*run(a, ticket, parsed.commands, role, sender), *parsed.ignored]
    merged = _merged_request(a, ticket, sender) if role == Role.OTHER else None
    if merged is not None:  # their own ticket went into this one: not theirs to command
        outcomes = [_merged_away(o, merged.id) for o in outcomes]
    name = ticket.requester_name if role == Role.REQUESTER else ""
    if within_limit(a, sender):
        _transcript(
            a,
            ticket,
            views.Person(sender, merged.requester_name if merged is not None else name),
            outcomes,
            (merged.locale if merged is not None else ticket.locale) or a.settings.gateway.locale,
            customer=role,
        )
    return summary(outcomes)


def _merged_request(a: Arrival, ticket: Ticket, sender: str) -> Ticket | None:
    """The ticket ``sender`` asked for that was merged into ``ticket``, if any: their
    reply to it threads here (:func:`store.merges.final`), where they are not the
    requester, and a refusal as of a stranger ("only ops members may use commands"),
    of a ticket they never saw, would tell them nothing they could act on."""
    for source in merges.sources(a.session, ticket.id):
        asked = tickets.get(a.session, source)
        if asked is not None and asked.requester.lower() == sender:
            return asked
    return None


def _merged_away(outcome: CommandOutcome, source: int) -> CommandOutcome:
    """A merged ticket's requester's refused command, told why in their terms."""
    if not isinstance(outcome, Refused):
        return outcome
    return Refused(outcome.line, merged_requester(source))


def customer_role(ticket: Ticket, sender: str) -> Role:
    """Who a customer is on ``ticket``: its requester, or anyone else on it."""
    return Role.REQUESTER if sender == ticket.requester.lower() else Role.OTHER


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
