"""The chain's first stages: what the message is and where it belongs.

They only read (the store's facts and the pure rules of ``gateway.pipeline``)
and hand the message on with what they found, or end it as :class:`Ignored`;
none of them writes, which is what lets an ignored row be recorded without
undoing anything.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

from gateway.core import tokens
from gateway.core.i18n import N_
from gateway.core.model import ParsedMessage
from gateway.core.postmaster import is_postmaster
from gateway.core.text import with_nul_replaced
from gateway.core.tokens import is_own_address
from gateway.notify import labels
from gateway.pipeline import list_from, loops, thread
from gateway.pipeline.loops import LoopVerdict
from gateway.pipeline.parse import submission
from gateway.pipeline.parse.message import parse_message
from gateway.runner import reply_said
from gateway.runner.arrival import Arrival
from gateway.runner.verdicts import Ignored
from store import merges, outbox, outbox_delivery, tickets
from store.installation import reply_keys

# machine mail about a message of ours: on that message's ticket, or nowhere
AUTOMATED_ANSWERS = (LoopVerdict.BOUNCE, LoopVerdict.AUTO_REPLY, LoopVerdict.REPORT)


def parse(a: Arrival) -> Arrival | Ignored:
    """Bytes → ParsedMessage (unless parsed ahead: parsing is pure, so where it ran
    changes nothing). Input that is not mail at all never becomes a ticket. A form
    or chat submission is a JSON document of ours, read by its own codec. Either way
    a NUL in its text is U+FFFD from here on (``with_nul_replaced``), what every
    database stores: SQLite kept a chat modal's NUL, PostgreSQL cannot."""
    if a.row.source in submission.SOURCES:
        msg, chosen, why = submission.decode(a.row.raw)
        if chosen is None:
            return Ignored(f"malformed submission: {why}", N_("a malformed submission"))
        return replace(a, parsed=with_nul_replaced(msg), submission=with_nul_replaced(chosen))
    msg = a.parsed if a.parsed is not None else parse_message(a.row.raw)
    if not msg.is_mail:
        return Ignored("not an e-mail message", N_("not an e-mail message"))
    writer = list_from.writer_behind_list(msg)  # "Taro via support-list": Taro wrote it
    if writer is not None and not is_own_address(writer.email, a.settings.own_addresses):
        msg = list_from.as_its_writer(msg, writer)
    return replace(a, parsed=with_nul_replaced(_with_null_sender(msg, a.row.envelope_from)))


def _with_null_sender(msg: ParsedMessage, envelope_from: str | None) -> ParsedMessage:
    """The null envelope sender (``MAIL FROM:<>``, RFC 5321 4.5.5) is the return path
    the mail's last delivery would have written: a server that delivers into a mailbox
    adds ``Return-Path: <>``, which the poller reads, while one that hands the mail on
    over SMTP or LMTP adds nothing. The loop rules read the header; given the envelope's,
    a bounce or another helpdesk's acknowledgement is machine mail at every door, not a
    person's reply that takes a waiting ticket out of pending when it came by SMTP."""
    if envelope_from != "" or msg.loop.return_path is not None:
        return msg
    return replace(msg, loop=replace(msg.loop, return_path=""))


def to_postmaster(a: Arrival) -> Arrival | Ignored:
    """Mail whose envelope names only ``postmaster`` (RFC 5321 4.5.1) is for whoever
    runs the mail system: bounces, complaints, another site's administrator. It is
    kept (the row and its bytes stay, ``inbox list`` shows it with this reason) but
    is never a ticket and never answered, whoever it claims to be from: an answer to
    another mail system's postmaster mail is how loops start. Sent to the support
    address as well, it is a request like any other. Without an envelope (the IMAP
    poller, ``ingest``) the delivery headers stand for it: :func:`_noted_for_postmaster`."""
    rcpts = a.row.envelope_to
    own = a.settings.own_addresses
    if rcpts:
        only = all(is_postmaster(str(r), own) for r in rcpts)
    else:
        only = _noted_for_postmaster(a, own)
    return Ignored(POSTMASTER_KEPT, POSTMASTER_SAID) if only else a


