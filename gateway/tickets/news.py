"""Ticket news for chat: the one hook the tickets service (and the scheduler) calls.

Every change goes through :mod:`gateway.tickets.changes`; after it writes the
event it calls one function here, which queues what chat should say about it
as rows of the chat outbox (:mod:`store.chat`) in the same transaction: the
change and its news commit together or not at all, and the chat poster
(``gateway/chat/poster.py``) sends them later, so a chat outage delays news and
never blocks or loses a change.

What is said where:

* a ticket opened from Slack gets its card in the Slack thread it came from;
* a ticket with a Slack thread gets its card updated and a line in the thread
  when its state or assignee changes, when a manager approves its catalog action,
  and when the requester answers by mail; its card is updated when the action
  starts waiting for approval (the card then offers the button);
* channel notices (new tickets, SLA breaches, stale tickets) go to the Slack
  channel of the ticket's catalog entry (or the default one), to Teams and to a
  Slack-format webhook, as each is configured.

Chat is off unless configured; the composition root puts the chat settings in
the session's ``info`` (``store.db.session_factory``), so with chat off each
hook is one dictionary lookup. Rows carry facts; the poster renders them in the
channel's language when it posts.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from gateway.config.settings import ChatSettings
from store import chat
from store.chat import NewPost
from store.models import Ticket

INFO_KEY = "chat"  # where the composition root puts ChatSettings in Session.info
SHORT_LIVED = ("response_url",)  # of a door's facts: for the card's row, not the events


def settings_of(session: Session) -> ChatSettings | None:
    found = session.info.get(INFO_KEY)
    return found if isinstance(found, ChatSettings) and found.enabled else None


def kept_door(door: Mapping[str, str]) -> dict[str, str]:
    """The door's facts the ``created`` event keeps: where the ticket came from, not the
    command's ``response_url`` (anyone holding it may answer the person for 30 minutes)."""
    return {k: v for k, v in door.items() if k not in SHORT_LIVED}


def opened(session: Session, ticket: Ticket, door: Mapping[str, str], now: datetime) -> None:
    """A ticket opened from a Slack submission: its thread, and its card in it (the card's
    row carries the command's ``response_url``: should the channel not take the card, the
    poster tells the person there)."""
    cfg = settings_of(session)
    if cfg is None or cfg.slack is None or door.get("provider") != "slack":
        return
    channel = door.get("channel", "")
    if not channel:
        return
    thread_ts = door.get("thread_ts", "")
    if thread_ts and chat.ticket_at(session, channel, thread_ts) is not None:
        # made from a message in another ticket's thread: a thread is one ticket's
        # (a member's reply there is sent to that ticket's requester), so this card
        # starts a thread of its own in the channel
        thread_ts = ""
    chat.add_thread(
        session,
        ticket_id=ticket.id,
        channel=channel,
        now=now,
        team_id=door.get("team_id", ""),
        thread_ts=thread_ts,
        permalink=door.get("permalink", ""),
        user_id=door.get("user_id", ""),
    )
    chat.enqueue(
        session,
        NewPost(f"card:{ticket.id}", "slack", "card", channel, _reach(door), ticket.id),
        now,
    )


def _reach(door: Mapping[str, str]) -> dict[str, str]:
    url = door.get("response_url", "")
    return {"response_url": url} if url else {}


def filed(session: Session, ticket: Ticket, now: datetime) -> None:
    """A new ticket is filed under its entry: the "new ticket" notices."""
    _notice(session, ticket, "new", f"{ticket.id}", {}, now)


def changed(
    session: Session,
    ticket: Ticket,
    what: str,
    now: datetime,
    *,
    actor: str,
    via: str,
    old: str | None,
    new: str | None,
) -> None:
    """A state change or an assignment: the card is updated and the thread told."""
    place = _slack_thread(session, ticket)
    if place is None:
        return
    facts = {"event": what, "old": old or "", "new": new or "", "actor": actor, "via": via}
    _thread_news(session, ticket, place, f"{what}:{old}>{new}:{now.timestamp()}", facts, now)


def refreshed(session: Session, ticket: Ticket, now: datetime) -> None:
    """Something the card shows changed with nothing to say in the thread (its catalog
    action now waits for approval): the card is updated, once it is out (a card still
    waiting shows the ticket as it is when it is posted)."""
    place = _slack_thread(session, ticket)
    if place is None or chat.state_of(session, f"card:{ticket.id}") != chat.SENT:
        return
    update = NewPost(
        f"card-update:{ticket.id}:{now.timestamp()}", "slack", "card-update", place.channel, {}
    )
    chat.enqueue(session, _for(update, ticket), now)


def replied(
    session: Session, ticket: Ticket, message_id: str, sender: str, text: str, now: datetime
) -> None:
    """The requester (or someone on the ticket) answered by mail: a line with an excerpt."""
    place = _slack_thread(session, ticket)
    if place is None:
        return
    excerpt = text.strip()
    excerpt = excerpt if len(excerpt) <= 600 else excerpt[:600].rstrip() + " …"
    facts = {"event": "reply", "actor": sender, "text": excerpt, "via": "email"}
    _thread_news(session, ticket, place, f"reply:{message_id}", facts, now)


def sla_breached(session: Session, ticket: Ticket, target: str, now: datetime) -> None:
    """An SLA deadline passed (``target``: first_response | resolve | due)."""
    _notice(session, ticket, "sla", f"{ticket.id}:{target}", {"target": target}, now)


def stale(session: Session, ticket: Ticket, period: str, now: datetime) -> None:
    """The ticket entered a new stale period (``period``: the scheduler's key)."""
    _notice(session, ticket, "stale", period, {}, now)


def _slack_thread(session: Session, ticket: Ticket) -> chat.Place | None:
    cfg = settings_of(session)
    if cfg is None or cfg.slack is None:
        return None
    return chat.thread_of(session, ticket.id)


def _thread_news(
    session: Session,
    ticket: Ticket,
    place: chat.Place,
    key: str,
    facts: dict[str, str],
    now: datetime,
) -> None:
    # one card update per ticket and transaction: it shows the ticket as it is when sent
    update = NewPost(
        f"card-update:{ticket.id}:{now.timestamp()}", "slack", "card-update", place.channel, {}
    )
    chat.enqueue(session, _for(update, ticket), now)
    line = NewPost(f"line:{ticket.id}:{key}", "slack", "line", place.channel, facts)
    chat.enqueue(session, _for(line, ticket), now)


def _notice(
    session: Session,
    ticket: Ticket,
    kind: str,
    key: str,
    facts: dict[str, str],
    now: datetime,
) -> None:
    cfg = settings_of(session)
    if cfg is None:
        return
    payload = {"notice": kind, **facts}
    if cfg.slack is not None and kind in cfg.slack.notices:
        channel = cfg.slack.channel_for(ticket.catalog)
        place = chat.thread_of(session, ticket.id) if kind == "new" else None
        if channel and (place is None or place.channel != channel):  # the card says it there
            post = NewPost(f"notice:{kind}:{key}:slack", "slack", "notice", channel, payload)
            chat.enqueue(session, _for(post, ticket), now)
    for target, hook in (("teams", cfg.teams), ("webhook", cfg.webhook)):
        if hook is not None and kind in hook.notices:
            post = NewPost(f"notice:{kind}:{key}:{target}", target, "notice", "", payload)
            chat.enqueue(session, _for(post, ticket), now)


def _for(post: NewPost, ticket: Ticket) -> NewPost:
    return NewPost(post.key, post.target, post.kind, post.channel, post.payload, ticket.id)
