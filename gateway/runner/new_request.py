"""Stage "new request": open the ticket, file it, answer, tell the assignee.

A message that threads to no ticket opens one (linked to the ticket its subject
tag named, or to the closed ticket it answered too late). The catalog files
it and reads its parameter sheet (:mod:`gateway.runner.filing`); the brakes of
:mod:`gateway.runner.notices` decide which automatic mails go out.

A member who forwards someone's mail to the support address (inline, or attached
as ``message/rfc822``: :mod:`gateway.pipeline.forward`) opens the ticket for the
original sender: they are its requester, their words are filed and answered; the
member is who filed it (the ``created`` event's actor, ``forwarded_by``), and is
never answered as if they were the customer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from gateway.actions import trigger
from gateway.catalog.model import Catalog
from gateway.catalog.sheet import BadValue, example_for, key_to_write
from gateway.core import graphemes
from gateway.core.i18n import LOCALES, N_, Msg, translate
from gateway.core.model import ParsedMessage
from gateway.core.text import has_japanese, with_nul_replaced
from gateway.core.title import one_line
from gateway.notify import views
from gateway.pipeline import carried_mail, commands, forward, loops, thread
from gateway.pipeline.parse import quotes
from gateway.pipeline.parse.attachment_data import attachment_data
from gateway.pipeline.parse.message import parse_message
from gateway.runner import filing, new_said, notices, ops, proof
from gateway.runner.arrival import Arrival
from gateway.runner.commands_ran import NOTHING, Ran
from gateway.runner.messages import attach
from gateway.runner.priority import initial_priority
from gateway.runner.verdicts import Done
from gateway.tickets import changes
from store.models import Ticket


def new_request(a: Arrival) -> Arrival | Done:
    """Only for a message that belongs to no ticket yet; the rest goes on."""
    if a.thread.ticket_id is not None:
        return a
    linked = a.thread.linked_ticket_id
    original = forwarded(a)
    ticket, summary, clauses = open_new(
        _carried_whole(a) if original is None else a, linked, original
    )
    how = f", forwarded by {a.sender}" if original is not None else ""
    ran = _member_commands(a, ticket)
    said = new_said.new_ticket(linked, a.sender if original is not None else None, clauses, ran)
    return Done(
        ticket.id,
        f"new ticket{f' (linked to #{linked})' if linked else ''}{how}{summary}{ran.record()}",
        said,
    )


def _carried_whole(a: Arrival) -> Arrival:
    """A new request whose sender wrote nothing above the mail it carries (a forward
    sent on without a word: Outlook's begins with the old mail's From:/Sent: block,
    which the parse reads as quoted history, leaving no new text): that mail is the
    request, and its words file the ticket and fill its sheet as typed words would (so
    does the text a member's own invite is shown with, ``Arrival.shown``). In a reply
    to a ticket the same block is old mail, and stays unread. Commands are read from
    the sender's own words only (:func:`_member_commands` keeps ``a``)."""
    msg = a.msg
    carried = "" if msg.new_text.strip() else quotes.without_signature(msg.text) or a.shown
    return replace(a, parsed=replace(msg, new_text=carried)) if carried else a


def _member_commands(a: Arrival, ticket: Ticket) -> Ran:
    """A member's commands above the mail that opened ``ticket`` ("/priority high" over a
    customer's mail they forward, or over their own request) act on it when the mail
    proves the member (a trusted DKIM/DMARC pass: a new ticket has no reply address
    yet), else they change nothing and the member is told; their words are not an
    answer to anyone."""
    member = a.settings.member(a.sender)
    if member is None or a.automated or a.submission is not None:
        return NOTHING
    found = commands.parse_commands(a.msg.new_text, a.settings.gateway.max_command_lines)
    if not any(c.name in commands.GRAMMAR for c in found.commands):
        return NOTHING  # "/var is full on db1": a request about a path, no command meant
    verdict = proof.verify(a, member.email, ticket.id)
    if not verdict.ok:
        return Ran(refused_unproven=proof.refuse_unverified(a, ticket, member, verdict))
    return ops.member_reply(a, ticket, member, words=False)


def forwarded(a: Arrival) -> forward.Original | None:
    """A member's forward of someone else's mail (not a member's, not ours), or None."""
    if a.submission is not None or a.automated or a.settings.member(a.sender) is None:
        return None

    def attached(sha256: str) -> ParsedMessage | None:
        data = attachment_data(a.row.raw, sha256)
        return with_nul_replaced(parse_message(data)) if data is not None else None

    found = forward.find_original(a.msg, attached)
    if found is None or a.settings.member(found.sender.email) is not None:
        return None
    return None if loops.is_own_address(found.sender.email, a.settings.own_addresses) else found


# The title of a ticket whose mail has no subject, in the requester's language: it is
# the ticket's title in every mail about it, so a Japanese requester's reads Japanese.
NO_SUBJECT = N_("(no subject)")


def open_new(
    a: Arrival, linked: int | None, original: forward.Original | None = None
) -> tuple[Ticket, str, list[Msg]]:
    """Open, file under the catalog, then queue the mails a new ticket causes; the
    English record of what was done and the same as clauses for a person (new_said).
    ``original``: the forwarded mail the ticket is for (its sender is the requester)."""
    msg = request = a.msg
    cc, left_out = _capped_cc(a)
    requester, participants = a.sender, cc
    detail: dict[str, object] = {"message_id": msg.message_id, "source": a.row.source}
    proven = None  # for a forward: whether the mail proves the member who forwarded it
    if original is not None:
        request = replace(
            msg,
            from_=original.sender,
            subject=original.subject or msg.subject,
            text=original.text,
            new_text=original.text,
        )
        proven = proof.verify_opening(a, a.sender)
        # unproven, it is the forwarded sender's own mail as far as we know (anyone can
        # write a member's From over a made-up forward): the member gets no standing
        member = [(a.sender, "ops")] if proven.ok else []
        requester, participants, left_out = original.sender.email, member, []
        detail.update(forwarded_by=a.sender, forward=original.how, forward_verified=proven.ok)
        if not quotes.without_signature(original.text):  # a mail with no body: named
            request = _named(a, request, original)
        a = replace(a, parsed=replace(msg, new_text=request.new_text), shown=request.text)
    chosen = a.submission.locale if a.submission is not None else ""
    locale = guess_locale(request, a.settings.gateway.locale, chosen)
    ticket = changes.open_ticket(
        a.session,
        subject=thread.base_subject(request.subject, a.settings.gateway.tag_prefix)
        or translate(NO_SUBJECT, locale),
        requester=requester,
        requester_name=request.from_.name if request.from_ else "",
        locale=locale,
        participants=[
            (email, role)
            for email, role in [(requester, "requester"), *participants]
            if not loops.is_own_address(email, a.settings.own_addresses)
        ],
        now=a.now,
        actor=a.sender,
        channel=a.channel,
        linked_ticket_id=linked,
        detail={**detail, **_door(a)},
    )
    attach(a, ticket, kind="request", touch=True)
    if proven is not None and not proven.ok:  # said on the page and in the history
        changes.record(
            a.session,
            ticket,
            "unverified",
            a.now,
            actor=a.sender,
            channel=a.channel,
            detail={
                "via": "forward",
                "message_id": msg.message_id,
                "inbox": a.row.id,
                "reason": proven.reason,
            },
        )
    if left_out:  # on the message's Cc (it is stored whole), but never mailed
        changes.record(
            a.session,
            ticket,
            "participants-limited",
            a.now,
            actor="gateway",
            channel="system",
            detail={
                "limit": a.settings.limits.max_participants,
                "not_added": len(left_out),
                "first_not_added": left_out[:20],
            },
        )
    filed = filing.categorize_new_ticket(
        a.session,
        ticket,
        request,
        a.catalog,
        a.settings,
        a.now,
        chosen=a.submission,
        foresight=a.foresight,
        today=a.today,
    )
    level = initial_priority(a, ticket, request, a.catalog)  # before the notices show it
    trigger.sheet_changed(
        a.session,
        ticket,
        a.catalog,
        a.now,
        actor=a.sender,
        channel=a.channel,
        hold=notices.action_hold(a),
    )
    locale = ticket.locale or "en"
    missing = field_requests(a.catalog, filed.entry_id, filed.missing, locale)
    refused = refused_values(a.catalog, filed.entry_id, filed.rejected, filed.missing, locale)
    answers = original.message_id if original is not None else a.answer_to
    acked = notices.acknowledge_new_ticket(a, ticket, missing, answers, refused)
    if not (acked and (ticket.assignee or "").lower() == ticket.requester.lower()):
        # a member's own request: the acknowledgement is their one mail of it
        notices.notify_assignee(a, ticket, a.catalog)
    clauses = new_said.filed_clauses(filed.entry_id, level, acked, len(missing))
    record = (
        f", filed under {filed.entry_id}"
        + (f", priority {level}" if level != "normal" else "")
        + ("" if acked else ", not acknowledged")
        + (
            f", asked for {len(missing)} field{'' if len(missing) == 1 else 's'}"
            if acked and missing
            else ""
        )
    )
    return ticket, record, clauses


def _named(a: Arrival, request: ParsedMessage, original: forward.Original) -> ParsedMessage:
    """``request`` (a forward's original) with the line naming the forwarded mail as its
    text, when that mail has none: the ticket showed nothing. In the language the
    ticket will be in (its subject's, else the team's), as the other lines we write."""
    locale = guess_locale(replace(request, text=""), a.settings.gateway.locale)
    zone = a.settings.gateway.timezone
    line = carried_mail.empty_mail_line(
        original.subject, original.sender, original.date, locale, zone
    )
    return replace(request, text=line, new_text=line)


def _door(a: Arrival) -> dict[str, object]:
    """A chat submission's place (channel, thread, permalink): kept on the created event,
    and the tickets service opens the ticket's chat thread there."""
    if a.submission is None or a.submission.source != "slack" or not a.submission.extra:
        return {}
    return {"chat": {"provider": "slack", **a.submission.extra}}


def _capped_cc(a: Arrival) -> tuple[list[tuple[str, str]], list[str]]:
    """The Cc addresses that join the ticket (``[limits] max_participants``), and the
    rest: a request copied to 20 000 people must not make every answer go to them."""
    own = a.settings.own_addresses
    wanted = [
        c.email
        for c in dict.fromkeys(a.msg.cc)
        if c.email != a.sender and not loops.is_own_address(c.email, own)
    ]
    unique = list(dict.fromkeys(wanted))
    limit = a.settings.limits.max_participants
    return [(e, "cc") for e in unique[:limit]], unique[limit:]


def field_requests(
    catalog: Catalog, entry_id: str, missing: list[tuple[str, str]], locale: str = "en"
) -> list[views.FieldRequest]:
    entry = catalog.entry(entry_id)
    requests = []
    for name, label in missing:
        field = entry.field(name) if entry else None
        if field is None or entry is None:
            requests.append(views.FieldRequest(name, label))
            continue
        requests.append(
            views.FieldRequest(key_to_write(entry, name, label), label, example_for(field, locale))
        )
    return requests


def refused_values(
    catalog: Catalog,
    entry_id: str,
    rejected: Sequence[BadValue],
    missing: list[tuple[str, str]],
    locale: str,
) -> list[views.RefusedValue]:
    """The values of the request the sheet could not store, for the acknowledgement:
    each with what was written, why, and the line that would fill it (a required one is
    asked for with the missing fields already)."""
    entry = catalog.entry(entry_id)
    asked = {name for name, _ in missing}
    out = []
    for bad in rejected:
        field = entry.field(bad.field) if entry else None
        if field is None or entry is None:
            continue  # a name the entry has not (a form's stale input): nothing to correct
        label = field.label(locale)
        out.append(
            views.RefusedValue(
                key_to_write(entry, field.name, label),
                label,
                graphemes.cut(one_line(bad.value), 80),
                bad.why,
                example_for(field, locale),
                asked=field.name in asked,
            )
        )
    return out


def guess_locale(msg: ParsedMessage, default: str, chosen: str = "") -> str:
    """Answer in the language the requester wrote in; the team default otherwise.

    ``chosen``: the language of the web form or chat modal they filled in (their
    browser's or Slack's). It is their own choice, so it decides unless they wrote
    Japanese: a Japanese person's whole request may be "VPN", which holds no Japanese
    character, and must not make their acknowledgement English."""
    if has_japanese(msg.subject) or has_japanese(msg.text[:2000]):
        return "ja"
    if chosen in LOCALES:
        return chosen
    if msg.subject or msg.text.strip():
        return "en"
    return default
