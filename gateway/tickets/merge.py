"""Merging a duplicate ticket into another, and undoing it (#19).

What a merge does, in one transaction: the source's messages and events move to
the target (their ids are recorded, so ``unmerge`` can move exactly those back);
the source's people join the target (the requester as a Cc, watchers up to the
target's cap); the source's fields fill the target's gaps, the target's values
win a conflict and the loser is kept in the ``merged`` event; the source is
closed as ``duplicate`` with ``merged_into_id`` set. From then on everything that
names the source (its reply addresses, Message-IDs, subject tag) threads into
the target (:mod:`store.merges`, followed by the runner's thread stage). The
source's requester hears of it once: the status mail of the close, naming the
target in their language (``change_state(why=…)``).

Why copy the people instead of taking them off the source: the source's row
stays as the record of what was merged, and a reply token is checked against
the ticket it was issued for; nothing reads the source's people otherwise.

The rules (which merges are refused) are :mod:`gateway.pipeline.merging`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from gateway.core import priority as levels
from gateway.core.errors import AlreadyDone, Refusal
from gateway.core.i18n import N_, Msg
from gateway.core.model import CloseReason, TicketState
from gateway.pipeline.merging import (
    MergeFacts,
    Side,
    already_unmerged,
    merge_refusal,
    unmerge_refusal,
)
from gateway.tickets import changes
from gateway.tickets.conversation import Fact, note
from gateway.tickets.priority import set_priority
from store import fields, merges, ticket_rows, tickets
from store.models import Ticket


def merge(
    session: Session,
    source: Ticket,
    target_id: int,
    now: datetime,
    *,
    actor: str,
    channel: str,
    tag: str,
    max_watchers: int,
) -> Ticket:
    """Merge ``source`` into ticket ``target_id`` (``tag``: the target's subject tag, as
    the requester reads it); the target. Raises :class:`Refusal` with the reason.

    The check and the write are one step (:func:`store.merges.hold_merges`): of two
    opposite merges at once, the second reads what the first wrote and is refused; of
    the same merge twice (pressed twice, two members at once, the command run again),
    the second raises :class:`AlreadyDone` and changes nothing."""
    merges.hold_merges(session)
    merges.fresh(session, source.id)
    target = merges.fresh(session, target_id)
    facts = MergeFacts(
        _side(source),
        _side(target) if target is not None else None,
        merges.chain(session, target.id) if target is not None else (),
    )
    why = merge_refusal(facts)
    if why is not None and source.merged_into_id == target_id:  # asked again: done before
        raise AlreadyDone(why)
    if why is not None or target is None:
        raise Refusal(why or N_("there is no ticket to merge into"))
    before = source.state
    people, left_out = _join_people(session, source, target, max_watchers)
    added, conflicts = _fill_fields(session, source, target)
    priority_before = _take_urgency(session, source, target, now, actor=actor, channel=channel)
    messages, events = ticket_rows.row_ids(session, source.id)
    stays = set(merges.requester_bound_events(session, source.id))
    events = [e for e in events if e not in stays]
    ticket_rows.give_rows(session, messages, events, to=target.id)
    session.expire(source, ["messages", "events"])
    session.expire(target, ["messages", "events", "participants", "fields"])
    changes.change_state(
        session,
        source,
        TicketState.CLOSED,
        now,
        actor=actor,
        channel=channel,
        reason=CloseReason.DUPLICATE,
        why=merged_cause(tag),
    )
    source.merged_into_id = target.id  # from now on it stays closed until unmerged
    moved: dict[str, Any] = {
        "messages": messages,
        "events": events,
        "participants_added": people,
        "watchers_left_out": left_out,
        "fields_added": added,
        "fields_conflicting": conflicts,  # name → {kept: target's, lost: source's}
        "state_before": before,
        "priority_before": priority_before,  # the target's, when the merge raised it
    }
    changes.record(
        session,
        source,
        "merged-into",
        now,
        actor=actor,
        channel=channel,
        new=str(target.id),
        detail={"target": target.id, **moved},
    )
    changes.record(
        session,
        target,
        "merged",
        now,
        actor=actor,
        channel=channel,
        new=str(source.id),
        detail={
            "source": source.id,
            "messages": len(messages),
            "participants_added": people,
            "fields_added": added,
            "fields_conflicting": conflicts,
        },
    )
    target.updated_at = now
    # the member who has the target hears that its mail and people grew
    note(session, Fact(target, "merged", now, actor, new=str(source.id)))
    return target


def unmerge(
    session: Session,
    source: Ticket,
    now: datetime,
    *,
    window: timedelta,
    actor: str,
    channel: str,
) -> Ticket:
    """Undo the merge of ``source`` (within ``window``): move back what moved, take off
    the target the people and fields the merge gave it, give the source back the state
    it had before the merge (:func:`give_back_state`); the target.
    Checked and done while no other merge runs, as :func:`merge` is. Asked again
    (pressed twice, two members at once), the second finds it undone: it raises
    :class:`AlreadyDone` and changes nothing."""
    merges.hold_merges(session)
    merges.fresh(session, source.id)
    if source.merged_into_id is None and merges.was_unmerged(session, source.id):
        raise AlreadyDone(already_unmerged())
    event = merges.last_merge_event(session, source.id) if source.merged_into_id else None
    target = merges.fresh(session, source.merged_into_id) if source.merged_into_id else None
    why = unmerge_refusal(
        source.merged_into_id,
        event.at if event else None,
        now,
        window,
        target_merged_into=target.merged_into_id if target is not None else None,
    )
    if why is not None or event is None or target is None:
        raise Refusal(why or N_("this ticket was not merged into another"))
    moved = event.detail
    ticket_rows.give_rows(session, moved["messages"], moved["events"], to=source.id)
    session.expire(source, ["messages", "events"])
    session.expire(target, ["messages", "events", "participants", "fields"])
    for email in moved["participants_added"]:
        ticket_rows.remove_participant(session, target.id, email)
    now_on_target = fields.field_values(session, target.id)
    removed = [n for n, v in moved["fields_added"].items() if now_on_target.get(n) == v]
    for name in removed:  # a value someone changed on the target since stays
        ticket_rows.remove_field(session, target.id, name)
    _give_back_urgency(session, source, target, moved, now, actor=actor, channel=channel)
    source.merged_into_id = None
    give_back_state(session, source, moved, now, actor=actor, channel=channel)
    changes.record(
        session,
        source,
        "unmerged",
        now,
        actor=actor,
        channel=channel,
        new=str(target.id),
        detail={"target": target.id, "messages": len(moved["messages"])},
    )
    changes.record(
        session,
        target,
        "unmerged",
        now,
        actor=actor,
        channel=channel,
        new=str(source.id),
        detail={"source": source.id, "fields_removed": removed},
    )
    target.updated_at = now
    return target


def give_back_state(
    session: Session,
    source: Ticket,
    moved: dict[str, Any],
    now: datetime,
    *,
    actor: str,
    channel: str,
) -> None:
    """The state ``source`` had before its merge closed it (``state_before`` of the merge's
    event: new, open or pending), or open when the event does not say (older rows): a
    duplicate that waited on its requester waits again, its pending reminder and close
    with it, and its requester is told the state it is in, not "we work on it again"."""
    before = moved.get("state_before")
    state = TicketState(before) if before in RESUMABLE else TicketState.OPEN
    changes.change_state(session, source, state, now, actor=actor, channel=channel, restoring=True)


# the states a merge closed a ticket from (a closed one is never merged)
RESUMABLE = frozenset({TicketState.NEW.value, TicketState.OPEN.value, TicketState.PENDING.value})


def merged_cause(tag: str) -> Msg:
    """What the source's requester reads in the status mail of the close: where it went."""
    return N_(
        "It concerns the same matter as ticket {tag}, so we have merged it there and "
        "continue in that ticket; a reply to this mail reaches it.",
        tag=tag,
    )


