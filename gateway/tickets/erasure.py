"""A person's data erased on their request (APPI art. 35, GDPR art. 17): the service
behind ``ticket-gateway requesters forget ADDRESS``.

What goes, in the caller's one transaction (a failure anywhere takes it all back):

* every ticket they asked for (its requester), with everything on it: every message
  (the team's answers too) and file, its events, fields, people, chat links, catalog
  action runs and scheduler marks, the inbox rows its mail was read from and its outbox
  rows. A ticket of someone else merged into one of theirs first gets back the mail and
  events that merge moved, and stays, unmerged;
* on tickets of others they were on (a Cc, a watcher) or wrote to, which stay: their
  mail (with its inbox rows), our mails to them alone or carrying their words or
  address (a member's notice), their place among the ticket's people, the events they
  made; others' events that name them lose the address; a mail of ours to them and
  others no longer goes to them, and its bytes, once sent, are dropped;
* the inbox rows of theirs on no ticket (an auto-reply, a refused or shunted mail, a
  form submission), their outbox rows on no ticket, the web form's counter of their
  address;
* the kept bytes of our sent mails about no one ticket that name them or list one of
  their tickets (a member's weekly digest, a stale list): dropped, as ``[outbound]
  keep_sent`` drops them.

The search indexes follow the messages. One :class:`~store.models.Erasure` row
records when, by whom and how much, never the address (a keyed mark at most). Files
(the outbound maildir's copies of the outbox rows that went) are removed by the
caller before it commits, from :attr:`Outcome.mail_copies`. :func:`expire` erases
whole tickets the same way for ``[retention] closed_tickets``, the sent lists that name
them included (:mod:`gateway.tickets.erasure_lists`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from gateway.core.model import TicketState
from gateway.pipeline import erasure_rules as rules
from gateway.pipeline.parse.submission import SOURCES
from gateway.tickets import changes
from gateway.tickets import erasure_lists as lists
from gateway.tickets.merge import give_back_state
from store import erasure as find
from store import erasure_rows as rows
from store import merges, ticket_rows
from store.models import Ticket


@dataclass
class Outcome:
    """What one erasure took (or, in a dry run, would take): ticket ids, row counts."""

    tickets: list[int] = field(default_factory=list)  # theirs: gone whole
    kept_tickets: list[int] = field(default_factory=list)  # others': their words gone
    given_back: list[int] = field(default_factory=list)  # others' merged into theirs
    messages: int = 0
    attachments: int = 0
    inbox_rows: int = 0
    form_submissions: int = 0  # of inbox_rows: web form and chat submissions
    outbox_rows: int = 0
    outbox_trimmed: int = 0  # mails to others too: no longer to them, sent bytes dropped
    outbox_bytes_dropped: int = 0  # ours about no one ticket that named them: bytes dropped
    chat_links: int = 0
    events: int = 0
    events_scrubbed: int = 0  # others' history entries on kept tickets, the address cut out
    fields: int = 0
    participants: int = 0
    action_runs: int = 0
    job_runs: int = 0
    search_entries: int = 0  # documents the search indexes held: words, sender, file name
    rate_counters: int = 0
    audit_id: int | None = None
    # outbox row id → its Message-ID: the copies the outbound maildir may hold
    mail_copies: dict[int, str] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """The audit row's counts: numbers only, never an id that would lead back."""
        out: dict[str, int] = {}
        for name, value in vars(self).items():
            if name in ("audit_id", "mail_copies"):
                continue
            out[name] = len(value) if isinstance(value, list) else int(value)
        return out

    @property
    def nothing(self) -> bool:
        return not any(self.counts().values())


def forget(
    session: Session,
    address: str,
    now: datetime,
    *,
    actor: str,
    key: bytes,
    scanned: lists.Scanned | None = None,
) -> Outcome:
    """Erase what is stored of ``address`` (canonical, lower case) and record it.
    ``scanned``: the sent lists read before this transaction (:func:`lists.scan`), so
    that only those sent since are read under its write lock; None: all are read here."""
    out = Outcome()
    out.tickets = find.requested(session, address)
    _give_back_merged(session, out, now, actor, "cli")  # requesters forget
    out.kept_tickets = find.joined(session, address, out.tickets)
    find.lock(session, out.kept_tickets)  # a reply of theirs filed meanwhile: seen, erased
    gone = set(find.messages_on(session, out.tickets))
    on_kept = find.messages_of(session, out.kept_tickets)
    wrote = [m for m in on_kept if m[1] == "in" and m[2].lower() == address]
    gone.update(m[0] for m in wrote)
    words = rules.their_words([m[7] for m in wrote])
    for mid, direction, _, to, cc, subject, text, _ in on_kept:
        if direction == "out" and (
            rules.to_them_alone(to, cc, address) or rules.quotes_them(subject, text, address, words)
        ):
            gone.add(mid)  # ours to them alone, or carrying their words or address
    messages = sorted(gone)
    inbox = _inbox(session, out, address, messages)
    outbox = _outbox(session, out, address, messages, now)
    theirs_on_kept: list[int] = []
    naming: list[tuple[int, str | None, str | None, dict[str, Any]]] = []
    for eid, who, old, new, detail in find.events_of(session, out.kept_tickets):
        if who.lower() == address:  # a change they made (by mail): theirs
            theirs_on_kept.append(eid)
        elif rules.names_them(old, new, detail, address):  # someone's, naming them
            naming.append((eid, *(rules.scrubbed(v, address) for v in (old, new, detail))))
    _drop(session, out, messages, inbox, outbox)
    out.events += rows.events_by_id(session, theirs_on_kept)
    out.events_scrubbed = rows.events_rewritten(session, naming)
    out.participants += rows.participant(session, out.kept_tickets, address)
    rows.untrigger(session, out.kept_tickets, address)
    out.rate_counters = rows.rate_counters(session, [f"submit-addr:{address}"])
    # a digest, a list: a line of each of their tickets
    out.outbox_bytes_dropped = lists.drop_named(session, address, out.tickets, now, scanned)
    mark = rules.subject_mark(key, address)
    out.audit_id = rows.record(session, now, actor, mark, out.counts())
    return out


