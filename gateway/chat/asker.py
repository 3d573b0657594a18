"""Telling the person who asked for a ticket's card what became of it, when it is not
where they asked: posted in the team's channel instead, posted nowhere, or never taken
by Slack until its post gave up.

First through the command's ``response_url``, seen by them alone where they asked; it
lasts 30 minutes, and a card's post gives up after ``[chat] give_up_after`` (2 days by
default), so by then it has usually expired. Then in a direct message from the app
(``conversations.open`` and ``chat.postMessage``): a post of the chat outbox like any
other (kind ``dm``, to the person's user id), so it waits for Slack like the rest, and is
made once per ticket. Without a user id to write to, only the log says it.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from gateway.chat import render, told
from gateway.chat.transport import SlackApi
from gateway.core.i18n import translate
from store import chat, tickets
from store.chat import DuePost, NewPost
from store.db import transaction

log = logging.getLogger("gateway.chat.poster")

DM = "dm"  # the chat outbox kind of a direct message to the person who asked


def tell(
    slack: SlackApi | None,
    sessions: sessionmaker[Session],
    now: datetime,
    post: DuePost,
    here: str,
    note: str,
    channel: str,
    why: str = told.MEMBER,
) -> None:
    """``here`` to the person who asked for ``post``'s card, where they asked (the
    command's ``response_url``); when that is gone, the direct message ``note`` about
    ``channel``, and ``why`` the card left their channel
    (:func:`~gateway.chat.told.told_directly`), is queued for them."""
    url = str(post.payload.get("response_url", ""))
    if url and slack is not None and slack.respond(url, here):
        return
    if post.ticket_id is None:
        return
    with transaction(sessions) as s:
        place = chat.thread_of(s, post.ticket_id)
        user = place.user_id if place is not None else ""
        if user:  # one a ticket: told once, whatever asks again
            payload = {"note": note, "channel": channel, "why": why}
            key = f"{DM}:{post.ticket_id}"
            chat.enqueue(s, NewPost(key, "slack", DM, user, payload, post.ticket_id), now)
    if user:
        log.info("ticket=%s: the person who asked is told in a direct message", post.ticket_id)
    else:
        not_told(post)


def given_up(
    slack: SlackApi | None,
    sessions: sessionmaker[Session],
    now: datetime,
    post: DuePost,
    tag: str,
    default_locale: str,
) -> None:
    """A card whose post gave up, Slack "later" all along: in its own channel (the app
    is there) or in the team's, where it moved. The person who asked, told nothing while
    it was tried, is told now that it could not be posted, and where."""
    if post.target != "slack" or post.kind != "card" or post.ticket_id is None:
        return
    with transaction(sessions) as s:
        ticket, place = tickets.get(s, post.ticket_id), chat.thread_of(s, post.ticket_id)
        if ticket is None or place is None:
            return
        asked_in = ticket.locale or default_locale  # the person's language
    if place.channel != post.channel:  # moved: the app may not post where they asked
        why = str(post.payload.get("moved", told.MEMBER))  # as Slack said it then
        here = render.card_nowhere(tag, place.channel, asked_in, why)
        tell(slack, sessions, now, post, here, "nowhere", place.channel, why)
    else:
        here = translate(render.card_given_up(tag, place.channel), asked_in)
        tell(slack, sessions, now, post, here, "gave-up", place.channel)


def not_told(post: DuePost) -> None:
    log.warning(
        "ticket=%s: the person who asked was not told (no response_url or direct message)",
        post.ticket_id,
    )
