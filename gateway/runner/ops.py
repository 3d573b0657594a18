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
language when the mail is rendered; events keep their English text. What a reply
did is returned as data (:class:`~gateway.runner.commands_ran.Ran`): the row's
English record and ``ingest``'s sentence are both made from it.

The work is split by job: :mod:`~gateway.runner.command_run` carries out the
commands, :mod:`~gateway.runner.member_words` chooses and relays the words,
:mod:`~gateway.runner.transcript` sends the transcript; this module decides, for a
member's reply and a customer's, which of these happen.
"""

from __future__ import annotations

from gateway.actions import trigger
from gateway.config.settings import Member
from gateway.core.text import blank_lines_stripped
from gateway.notify import views
from gateway.pipeline import command_lines, commands
from gateway.pipeline.commands import CommandOutcome, Refused, Role
from gateway.pipeline.merging import merged_requester
from gateway.pipeline.parse.forward_headers import begins_with_banner, without_forward_headers
from gateway.pipeline.parse.signatures import writer_names
from gateway.runner import member_words
from gateway.runner.after_merge import goes_on, people_of
from gateway.runner.arrival import Arrival
from gateway.runner.command_run import run_commands
from gateway.runner.commands_ran import NOTHING, Ran
from gateway.runner.notices import action_hold
from gateway.runner.proof import CHANNEL, record_unproven, verify, within_limit
from gateway.runner.saved_words import answer_or_nothing, kept_back
from gateway.runner.transcript import send_transcript
from gateway.runner.unsent_files import files_not_sent
from gateway.tickets import changes
from store import merges, tickets
from store.models import Ticket


def member_reply(a: Arrival, ticket: Ticket, member: Member, *, words: bool = True) -> Ran:
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
        parsed.commands, run_commands(a, ticket, parsed.commands, role, member.email, saved)
    )
    # what they wrote, without the lines of our mail they answered under one by one, nor
    # the header block of a mail they forwarded (its internal addresses are not theirs),
    # nor our own mail they forwarded back (a notice, its notes)
    kept = member_words.answers(a, ticket, parsed.remaining) if words else ""
    cut = begins_with_banner(a.msg.text)
    kept = without_forward_headers(kept, banner_cut=cut, own=a.settings.own_addresses)
    own_words = blank_lines_stripped(kept)  # their first line's indent is theirs too
    if words and parsed.note is None:  # and their comments marked in the old mail (Outlook)
        marked = member_words.inline_comments(a, ticket, member)
        own_words = "\n\n".join(t for t in (own_words, marked) if t)
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
        else member_words.relay(
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
        send_transcript(a, ticket, views.Person(member.email, member.name), outcomes, locale)
    return Ran.of(outcomes, relayed=relayed)


def requester_reply(a: Arrival, ticket: Ticket, *, replied_to: int | None = None) -> Ran:
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
        return NOTHING
    verdict = verify(a, sender, replied_to or ticket.id)
    if not verdict.ok:  # recorded; no answer: we would be answering a forger
        record_unproven(a, ticket, sender, verdict, parsed.commands, told=False)
        return Ran(unverified=True)
    outcomes = [*run_commands(a, ticket, parsed.commands, role, sender), *parsed.ignored]
    merged = _merged_request(a, ticket, sender) if role == Role.OTHER else None
    if merged is not None:  # their own ticket went into this one: not theirs to command
        outcomes = [_merged_away(o, merged.id) for o in outcomes]
    name = ticket.requester_name if role == Role.REQUESTER else ""
    if within_limit(a, sender):
        send_transcript(
            a,
            ticket,
            views.Person(sender, merged.requester_name if merged is not None else name),
            outcomes,
            (merged.locale if merged is not None else ticket.locale) or a.settings.gateway.locale,
            customer=role,
        )
    return Ran.of(outcomes)


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
