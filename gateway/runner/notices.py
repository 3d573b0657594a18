"""Which automatic mails a new request causes, queued in its transaction.

A new ticket opened by a person gets one first answer: the acknowledgement, which
also asks for the required fields of its catalog entry the request left out (one
mail, not two); a later reply whose sheet values could not all be stored gets the
same words about them (``fields_refused``), one taken whole gets nothing. Its assignee
gets a new-ticket notice with the whole ticket. The brakes come first:
:func:`gateway.pipeline.loops.may_auto_answer` (auto-replies, bounces, lists, daemons,
ourselves), the per-recipient hourly limit, a team's
switch (``[mail] off``, the entry's ``mails_off``), and whether the message is an
archive being imported (:mod:`gateway.pipeline.archive`: how it arrived and how
old it was then, never its ``Date`` alone). A mail we decide not to send is an
event on the ticket, so "why did the customer get no answer?" has an answer; a
reason that lasts (a machine's request, an archive) keeps the ticket's later
automatic mails to the requester quiet too (``store.conversation.quiet_reason``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import NamedTuple

from gateway.catalog.model import Catalog
from gateway.core import graphemes
from gateway.core.i18n import Msg
from gateway.notify import views
from gateway.notify.brief import ticket_brief
from gateway.notify.queue import (
    RATE_WINDOW,
    queue_ticket_mail,
    reply_address,
    team,
    ticket_ref,
    turned_off,
    under_rate_limit,
)
from gateway.pipeline import archive, commands, loops, said_back, unanswered
from gateway.runner.arrival import Arrival
from gateway.tickets import changes, event_words, to_requester
from store import conversation, merges, tickets
from store.models import Ticket


def acknowledge_new_ticket(
    a: Arrival,
    ticket: Ticket,
    missing: Sequence[views.FieldRequest] = (),
    answers: str = "",
    refused: Sequence[views.RefusedValue] = (),
) -> bool:
    """Queue the acknowledgement (asking for ``missing`` fields, saying why the
    ``refused`` values were not stored), threaded under the
    Message-ID ``answers``, unless a brake forbids it. For a request a member forwarded,
    the requester is not the sender, and their address is checked on its own."""
    if not _may_answer(a, ticket, "acknowledgement"):
        return False
    view = views.Acknowledgement(
        team=team(a.settings),
        recipient=views.Person(ticket.requester, ticket.requester_name),
        ticket=ticket_ref(ticket, a.settings, a.now, a.catalog),
        missing=tuple(missing),
        refused=tuple(refused),
    )
    return (
        queue_ticket_mail(
            a.session,
            a.settings,
            ticket,
            view,
            key=f"ack:{ticket.id}",
            now=a.now,
            in_reply_to=answers,
        )
        is not None
    )


def tell_refused_values(
    a: Arrival,
    ticket: Ticket,
    refused: Sequence[views.RefusedValue],
    missing: Sequence[views.FieldRequest] = (),
) -> bool:
    """Answer a reply whose sheet values were not all stored (a correction that did not
    fit its type), in the ticket's language and as the acknowledgement says it: else the
    requester believes it was taken. The required fields still ``missing`` are asked for
    in the same mail, as the acknowledgement asks. Nothing refused, nothing sent; the
    brakes of every automatic answer apply (a no-reply or list sender, a ticket quiet for
    good, an imported archive, the team's switch, the hourly limit), and a mail not sent
    is an event. The reply's sender is answered: the values were theirs."""
    if not refused:
        return False
    own, envelope = a.settings.own_addresses, a.row.envelope_from
    _, why = loops.may_auto_answer(a.msg, a.verdict, own, envelope, a.settings.team)
    if not why and a.sender.lower() == ticket.requester.lower():
        why = to_requester.quiet(a.session, a.settings, ticket)
    if not why and archived(a):
        why = _too_old(a)
    if not _within_limits(a, ticket, "fields_refused", a.sender, why, lasting=False):
        return False
    view = views.FieldsRefused(
        team=team(a.settings),
        recipient=views.Person(a.sender, a.msg.from_.name if a.msg.from_ else ""),
        ticket=ticket_ref(ticket, a.settings, a.now, a.catalog),
        refused=tuple(refused),
        missing=tuple(missing),
    )
    key = f"fields-refused:{a.row.id}"
    mail = queue_ticket_mail(
        a.session, a.settings, ticket, view, key=key, now=a.now, in_reply_to=a.answer_to
    )
    return mail is not None


def notify_assignee(a: Arrival, ticket: Ticket, catalog: Catalog) -> bool:
    """The new-ticket notice to its assignee, a member (so no loop rules apply, but one
    sender may cause at most ``ops_notices_per_hour`` of them): the whole ticket, and
    the member's own reply address for it."""
    member = a.settings.member(ticket.assignee or "")
    if member is None or archived(a) or not _ops_notice_allowed(a, ticket, "new_ticket"):
        return False
    ref = replace(
        ticket_ref(ticket, a.settings, a.now, a.catalog),
        reply_to=reply_address(a.session, a.settings, ticket.id, member.email),
    )
    view = views.NewTicket(
        team=team(a.settings),
        recipient=views.Person(member.email, member.name),
        ticket=ref,
        brief=ticket_brief(
            a.session, a.settings, catalog, ticket, member, request=a.msg.attachments
        ),
    )
    return (
        queue_ticket_mail(
            a.session,
            a.settings,
            ticket,
            view,
            key=f"new:{ticket.id}",
            now=a.now,
            in_reply_to=a.answer_to,
            locale=a.settings.locale_of(member),
        )
        is not None
    )


class Told(NamedTuple):
    """Who heard of a mail: the inbox row's reason names them, and how they answer for
    the ticket (its assignee, or the manager who has it while nobody on the team does)."""

    email: str
    assignee: bool


def notify_outsider(a: Arrival, ticket: Ticket, *, told: str | None = None) -> Told | None:
    """Tell the assignee (else the entry's manager, else the fallback's:
    Settings.responsible) that someone not on the ticket answered one of its mails: the
    mail is attached, the sender gets nothing. ``told``: a member told already that the
    mail was theirs from another address (never asked to add it). Whom it told, if
    anyone: "the assignee told" was said of a manager told for a ticket nobody held."""
    entry = a.catalog.rules_for(ticket.catalog)  # a removed entry: the fallback's manager
    manager = entry.manager if entry is not None else None
    member = a.settings.member(
        a.settings.responsible(ticket.assignee, manager, a.catalog.team_manager)
    )
    if member is None or member.email == told:
        return None
    if not _ops_notice_allowed(a, ticket, "outsider_reply"):
        return None
    left = left_the_team(a, ticket)
    lines = commands.parse_commands(a.msg.new_text, a.settings.gateway.max_command_lines)
    holds = left and a.sender == (ticket.assignee or "").lower()
    view = views.OutsiderReply(
        team=team(a.settings),
        recipient=views.Person(member.email, member.name),
        ticket=ticket_ref(ticket, a.settings, a.now, a.catalog),
        sender=views.Person(a.sender, a.msg.from_.name if a.msg.from_ else ""),
        excerpt=_excerpt(a.msg.new_text or a.msg.text),
        add_command=f"ticket-gateway tickets add-participant {ticket.id} {a.sender}",
        left_team=left,
        not_done="; ".join(c.line for c in lines.commands) if left else "",
        hand_on=f"ticket-gateway tickets assign {ticket.id}" if holds else "",
    )
    if (
        queue_ticket_mail(
            a.session,
            a.settings,
            ticket,
            view,
            key=f"outsider:{a.row.id}",
            now=a.now,
            locale=a.settings.locale_of(member),
        )
        is None
    ):
        return None
    held = a.settings.on_team(ticket.assignee) and member.email == (ticket.assignee or "").lower()
    return Told(member.email, held)


def left_the_team(a: Arrival, ticket: Ticket) -> bool:
    """The sender worked the ticket as a member (held it, or joined it by acting on it)
    and is not in ``[[members]]`` now: their mail came to a reply address issued to them
    then, and their manager must hear that, not a stranger's story."""
    if not a.settings.members or a.settings.member(a.sender) is not None:
        return False
    if a.sender == (ticket.assignee or "").lower():
        return True
    return (a.sender, tickets.MEMBER_ROLE) in merges.participants(a.session, ticket.id)


def unverified_told(a: Arrival, ticket: Ticket) -> bool:
    """May the member who has the ticket hear of this unverified mail (a tag with no
    proof of its sender)? Anyone can write one under anyone's From, so it is under the
    same hourly brake as a request or a stranger's mail; past it the mail is kept all
    the same, and the ``no-ops-notice`` event says why nobody was told. Asked before
    the mail's own ``unverified`` event is recorded: it counts itself."""
    return _ops_notice_allowed(a, ticket, "ticket_notice", uncounted=1)


# The events that count against a sender's hourly notices to ops, beside the tickets
# they opened (each told to its assignee).
NOTICE_EVENTS = (
    "outsider",  # someone not on the ticket answered one of its mails: the assignee told
    "unverified",  # a mail not proven its sender's (a bare tag, an unproven forward)
)


def _ops_notice_allowed(a: Arrival, ticket: Ticket, kind: str, *, uncounted: int = 0) -> bool:
    """The hourly brake on mail to ops caused by one sender: a flood of requests (or
    of stranger replies, or of unverified mails) must not become a flood of notices.
    A notice not sent is an event, like an answer not sent. ``uncounted``: the mail in
    hand, when nothing of it is recorded yet."""
    since = a.now - RATE_WINDOW
    caused = uncounted + tickets.caused_since(a.session, a.sender, since, NOTICE_EVENTS)
    limit = a.settings.limits.ops_notices_per_hour
    if caused <= limit:
        return True
    why = unanswered.notices_limited(caused, a.sender, limit)
    changes.record(
        a.session,
        ticket,
        "no-ops-notice",
        a.now,
        actor="gateway",
        channel="system",
        detail={"reason": str(why), "mail": kind, **event_words.said(why)},
    )
    return False


def _excerpt(text: str, limit: int = 1200) -> str:
    text = text.strip()
    return text if len(text) <= limit else graphemes.cut(text, limit).rstrip() + " …"


def _may_answer(a: Arrival, ticket: Ticket, kind: str) -> bool:
    allowed, why = loops.may_auto_answer(
        a.msg, a.verdict, a.settings.own_addresses, a.row.envelope_from, a.settings.team
    )
    if allowed and _forwarded(a, ticket):
        why = loops.never_answered(ticket.requester, a.settings.own_addresses, a.settings.team)
        allowed = not why
    answered = _answers_ours(a) if allowed else None
    if answered is not None:
        why, allowed = unanswered.answers_ours(answered), False
    lasting = not allowed  # a machine's request, an address that never reads: quiet for good
    if allowed and archived(a):
        why, lasting = _too_old(a), True
    return _within_limits(a, ticket, kind, ticket.requester, why, lasting=lasting)


def _within_limits(
    a: Arrival, ticket: Ticket, kind: str, to: str, why: Msg | str, *, lasting: bool
) -> bool:
    """The brakes after the message's own (``why``, "" when it passed them): the team's
    switch, then the hourly limit of automatic mail to ``to``; a mail not sent is an event."""
    if not why:
        why = turned_off(kind, a.settings, a.catalog.rules_for(ticket.catalog))
    if not why:
        ok, recent = under_rate_limit(a.session, to, a.settings, a.now)
        why = "" if ok else unanswered.rate_limited(to, recent)
    if why:
        changes.no_auto_answer(a.session, ticket, a.now, why=why, mail=kind, lasting=lasting)
    return not why


def _too_old(a: Arrival) -> Msg:
    """Why an archive's message is not answered: its age, or that it has none."""
    return unanswered.too_old(a.msg.date) if a.msg.date is not None else unanswered.UNDATED


# the kinds a machine of ours writes (an Auto-Submitted header): what a robot answers
_AUTOMATIC = frozenset(k.name for k in views.MAIL_KINDS.values() if k.auto_submitted)


def _answers_ours(a: Arrival) -> int | None:
    """The ticket of an automatic mail of ours that this new request answers, by its
    subject (:mod:`.said_back`): one on the ticket a stranger's tag names, or one we
    sent its sender lately. A robot's answer to ours, acknowledged, answers again, one
    round more each time; None when it answers none."""
    linked = a.route.linked_ticket_id if a.route is not None else None
    ours = conversation.sent_subjects(a.session, linked, _AUTOMATIC) if linked else []
    since = a.now - said_back.WINDOW
    ours += conversation.subjects_sent_to(a.session, a.sender, _AUTOMATIC, since)
    return said_back.repeated(a.msg.subject, ours, a.settings.gateway.tag_prefix)


def _forwarded(a: Arrival, ticket: Ticket) -> bool:
    """The ticket is for someone else than the sender: a member forwarded their mail."""
    return ticket.requester.lower() != a.sender.lower()


def action_hold(a: Arrival) -> Msg | None:
    """Why a completed sheet must not start its action now (None when it may): an imported
    archive's years-old request (or an undated one: of any age) must not create accounts
    today, as it gets no answer."""
    if not archived(a):
        return None
    if a.msg.date is None:
        return unanswered.UNDATED_TO_ACT
    return unanswered.too_old_to_act(a.msg.date.date())


def archived(a: Arrival) -> bool:
    """An archive being imported (bulk, and dated well before it arrived or not dated
    at all): filed, quiet."""
    return archive.is_archive(a.row.bulk, a.msg.date, a.row.received_at)