def _noted_for_postmaster(a: Arrival, own: frozenset[str]) -> bool:
    """The delivering server noted our postmaster (``X-Original-To``, ``Envelope-To``,
    ``Delivered-To``: :mod:`gateway.pipeline.parse.delivered`), and To/Cc name none of
    our other addresses. Our own address beside it in the notes is no other recipient:
    postmaster as an alias of the support mailbox reads ``Delivered-To: support@…``
    (where it went) over ``X-Original-To: postmaster@…`` (to whom it was sent); mail to
    both that the mail system delivered once reads the same, and only To/Cc tell it
    apart. A writer who names postmaster in a header of their own only keeps their
    mail from becoming a ticket."""
    if not any(is_postmaster(r, own) for r in a.msg.delivered_to):
        return False
    named = (x.email for x in (*a.msg.to, *a.msg.cc))
    return not any(is_own_address(e, own) and not is_postmaster(e, own) for e in named)


# the reason an inbox row keeps: what `inbox list` shows the administrator
POSTMASTER_KEPT = "to postmaster: kept for the administrator, never a ticket, never answered"
POSTMASTER_SAID = N_("to postmaster: kept for the administrator, never a ticket, never answered")


def classify_loop(a: Arrival) -> Arrival | Ignored:
    """Our own mail coming back is ignored, and so is any mail from one of our own
    addresses (the gateway's, an alias, a ``+token`` variant): it is never a request.
    Other automated mail is marked, not dropped. Mail only to postmaster goes no
    further (:func:`to_postmaster`)."""
    kept = to_postmaster(a)
    if isinstance(kept, Ignored):
        return kept
    verdict = _returned_by_the_mail_system(a, loops.verdict(a.msg, a.settings.gateway.address))
    if verdict == LoopVerdict.OWN or (
        a.msg.loop.x_ticket_gateway and outbox.queued_here(a.session, a.msg.message_id)
    ):
        return Ignored("our own mail came back", N_("our own mail came back"))
    if loops.is_own_address(a.sender, a.settings.own_addresses):
        return Ignored(
            f"sent from our own address {a.sender}: never a request",
            N_("sent from our own address {sender}: never a request", sender=a.sender),
        )
    return replace(a, loop=verdict)


# what a mail system's notice was taken for when its subject is none a rule knows
_UNKNOWN_NOTICE = (LoopVerdict.HUMAN, LoopVerdict.AUTOMATED)


def _returned_by_the_mail_system(a: Arrival, verdict: LoopVerdict) -> LoopVerdict:
    """A notice from MAILER-DAEMON or postmaster that returns a mail we sent is a bounce,
    whatever its subject: 「メール配信失敗のお知らせ」, "Nondeliverable mail" and the
    words of every other language and product were a ticket of their own (machine mail),
    and the ticket whose mail came back never heard of it. Only what the outbox sent
    counts, so a notice about no mail of ours stays what it was."""
    if verdict not in _UNKNOWN_NOTICE or not loops.from_the_mail_system(a.msg):
        return verdict
    returned = loops.returned_message_ids(a.row.raw)
    if any(outbox.queued_here(a.session, named) for named in returned):
        return LoopVerdict.BOUNCE
    return verdict


def dedupe(a: Arrival) -> Arrival | Ignored:
    """The same mail twice (by SMTP and IMAP, or resent): once on the ticket. Another
    mail under a Message-ID that is already taken — a device that numbers every mail
    ``<1@localhost>``, or anyone who copied the header — is no copy: it goes on under a
    Message-ID of its own (a defect says so), never ignored as the other one's double."""
    stored = tickets.message_facts(a.session, a.msg.message_id)
    if stored is None:
        return a
    on, sender, subject = stored
    if thread.same_mail((sender, subject), (a.stored_sender, a.msg.subject)):
        return Ignored(
            f"duplicate of message {a.msg.message_id} on ticket #{on}",
            N_("a copy of message {id} on ticket #{ticket}", id=a.msg.message_id, ticket=on),
        )
    digest = hashlib.sha256(a.msg.message_id.encode("utf-8", "surrogateescape")).hexdigest()
    note = f"message-id: {a.msg.message_id} is taken by another mail (ticket #{on}); renamed"
    own = replace(
        a.msg,
        message_id=f"inbox{a.row.id}.{digest[:16]}@reused.invalid",
        message_id_synthetic=True,
        defects=(*a.msg.defects, note),
    )
    return replace(a, parsed=own)