def expire(
    session: Session,
    ticket_ids: Sequence[int],
    now: datetime,
    *,
    actor: str,
    queued_for: timedelta,
    listed: lists.Listed | None = None,
) -> Outcome:
    """Erase whole tickets kept past ``[retention] closed_tickets`` and record it (no
    person is named: the record's mark is empty). The sent lists that name one of them
    lose their kept bytes, found by when they were sent (``queued_for``: ``[outbound]
    give_up_after``, :func:`lists.drop_listing`; ``listed``: those read before this
    transaction, :func:`lists.listing`)."""
    out = Outcome(tickets=sorted(ticket_ids))
    out.outbox_bytes_dropped = lists.drop_listing(session, out.tickets, now, queued_for, listed)
    _give_back_merged(session, out, now, actor, "system")  # the scheduler's retention
    messages = find.messages_on(session, out.tickets)
    found = find.inbox_of(session, messages, out.tickets)
    found -= find.inbox_still_read(session, sorted(found), set(messages))
    inbox = sorted(found)
    out.form_submissions = find.count_sources(session, inbox, SOURCES)
    outbox = sorted(find.outbox_of(session, messages, out.tickets))
    _drop(session, out, messages, inbox, outbox)
    out.audit_id = rows.record(session, now, actor, "", out.counts())
    return out


def _drop(
    session: Session, out: Outcome, messages: list[int], inbox: list[int], outbox: list[int]
) -> None:
    """Delete ``out.tickets`` whole, and the messages, inbox and outbox rows chosen; what
    points at a row goes before it."""
    out.attachments = find.attachment_count(session, messages)
    out.search_entries = 2 * find.incoming_count(session, messages) + out.attachments
    out.mail_copies = find.message_ids_of_outbox(session, outbox)
    rows.scrub_freed(session)
    rows.attachments(session, messages)
    rows.unlink_outbox(session, outbox)
    out.messages = rows.messages(session, messages)
    out.inbox_rows = rows.inbox(session, inbox)
    rows.unfile_inbox(session, out.tickets)
    out.outbox_rows = rows.outbox(session, outbox)
    out.chat_links = rows.chat(session, out.tickets)
    out.action_runs = rows.action_runs(session, out.tickets)
    out.job_runs = rows.job_runs(session, out.tickets)
    out.events = rows.events(session, out.tickets)
    out.fields = rows.fields(session, out.tickets)
    out.participants = rows.participants(session, out.tickets)
    rows.tickets(session, out.tickets)


def _give_back_merged(
    session: Session, out: Outcome, now: datetime, actor: str, channel: str
) -> None:
    """Someone else's ticket merged into one that goes gets back what the merge moved
    (as ``unmerge`` gives it back), so their mail is not erased with the ticket. Merged
    into an open ticket, its matter was being worked there: it is worked on again, in
    the state it had before the merge (new, open, pending), as ``unmerge`` leaves it
    (:func:`~gateway.tickets.merge.give_back_state`; left closed as a duplicate of a
    ticket no longer there, the team lost sight of it); merged into a closed one, it
    stays closed."""
    for source in find.merged_in(session, out.tickets):
        if source in out.tickets:
            continue
        event = merges.last_merge_event(session, source)
        if event is None:
            continue
        moved = event.detail
        ticket_rows.give_rows(session, moved["messages"], moved["events"], to=source)
        out.given_back.append(source)
        ticket = session.get(Ticket, source)
        target = session.get(Ticket, ticket.merged_into_id) if ticket is not None else None
        if ticket is None or target is None or target.state == TicketState.CLOSED.value:
            continue
        ticket.merged_into_id = None
        session.expire(ticket, ["messages", "events"])
        give_back_state(session, ticket, moved, now, actor=actor, channel=channel)
        changes.record(
            session,
            ticket,
            "unmerged",
            now,
            actor=actor,
            channel=channel,
            new=str(target.id),
            detail={"target": target.id, "messages": len(moved["messages"]), "erased": True},
        )


def _inbox(session: Session, out: Outcome, address: str, messages: list[int]) -> list[int]:
    """The inbox rows that go: those of the messages that go and of their tickets (but
    a row a message that stays was read from), and theirs on no ticket or a kept one."""
    gone = set(messages)
    found = find.inbox_of(session, messages, out.tickets)
    found -= find.inbox_still_read(session, sorted(found), gone)
    also = rules.forms(address)[1:]  # a mail's Unicode domain (an SMTPUTF8 header)
    for iid, source, sender, head in find.unfiled_heads(session, address, out.kept_tickets, also):
        if rules.sent_by(head, source, sender, address):
            found.add(iid)
    out.form_submissions = find.count_sources(session, sorted(found), SOURCES)
    return sorted(found)


def _outbox(
    session: Session, out: Outcome, address: str, messages: list[int], now: datetime
) -> list[int]:
    """The outbox rows that go: those of the messages and tickets that go, and those to
    them alone on no ticket or a kept one; a mail to others too loses them."""
    found = find.outbox_of(session, messages, out.tickets)
    for oid, recipients in find.outbox_naming(session, address, out.kept_tickets):
        if oid in found:
            continue
        others = rules.without(recipients, address)
        if len(others) == len(recipients):
            continue
        if others:
            rows.outbox_without(session, oid, others, now)
            out.outbox_trimmed += 1
        else:
            found.add(oid)
    return sorted(found)
