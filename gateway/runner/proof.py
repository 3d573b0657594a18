"""Who asked: whether a mail proves it comes from the member it names, and what is
done when it does not.

Nothing changes a ticket without proof (a reply token, or trusted and well-formed
authentication results); an unproven mail is recorded as a ``security`` event and the
member it names is told why at their *configured* address, under the hourly brake of
automatic mail, so a forger can neither act nor mail-bomb them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from gateway.config.settings import Member
from gateway.core.i18n import N_, Msg
from gateway.core.tokens import ReplyKeys
from gateway.notify import views
from gateway.notify.queue import queue_ticket_mail, team, ticket_ref, under_rate_limit
from gateway.pipeline import authz, commands
from gateway.pipeline.auth_results import MAX_HEADER_BLOCK
from gateway.runner.arrival import Arrival
from gateway.tickets import changes, event_words
from store import merges
from store.installation import reply_keys
from store.models import Ticket
from store.tickets import MEMBER_ROLE

CHANNEL = "email"
NO_COMMAND = N_("(your reply)")  # what the refusal names when the mail had no command line


def verify(a: Arrival, email: str, ticket_id: int) -> authz.Verdict:
    """Whether this mail may act for ``email`` on the ticket (token or trusted DKIM/DMARC).
    A reply address issued for a ticket merged into this one counts for it (#19)."""
    per_person = a.settings.gateway.per_person_domains
    return _first_proof(
        a,
        ticket_id,
        lambda tid, keys: authz.verify_sender(
            a.row.head(MAX_HEADER_BLOCK),  # the header block: a big mail is not read whole
            a.recipients,
            email,
            tid,
            keys=keys,
            gateway_address=a.settings.gateway.address,
            trusted_authserv_ids=trusted_ids(a),
            per_person_domains=per_person,
            list_from=_list_from(a),
        ),
    )


def _first_proof(
    a: Arrival, ticket_id: int, check: Callable[[int, ReplyKeys], authz.Verdict]
) -> authz.Verdict:
    """``check`` on the ticket, then on each ticket merged into it, until one proves
    the sender; else the ticket's own refusal (it says why in the reader's terms)."""
    keys = reply_keys(a.session, a.settings.gateway.reply_key())
    first = check(ticket_id, keys)
    if first.ok or ticket_id == NO_TICKET:
        return first
    proven = (check(tid, keys) for tid in merges.sources(a.session, ticket_id))
    return next((v for v in proven if v.ok), first)


# the ticket a mail that opens one is checked against: none has it, so only a trusted
# DKIM/DMARC pass can prove its sender (a new ticket has no reply address yet)
NO_TICKET = 0


def verify_opening(a: Arrival, email: str) -> authz.Verdict:
    """Whether a mail that opens a ticket (a member's forward) proves it comes from
    ``email``: a trusted DKIM/DMARC pass, as :func:`verify` reads one."""
    return verify(a, email, NO_TICKET)


def vouch(a: Arrival, email: str, ticket_id: int) -> authz.Verdict:
    """Whether a customer's words in this mail may be filed as ``email``'s reply
    (token, or a trusted DKIM/DMARC pass for their domain: :func:`authz.vouches_for_words`).
    A reply address issued for a ticket merged into this one counts for it (#19)."""
    return _first_proof(
        a,
        ticket_id,
        lambda tid, keys: authz.vouches_for_words(
            a.row.head(MAX_HEADER_BLOCK),  # the header block: a big mail is not read whole
            a.recipients,
            email,
            tid,
            keys=keys,
            gateway_address=a.settings.gateway.address,
            trusted_authserv_ids=trusted_ids(a),
            list_from=_list_from(a),
        ),
    )


def _list_from(a: Arrival) -> str:
    """The From a mailing list wrote over the sender's, if it did ("" if not)."""
    return a.msg.list_from.email if a.msg.list_from is not None else ""


def trusted_ids(a: Arrival) -> tuple[str, ...]:
    """The authserv-ids whose Authentication-Results this mail's proof may rest on: none
    when it came over SMTP/LMTP from a peer outside ``[smtp] trusted_networks`` that did
    not log in (anyone could have written them there, with our MTA's id); our MTAs'
    otherwise (the listener's trusted peers, the MTA's pipe, the mailbox IMAP reads)."""
    return () if a.row.untrusted_peer else a.settings.gateway.trusted_authserv_ids


def refuse_unverified(a: Arrival, ticket: Ticket, member: Member, verdict: authz.Verdict) -> str:
    """Record the attempt and tell the member (at their configured address) why."""
    parsed = commands.parse_commands(a.msg.new_text, a.settings.gateway.max_command_lines)
    told = within_limit(a, member.email, REFUSALS)
    record_unproven(a, ticket, member.email, verdict, parsed.commands, told=told)
    if told:
        old = former_address(a, ticket)
        why = unverified(verdict) if old is None else at_old_address(old, ticket.id, member)
        _tell(a, ticket, member, why, parsed.commands)
    return f"not verified as {member.email}: {verdict.reason}"


def former_address(a: Arrival, ticket: Ticket) -> str | None:
    """The address no longer in the team whose reply address for the ticket the mail came
    to (its assignee, or one who worked it as a member), if any: a member's old address
    when theirs changed, which they write to from the new one."""
    keys = reply_keys(a.session, a.settings.gateway.reply_key())
    worked = [e for e, role in merges.participants(a.session, ticket.id) if role == MEMBER_ROLE]
    return next(
        (
            e
            for e in dict.fromkeys([(ticket.assignee or "").lower(), *worked])
            if e
            and a.settings.member(e) is None
            and authz.token_issued_to(a.recipients, e, ticket.id, keys, a.settings.gateway.address)
        ),
        None,
    )


def at_old_address(old: str, ticket_id: int, member: Member) -> Msg:
    """Why a member's mail from their new address to their old one's did nothing, and the
    one step that lets them work the ticket by mail again."""
    command = f"ticket-gateway tickets assign {ticket_id} {member.email}"
    return N_(
        "nothing was changed or sent: it came to the reply address issued to {old}, an "
        "address no longer in the team, and proves nothing about who wrote it. If that was "
        "your address, have the ticket given to your address now ({command}); its mails "
        "then carry reply addresses of yours",
        old=old,
        command=command,
    )


def _tell(
    a: Arrival, ticket: Ticket, member: Member, reason: Msg, lines: Sequence[commands.Command]
) -> None:
    """The member hears, at their configured address, that their mail did nothing."""
    view = views.CommandRefused(
        team=team(a.settings),
        recipient=views.Person(member.email, member.name),
        ticket=ticket_ref(ticket, a.settings, a.now, a.catalog),
        command="; ".join(c.line for c in lines) or NO_COMMAND,
        reason=reason,
        help_text=commands.HELP,
    )
    queue_ticket_mail(
        a.session,
        a.settings,
        ticket,
        view,
        key=f"refused:{a.row.id}",
        now=a.now,
        locale=a.settings.locale_of(member),
    )


def token_holder(a: Arrival, ticket_id: int) -> Member | None:
    """The member whose reply address for the ticket (or for one merged into it) the
    mail came to, whoever wrote it."""
    keys = reply_keys(a.session, a.settings.gateway.reply_key())
    ids = (ticket_id, *merges.sources(a.session, ticket_id))
    address = a.settings.gateway.address
    return next(
        (
            m
            for m in a.settings.members
            if any(authz.token_issued_to(a.recipients, m.email, t, keys, address) for t in ids)
        ),
        None,
    )


def tell_other_address(a: Arrival, ticket: Ticket) -> Member | None:
    """A mail that came to a member's reply address from an address that is not theirs
    (their phone's private account) proves nothing and does nothing; the member it was
    issued to believed their answer had gone, so they are told, at their configured
    address and under the hourly brake, from which address to send it again (a colleague
    or a customer they forwarded our mail to is told of no more than the mail's own
    From). The member told, else None."""
    holder = token_holder(a, ticket.id)
    if holder is None or holder.email == a.sender or not within_limit(a, holder.email, REFUSALS):
        return None
    lines = commands.parse_commands(a.msg.new_text, a.settings.gateway.max_command_lines)
    _tell(a, ticket, holder, from_elsewhere(a.sender, holder.email), lines.commands)
    return holder


def from_elsewhere(sender: str, email: str) -> Msg:
    return N_(
        "it came to the reply address issued to you, but from {sender}, not from your "
        "address {email}: mail from another address of yours proves nothing, so nothing "
        "was changed or sent; send it again from {email}",
        sender=sender,
        email=email,
    )


def record_unproven(
    a: Arrival,
    ticket: Ticket,
    actor: str,
    verdict: authz.Verdict,
    lines: Sequence[commands.Command],
    *,
    told: bool,
) -> None:
    """The ``security`` event of a mail whose commands were not carried out because it
    could not prove it came from ``actor``: why (in English, and said in each reader's
    language), the mail, its command lines, and whether the person was told."""
    changes.record(
        a.session,
        ticket,
        "security",
        a.now,
        actor=actor,
        channel=CHANNEL,
        detail={
            "reason": verdict.reason,
            "message_id": a.msg.message_id,
            "inbox": a.row.id,
            "envelope_from": a.row.envelope_from,
            "commands": [c.line for c in lines],
            "told": told,
            **event_words.said(verdict.why),
        },
    )


def unverified(verdict: authz.Verdict) -> Msg:
    """Why a member's unproven mail did nothing, in words for the member."""
    return N_("nothing was changed or sent: {reason}", reason=verdict.why)


# What the hourly brake counts for a member, one set per kind of answer (each the mails
# of that kind already sent to them in the hour):
COMMAND_ANSWERS = frozenset({"command_result", "command_refused"})  # a transcript or refusal
# a notice that a mail of theirs did nothing: counted over those alone, not their own
# transcripts (one per reply they work a ticket with: five in an hour left the sixth
# mail that changed nothing untold)
REFUSALS = frozenset({"command_refused"})


def within_limit(a: Arrival, email: str, kinds: frozenset[str] = COMMAND_ANSWERS) -> bool:
    """Answers to a member share the hourly brake of every automatic mail, counted per
    recipient over ``kinds``."""
    ok, _ = under_rate_limit(a.session, email, a.settings, a.now, kinds)
    return ok