def _take_urgency(
    session: Session, source: Ticket, target: Ticket, now: datetime, *, actor: str, channel: str
) -> str | None:
    """An urgent duplicate does not lose its urgency in the merge: the target takes the
    source's level when it is the more urgent one. The target's level before, or None."""
    theirs = levels.parse(source.priority or "") or levels.DEFAULT
    if not levels.raises(target.priority, theirs):
        return None
    before = target.priority or levels.DEFAULT.value
    detail = {"merged": source.id}
    set_priority(
        session, target, theirs, now, actor=actor, channel=channel, source="merge", detail=detail
    )
    return before


def _give_back_urgency(
    session: Session,
    source: Ticket,
    target: Ticket,
    moved: dict[str, Any],
    now: datetime,
    *,
    actor: str,
    channel: str,
) -> None:
    """Unmerge: the level the merge gave the target goes, unless someone changed it since."""
    before = levels.parse(moved.get("priority_before") or "")
    if before is None or target.priority != source.priority:
        return
    detail = {"unmerged": source.id}
    set_priority(
        session, target, before, now, actor=actor, channel=channel, source="merge", detail=detail
    )


def _side(ticket: Ticket) -> Side:
    return Side(ticket.id, TicketState(ticket.state), ticket.merged_into_id)


def _join_people(
    session: Session, source: Ticket, target: Ticket, max_watchers: int
) -> tuple[list[str], list[str]]:
    """The source's people onto the target: (added, watchers left out by the cap)."""
    present = tickets.participant_emails(session, target.id)
    watching = len(merges.watchers(session, target.id))
    added: list[str] = []
    left_out: list[str] = []
    people = merges.participants(session, source.id)
    if source.requester.lower() not in (e for e, _ in people):
        people.insert(0, (source.requester.lower(), "requester"))
    for email, role in people:
        if email in present or email == target.requester.lower():
            continue
        if role == "watcher" and watching >= max_watchers:
            left_out.append(email)
            continue
        watching += role == "watcher"
        # the source's requester is one more person who writes in: a Cc of the target
        ticket_rows.add_participant(
            session, target.id, email, "cc" if role == "requester" else role, present
        )
        present.append(email)
        added.append(email)
    return added, left_out


def _fill_fields(
    session: Session, source: Ticket, target: Ticket
) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """The source's values for the target's empty fields; the target wins a conflict."""
    theirs = fields.field_values(session, source.id)
    ours = fields.field_values(session, target.id)
    added = {n: v for n, v in theirs.items() if n not in ours}
    for name, value in added.items():
        ticket_rows.set_field(session, target.id, name, value, exists=False)
    lost = {
        n: {"kept": ours[n], "lost": v} for n, v in theirs.items() if n in ours and ours[n] != v
    }
    return added, lost
