"""The ticket card's buttons, and a member's answer sent to the requester on purpose.

Only members act (and only a manager approves a catalog action that waits for it,
through the function ``/approve`` uses): a Slack user mapped to a ``[[members]]`` entry (see
:mod:`gateway.chat.slack.people`). Anyone else gets an ephemeral message that
says why, and nothing changes. A member's press goes through the tickets
service with channel ``slack``, exactly like a mail command: the state machine
decides, the event is written, and the news hook queues the card update and the
thread line. A member's words reach the requester only when the member asks for
it — the "Send to requester" message shortcut on their own thread reply, or
``/reply <ticket> <text>`` — and then through the relay that member reply mails
use (an answer mail through the outbox).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from gateway.actions import trigger
from gateway.chat import render
from gateway.chat.markup import literal_said
from gateway.chat.slack import answers, files_left
from gateway.chat.slack.door import Door
from gateway.chat.slack.people import Person
from gateway.chat.slack.text import mentioned, plain
from gateway.config.settings import Member
from gateway.core.errors import InvalidTransition, TransientError
from gateway.core.i18n import N_, NP_, Msg, translate
from gateway.core.model import CloseReason, TicketState, ticket_number
from gateway.notify import labels
from gateway.tickets import changes
from gateway.tickets.relay import relay_answer
from store import chat, outbox, tickets
from store.db import transaction

log = logging.getLogger("gateway.chat.slack")

CHANNEL = "slack"
# /reply 42 text: the number as typed, also in a Japanese input method's full width
# (＃４２, \d is any digit) and before an ideographic space (\s)
_REPLY = re.compile(r"^\s*[#＃]?(\d{1,12})\s+(.+)$", re.DOTALL)
NOT_A_THREAD = N_("This is not the thread of a ticket.")
NOT_A_MEMBER = N_(
    "Only members of the team can work on tickets from Slack, and your Slack account is "
    "not linked to one. Nothing was changed."
)
NOT_KNOWN = N_(
    "Slack could not tell us just now who you are, so nothing was changed. Please try "
    "again in a moment."
)
TRY_AGAIN = N_("That could not be saved just now. Please try again in a moment.")


def not_a_member(person: Person) -> Msg:
    """Why a person is refused: not a member, or not known (users.info failed, so a
    member by the address Slack shows cannot be told from anyone else just now)."""
    return NOT_A_MEMBER if person.known else NOT_KNOWN


async def press(
    door: Door,
    ack: AsyncAck,
    body: Mapping[str, Any],
    action: Mapping[str, Any],
    client: AsyncWebClient,
) -> None:
    """Assign to me / set pending / close / approve, from the card."""
    await ack()
    user_id = str((body.get("user") or {}).get("id", ""))
    channel = str((body.get("channel") or {}).get("id", ""))
    person = await door.people.lookup(user_id)
    locale = door.people.locale(person)
    member = door.people.member(person)
    if member is None:
        log.info(
            "slack user %s (%s) is not a member; %s refused",
            user_id,
            person.email,
            action.get("action_id"),
        )
        await _tell(client, channel, user_id, translate(not_a_member(person), locale))
        return
    value = str(action.get("value", ""))
    ticket_id = ticket_number(value) if value.isascii() and value.isdigit() else None
    if ticket_id is None:  # our cards carry a ticket's number; nothing else is acted on
        return
    try:
        refused = await door.in_db(
            lambda: _apply(door, str(action.get("action_id")), ticket_id, member)
        )
    except TransientError:
        refused = TRY_AGAIN
    if refused is not None:  # an entry's name, a label: as written, in mrkdwn too
        await _tell(client, channel, user_id, translate(literal_said(refused), locale))


def _apply(door: Door, action: str, ticket_id: int, member: Member) -> Msg | None:
    """One press through the tickets service; what to tell the presser (a refusal, or
    what an approval did), or None when done."""
    with transaction(door.sessions) as s:
        ticket = tickets.get_to_change(s, ticket_id)
        if ticket is None:
            return N_("There is no ticket #{id}.", id=ticket_id)
        if ticket.merged_into_id is not None:  # its card predates the merge: work goes there
            return _merged(ticket.id, ticket.merged_into_id)
        now, actor = door.clock.now(), member.email
        if action == render.APPROVE:  # the function /approve uses: managers only
            try:
                return trigger.approve(
                    s, door.settings.members, door.catalog.current, ticket, now,
                    actor=actor, channel=CHANNEL,
                )  # fmt: skip
            except trigger.ApprovalRefused as exc:
                return exc.reason
        try:
            if action == render.ASSIGN_ME:
                if ticket.assignee == member.email:
                    return N_("This ticket is already yours.")
                changes.assign(s, ticket, member.email, now, actor=actor, channel=CHANNEL)
            elif action == render.SET_PENDING:
                changes.change_state(
                    s, ticket, TicketState.PENDING, now, actor=actor, channel=CHANNEL
                )
            elif action == render.CLOSE:
                changes.change_state(
                    s,
                    ticket,
                    TicketState.CLOSED,
                    now,
                    actor=actor,
                    channel=CHANNEL,
                    reason=CloseReason.RESOLVED,
                )
            else:
                return None
        except InvalidTransition as exc:
            if exc.current == exc.target:  # a double click, or another member was first
                return N_(
                    "This ticket is already {state}.",
                    state=labels.state(exc.current),
                )
            return N_(
                "A ticket that is {state} cannot be set {target}.",
                state=labels.state(exc.current),
                target=labels.state(exc.target),
            )
        changes.add_participant(s, ticket, member.email, "ops", now, actor=actor, channel=CHANNEL)
    return None


async def send_message(
    door: Door, ack: AsyncAck, body: Mapping[str, Any], client: AsyncWebClient
) -> None:
    """The "Send to requester" shortcut on a member's own reply in a ticket's thread."""
    await ack()
    user_id = str((body.get("user") or {}).get("id", ""))
    channel = str((body.get("channel") or {}).get("id", ""))
    message = body.get("message") or {}
    person = await door.people.lookup(user_id)
    locale, member = door.people.locale(person), door.people.member(person)
    if member is None:
        await _tell(client, channel, user_id, translate(not_a_member(person), locale))
        return
    if str(message.get("user", "")) != user_id:
        why = N_("Only your own reply can be sent to the requester.")
        await _tell(client, channel, user_id, translate(why, locale))
        return
    thread = str(message.get("thread_ts") or message.get("ts") or "")
    text = await as_mail_text(door, str(message.get("text", "")))
    # the message and its words: pressed twice, one mail; edited in Slack (a typo
    # fixed) and sent again, the corrected words are a new answer
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    key = f"slack:{channel}:{message.get('ts', '')}:{digest}"
    said, count = await _relay(
        door, member, text, key, lambda s: chat.ticket_at(s, channel, thread)
    )
    # files beside the words (a screenshot) do not go: the member hears so, by name
    told = files_left.told(said, count, text, message.get("files"), locale)
    await _tell(client, channel, user_id, told)


async def as_mail_text(door: Door, text: str) -> str:
    """A Slack message's text as a mail carries it, mentions by the person's name."""
    names = {uid: (await door.people.lookup(uid)).name for uid in mentioned(text)[:20]}
    return plain(text, names)


async def reply_command(
    door: Door, ack: AsyncAck, body: Mapping[str, Any], client: AsyncWebClient
) -> None:
    """``/reply 42 text``: the text goes to ticket #42's requester, as a member's answer.
    Answered through the command's response_url: ``/reply`` works where the bot is not."""
    await ack()
    user_id, channel = str(body.get("user_id", "")), str(body.get("channel_id", ""))
    person = await door.people.lookup(user_id)
    locale, member = door.people.locale(person), door.people.member(person)

    async def tell(message: Msg) -> None:
        await answers.tell(
            client,
            channel,
            user_id,
            translate(message, locale),
            response_url=str(body.get("response_url") or ""),
            timeout=door.settings.chat.timeout,
        )

    if member is None:
        await tell(not_a_member(person))
        return
    found = _REPLY.match(str(body.get("text", "")))
    if found is None:
        await tell(N_("Write the ticket number and your answer: /reply 42 Your answer …"))
        return
    missing = N_("There is no ticket #{id}.", id=int(found.group(1)))
    ticket_id = ticket_number(found.group(1))  # past every id (the column's overflow): none
    if ticket_id is None:
        await tell(missing)
        return
    text = await as_mail_text(door, found.group(2))
    key = f"slack-reply:{body.get('team_id', '')}:{body.get('trigger_id', '')}"
    said, _ = await _relay(door, member, text, key, lambda _s: ticket_id, missing)
    await tell(said)