def find_thread(a: Arrival) -> Arrival | Ignored:
    """Token, then headers, then subject tag; a bounce, auto-reply or report for no
    ticket has nobody to tell and is ignored (so is a stranger's mail that names a
    ticket by its tag and is an auto-reply by its subject or words, as on a ticket). A
    submission is a new request: a door that posts to an existing ticket acts through
    the tickets service, not the inbox."""
    if a.submission is not None:
        return replace(a, route=thread.ThreadDecision(None, thread.ThreadVia.NONE))
    decision = thread.resolve_thread(_evidence(a))
    if decision.ticket_id is None and decision.linked_ticket_id is not None:
        # a stranger's tag names a ticket of ours: an out-of-office from another address
        # of the requester's (an alias's primary one) says so by its subject or words only
        a = replace(a, loop=loops.on_a_ticket(a.verdict, a.msg))
    if decision.ticket_id is None and a.verdict in AUTOMATED_ANSWERS:
        came_back = _ticketless_mail_returned(a)
        if came_back is not None:
            return came_back
        return Ignored(
            f"{a.verdict.value} that belongs to no ticket",
            N_("{kind} that belongs to no ticket", kind=reply_said.machine(a.verdict.value)),
        )
    if decision.ticket_id is None:
        return replace(a, route=decision)
    member = a.settings.member(a.sender) is not None
    return replace(a, route=decision, loop=loops.on_a_ticket(a.verdict, a.msg, member=member))


def _ticketless_mail_returned(a: Arrival) -> Ignored | None:
    """A bounce of a mail of ours about no ticket (a member's weekly digest, a stale
    list, an alert, a sign-in link): kept like any bounce that belongs to no ticket,
    but the row names the mail and to whom, so ``inbox list`` shows whose mail does not
    arrive instead of "a bounce that belongs to no ticket", as of a stranger's."""
    if a.verdict != LoopVerdict.BOUNCE:
        return None
    named = outbox_delivery.deliveries(a.session, loops.returned_message_ids(a.row.raw))
    mail = next((m for m in named if m.ticket_id is None), None)
    if mail is None:
        return None
    to, kind = ", ".join(mail.recipients), mail.kind.replace("_", " ")
    return Ignored(  # status finds these rows by their first words
        f"{outbox_delivery.OUR_MAIL_BOUNCED} {kind} to {to} came back; it is about no ticket: kept",
        N_(
            "a bounce: {mail} to {to} came back, a mail about no ticket: kept",
            mail=labels.NO_TICKET_MAILS.get(mail.kind, labels.SOME_MAIL),
            to=to,
        ),
    )


def _evidence(a: Arrival) -> thread.ThreadEvidence:
    ids = thread.referenced_ids(a.msg.in_reply_to, a.msg.references)
    if a.verdict in AUTOMATED_ANSWERS:
        ids += [i for i in loops.returned_message_ids(a.row.raw) if i not in ids]
    tag = merges.final(a.session, thread.subject_tag(a.msg.subject, a.settings.gateway.tag_prefix))
    tag_ticket = tag if tag is not None and tickets.exists(a.session, tag) else None
    # a member may act on any ticket by its tag, as long as the mail proves who sent it
    # (the "member reply" stage checks that, and refuses what it cannot prove)
    participant = tag_ticket is not None and (
        a.settings.member(a.sender) is not None
        or a.sender in tickets.customer_emails(a.session, tag_ticket)  # a former member: no
    )
    return thread.ThreadEvidence(
        # a merged ticket's reply addresses and Message-IDs thread into its target (#19)
        token_ticket=merges.final(a.session, _token_ticket(a)),
        header_ticket=merges.final(a.session, tickets.ticket_for_message_ids(a.session, ids)),
        tag_ticket=tag_ticket,
        sender_is_participant_of_tag_ticket=participant,
    )


def _token_ticket(a: Arrival) -> int | None:
    """A ticket whose reply-token address this came to, if the HMAC verifies."""
    for rcpt in a.recipients:
        token = tokens.parse_reply_address(rcpt, a.settings.gateway.address)
        if token is None or not tickets.exists(a.session, token.ticket_id):
            continue
        issued = [
            a.sender,
            *tickets.participant_emails(a.session, token.ticket_id),
            *(m.email for m in a.settings.members),
        ]
        if tokens.token_issued_to(
            reply_keys(a.session, a.settings.gateway.reply_key()), token, issued
        ):
            return token.ticket_id
    return None
