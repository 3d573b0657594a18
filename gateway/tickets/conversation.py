"""What changed in this transaction, and the mails it causes: decided once, at commit.

Every change to a ticket goes through :mod:`gateway.tickets.changes`, whichever door
it came by — a member's reply, the requester's reply, ``tickets set-state``, the
web page, a Slack button, the scheduler, a catalog action. Each change records a
*fact* here (a state change, a member's words for the requester, a requester's
reply, a field, an assignment, a note, a thanks); nothing is mailed at that moment.
When the transaction commits, :func:`flush` reads the facts of each ticket together
and queues, in the same transaction, what they call for:

* the requester hears of a state change once: one status mail, or — when a member's
  words went to them in the same transaction — those words with the new state in
  one mail (:mod:`gateway.tickets.to_requester`);
* the members who have the ticket hear what others did to it, several things within
  the coalescing window as one mail (:mod:`gateway.tickets.to_members`), but not what
  the mail they got as the requester (their own request) or a watcher just said: one
  mail per person and change.

Why here, and why at commit. A door cannot know what else its transaction does (a
reply that relays words *and* closes must be one mail, not two), and a door that
had to remember to send would one day forget: six doors change tickets. The
commit is the one point every change passes, so the composition root hooks
:func:`flush` to it (:func:`install`), and a change can only be mailed together
with itself: the facts live in memory until then, a rolled-back savepoint drops
the facts recorded inside it (the scheduler isolates each ticket that way), and a
rolled-back transaction drops them all. What rendering needs (the settings, the
catalog) the composition root puts in ``Session.info``, as it does for chat news.
A caller that must see the mails before it commits (``sweep --dry-run``, which
rolls back) calls :func:`flush` itself; the hook then finds nothing left.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from gateway.catalog.model import Catalog
from gateway.config.settings import Settings
from gateway.core.i18n import Msg
from store.models import Ticket

if TYPE_CHECKING:  # the templates are imported at a flush with facts, not by every door
    from gateway.notify.compose import Enclosure  # (issue #18: the daemon's listener)

CONTEXT = "mail-context"  # Session.info: what flush needs (set by the composition root)
_FACTS = "conversation"  # Session.info: this session's Conversation


@dataclass(frozen=True, slots=True)
class MailContext:
    settings: Settings
    catalog: Callable[[], Catalog]  # the catalog in use (reloaded on SIGHUP)


@dataclass(frozen=True, slots=True)
class Fact:
    """One change, as the mails need it. ``kind``:

    created | state | relay | reply | unverified | thanks | field | priority | merged | assign
    | note
    | said
    """

    ticket: Ticket
    kind: str
    at: datetime
    actor: str
    old: str = ""  # state, field value, assignee before
    new: str = ""  # … after
    text: str = ""  # words: relayed, replied, a note
    name: str = ""  # a field's name
    cause: Msg | None = None  # why a rule changed the state
    key: str = ""  # relay: the cause's key (an inbox row, a Slack message)
    recipients: tuple[str, ...] = ()  # relay: who gets the words
    files: tuple[Enclosure, ...] = ()  # relay: the files the member attached to them
    attached: tuple[tuple[str, int], ...] = ()  # reply, thanks, relay: (file name, size)
    author: str = ""  # undelivered: the member whose words the mail carried ("" none)


@dataclass
class Conversation:
    facts: list[Fact] = field(default_factory=list)
    marks: dict[int, int] = field(default_factory=dict)  # savepoint → facts at its start


def note(session: Session, fact: Fact) -> None:
    """Record ``fact`` for this transaction's mails (the tickets service calls it)."""
    _of(session).facts.append(fact)


def relayed(
    session: Session,
    ticket: Ticket,
    member: str,
    text: str,
    recipients: tuple[str, ...],
    now: datetime,
    *,
    key: str,
    files: tuple[Enclosure, ...] = (),
) -> None:
    """A member's words go to the requester (and the other non-members on the ticket),
    with the files they attached: queued at commit, with the state the same
    transaction gave the ticket."""
    fact = Fact(ticket, "relay", now, member, text=text, key=key, recipients=recipients)
    note(
        session,
        replace(fact, files=files, attached=tuple((f.filename, len(f.data)) for f in files)),
    )


def said_by_template(session: Session, ticket: Ticket, now: datetime, *, actor: str) -> None:
    """The requester got a mail of the team's own in this transaction (a catalog action's
    reply): it speaks for the change, so no separate status mail follows."""
    note(session, Fact(ticket, "said", now, actor))


def flush(session: Session) -> list[int]:
    """Queue the mails the facts so far call for; the outbox rows written. Without a
    mail context (a session the composition root did not make) it does nothing."""
    ctx = session.info.get(CONTEXT)
    conv = session.info.get(_FACTS)
    if not isinstance(ctx, MailContext) or not isinstance(conv, Conversation) or not conv.facts:
        return []
    facts, conv.facts = conv.facts, []
    conv.marks = {k: 0 for k in conv.marks}
    session.flush()  # the queries below must see this transaction's rows
    from gateway.tickets import to_members, to_requester  # they import changes, which imports us

    ids: list[int] = []
    for its in _by_ticket(facts):
        if any(f.kind == "created" for f in its):
            continue  # a new ticket: its acknowledgement and new-ticket notice say it all
        sent = to_requester.queue(session, ctx, its)
        ids += [i for i, _ in sent]
        # one mail per person and change: a member who is the requester too (their own
        # request), or a watcher, read it in the mail they got as such
        ids += to_members.queue(session, ctx, its, told={who for _, who in sent})
    return ids


def install(sessions: sessionmaker[Session]) -> None:
    """Hook :func:`flush` to every commit of ``sessions`` (whose ``info`` carries the
    :class:`MailContext` under :data:`CONTEXT`), and keep the facts of a savepoint only
    if the savepoint is kept."""
    event.listen(sessions, "before_commit", _before_commit)
    event.listen(sessions, "after_transaction_create", _savepoint_started)
    event.listen(sessions, "after_soft_rollback", _rolled_back)


def _before_commit(session: Session) -> None:
    """SQLAlchemy calls this for a savepoint released too: that is not the end of the
    transaction, whose facts must all be known before its mails are decided (a status
    mail is dropped when the team's own words follow it, say)."""
    if session.in_nested_transaction():
        return
    flush(session)


def _savepoint_started(session: Session, transaction: SessionTransaction) -> None:
    if transaction.nested:
        _of(session).marks[id(transaction)] = len(_of(session).facts)


def _rolled_back(session: Session, previous: SessionTransaction) -> None:
    conv = session.info.get(_FACTS)
    if not isinstance(conv, Conversation):
        return
    if previous.nested:
        del conv.facts[conv.marks.pop(id(previous), len(conv.facts)) :]
    else:
        conv.facts.clear()
        conv.marks.clear()


def _of(session: Session) -> Conversation:
    found = session.info.get(_FACTS)
    if not isinstance(found, Conversation):
        found = session.info[_FACTS] = Conversation()
    return found


def _by_ticket(facts: list[Fact]) -> Iterator[list[Fact]]:
    groups: dict[int, list[Fact]] = {}
    for f in facts:
        groups.setdefault(f.ticket.id, []).append(f)
    yield from groups.values()


def describe(fact: Fact) -> dict[str, Any]:
    """A fact as plain data (for a held notice that is rendered again later)."""
    return {
        "kind": fact.kind,
        "at": fact.at.isoformat(),
        "actor": fact.actor,
        "old": fact.old,
        "new": fact.new,
        "text": fact.text,
        "name": fact.name,
        "files": [list(f) for f in fact.attached],
    }