async def _relay(
    door: Door,
    member: Member,
    text: str,
    key: str,
    which: Any,
    missing: Msg = NOT_A_THREAD,
) -> tuple[Msg, int | None]:
    """What to tell the member, and to how many it went (None: refused before sending)."""

    def work() -> tuple[Msg, int | None]:
        with transaction(door.sessions) as s:
            ticket_id = which(s)
            ticket = tickets.get_to_change(s, ticket_id) if ticket_id is not None else None
            if ticket is None:
                return missing, None
            if ticket.merged_into_id is not None:  # its requester and thread are there now
                return _merged(ticket.id, ticket.merged_into_id), None
            if outbox.queued_under(s, f"{key}:"):  # a press or command Slack repeated
                return N_("This answer was sent to the requester already."), None
            count = relay_answer(
                s,
                door.settings,
                ticket,
                member,
                text,
                key=key,
                now=door.clock.now(),
                channel=CHANNEL,
            )
        if not count:
            return N_("Nothing was sent: there is nobody to send it to, or nothing to send."), 0
        sent = NP_(
            "Sent to the requester by mail ({count} recipient).",
            "Sent to the requester by mail ({count} recipients).",
            count,
            count=count,
        )
        return sent, count

    try:
        return await door.in_db(work)
    except TransientError:
        return TRY_AGAIN, None


def _merged(ticket_id: int, target: int) -> Msg:
    """A press or an answer on a merged ticket: nothing done, and where to work."""
    return N_(
        "Ticket #{id} was merged into #{target}; please work on #{target}. Nothing was changed.",
        id=ticket_id,
        target=target,
    )


async def _tell(client: AsyncWebClient, channel: str, user: str, text: str) -> None:
    """An ephemeral message: only ``user`` sees it (the door's answer, not ticket news)."""
    await answers.tell(client, channel, user, text)
