"""Intake: ``/ticket`` and the "Create ticket" message shortcut open the form; its
submission is committed to the inbox, then answered.

Slack wants an answer within 3 seconds: the command and the shortcut are
acknowledged first and the modal opened after; the form's last step is answered
only after its submission is committed (DESIGN.md, rule 1). The stored document
(:func:`gateway.pipeline.parse.submission.encode`) is made of what Slack sent
and nothing of ours that changes between deliveries: the nonce is the view's id
and the time is when the form was shown, so a delivery Slack repeats is the same
bytes and the inbox keeps it once. The runner makes the ticket; the ticket's
card then goes to the thread through the chat outbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

from gateway.chat.slack import answers, modal, modal_check, paging
from gateway.chat.slack.buttons import as_mail_text
from gateway.chat.slack.door import Door
from gateway.chat.slack.people import Person
from gateway.chat.slack.text import plain
from gateway.core import graphemes
from gateway.core.errors import TransientError
from gateway.core.i18n import N_, Msg, translate
from gateway.pipeline.parse import submission

log = logging.getLogger("gateway.chat.slack")

MAX_PREFILL = 2000  # characters of a message carried into the form (private_metadata ≤ 3000)
CHOOSE_AGAIN = N_("The kind of request you chose is no longer offered. Please choose again.")
LOOKUP_WITHIN = 1.0  # seconds for each lookup (the person, the message's mentions, its
# permalink) before the modal opens: together under the trigger's 3 seconds; and for the
# person when a form is sent (with the writes' door.WRITE_WAIT, under Slack's 3 seconds)


async def open_from_command(
    door: Door, ack: AsyncAck, body: Mapping[str, Any], client: AsyncWebClient
) -> None:
    await ack()
    meta = {
        "team_id": str(body.get("team_id", "")),
        "channel": str(body.get("channel_id", "")),
        "thread_ts": "",
        "permalink": "",
        "user_id": str(body.get("user_id", "")),
        "response_url": _response_url(body),
        # Slack sends &, < and > as entities (and markup, should escaping be on)
        "text": graphemes.cut(plain(str(body.get("text", "")), {}), MAX_PREFILL),
    }
    command = door.settings.chat.slack.command if door.settings.chat.slack else "/ticket"
    again = N_(
        "The form could not be opened just now. Please type {command} again.", command=command
    )
    await _open(door, client, str(body.get("trigger_id", "")), meta, again, meta["response_url"])


async def open_from_message(
    door: Door, ack: AsyncAck, body: Mapping[str, Any], client: AsyncWebClient
) -> None:
    """The message shortcut: the same form, with the message's text and permalink."""
    await ack()
    message = body.get("message") or {}
    channel = str((body.get("channel") or {}).get("id", ""))
    ts = str(message.get("ts", ""))
    user_id = str((body.get("user") or {}).get("id", ""))
    author = str(message.get("user") or "")  # none for an app's or a bot's message
    author = author if author != user_id else ""
    permalink, text, _ = await asyncio.gather(  # side by side: the trigger's seconds are few
        _permalink(client, channel, ts),
        _prefill(door, str(message.get("text", ""))),
        _ask_about(door, author),  # known (cached) when the form is sent
    )
    meta = {
        "team_id": str((body.get("team") or {}).get("id", "")),
        "channel": channel,
        "thread_ts": str(message.get("thread_ts") or ts),
        "permalink": permalink,
        "user_id": user_id,
        "author": author,  # who wrote the message, when another: a member files it as theirs
        "response_url": _response_url(body),
        "text": graphemes.cut(text, MAX_PREFILL),  # an emoji sequence whole, or not at all
    }
    again = N_("The form could not be opened just now. Please try again.")
    await _open(door, client, str(body.get("trigger_id", "")), meta, again, meta["response_url"])


async def choose_entry(door: Door, ack: AsyncAck, view: Mapping[str, Any]) -> None:
    """Step one submitted: step two replaces it, in the same answer."""
    meta = modal.metadata(view)
    locale = meta.get("locale", door.settings.gateway.locale)
    chosen = modal.chosen_entry(view)
    entry = door.catalog.current.entry(chosen)
    if entry is None and chosen:  # taken out of the catalog since the menu was shown:
        # the menu as the catalog is now (the one on screen still offers it), said why
        again = modal.entry_picker(door.catalog.current, locale, meta, notice=CHOOSE_AGAIN)
        await ack(response_action="update", view=again)
        return
    if entry is None:
        await ack(
            response_action="errors", errors={modal.ENTRY: translate(N_("Choose one"), locale)}
        )
        return
    text = meta.pop("text", "")
    meta["opened_at"] = door.clock.now().isoformat()
    await ack(response_action="update", view=modal.fields_form(entry, locale, meta, text=text))


async def submit(
    door: Door, ack: AsyncAck, body: Mapping[str, Any], view: Mapping[str, Any]
) -> None:
    """Step two submitted: check, commit to the inbox, then answer (errors stay in the
    form). A page before the last of a form in pages is kept and answered with the
    next page; the last one is filed with what the earlier pages held."""
    meta = modal.metadata(view)
    locale = meta.get("locale", door.settings.gateway.locale)
    entry = door.catalog.current.entry(meta.get("entry"))
    if entry is None:
        why = N_("This kind of request is no longer offered. Please start again.")
        await ack(response_action="errors", errors={paging.anchor(view): translate(why, locale)})
        return
    if meta.get("shape", modal.shape(entry)) != modal.shape(entry):  # the catalog changed
        try:
            again = await paging.changed(door, entry, view, meta)
        except TransientError as exc:  # not kept: the page stays, and says so
            log.warning("slack form %s: the changed form not kept: %s", view.get("id"), exc)
            said = translate(paging.NOT_SAVED, locale)
            await ack(response_action="errors", errors={paging.anchor(view): said})
            return
        await ack(response_action="update", view=again)
        return
    page, view_id = modal.page_of(meta, entry), str(view.get("id", ""))
    form = modal.typed(view, entry, page)
    if page < len(modal.pages(entry)) - 1:
        await paging.next_page(door, ack, entry, form, meta, view_id)
        return
    if page > 0:  # the last of several pages: with the earlier pages' values
        try:
            draft = await door.in_db(lambda: paging.earlier_pages(door, view_id, entry))
        except TransientError as exc:  # not read: the page stays, and says so
            log.warning("slack form %s: earlier pages not read: %s", view_id, exc)
            await ack(
                response_action="errors", errors={modal.TEXT: translate(paging.NOT_SAVED, locale)}
            )
            return
        except paging.Gone:
            await ack(response_action="errors", errors={modal.TEXT: translate(paging.GONE, locale)})
            return
        form = paging.filed(draft, form, entry, page)
    problems = modal_check.errors(entry, form, locale, page, door.today())
    user_id = str((body.get("user") or {}).get("id", ""))
    person = await _requester(door, user_id, meta.get("author", ""))
    if person is None:  # whose message it was, Slack cannot say just now
        why = N_("Slack could not tell us just now who wrote the message. Please submit again.")
        problems.setdefault(paging.anchor(view), translate(why, locale))
        person = door.people.unknown(user_id)
    if not person.email and not problems:
        why = N_("Slack shows no e-mail address for you, and the ticket needs one to answer you.")
        if not person.known:  # users.info failed (rate-limited, down): it may well show one
            why = N_(
                "Slack could not tell us just now who you are. Please submit again in a moment."
            )
        problems[paging.anchor(view)] = translate(why, locale)
    if problems:
        await ack(response_action="errors", errors=problems)
        return
    team = meta.get("team_id", "") or str((body.get("team") or {}).get("id", ""))
    raw = submission.encode(
        source="slack",
        nonce=f"slack:{team}:{view_id}",
        submitted_at=_when(meta.get("opened_at", ""), door),
        entry_id=entry.id,
        requester_email=person.email,
        requester_name=person.name,
        subject=form.subject,
        text=form.text,
        fields=form.fields,
        locale=locale,
        reference=meta.get("permalink", ""),
        extra={
            "team_id": team,
            "channel": meta.get("channel", ""),
            "thread_ts": meta.get("thread_ts", ""),
            "permalink": meta.get("permalink", ""),
            "user_id": user_id,
            # where to tell the person should their channel not take the card (the app is
            # not in it): good for 30 minutes, so never kept on the ticket's events
            "response_url": meta.get("response_url", ""),
        },
    )
    try:
        accepted = await door.accept(raw, f"slack:{team}:{view_id}")
    except TransientError as exc:  # not stored: the form stays open and says so
        log.warning("slack submission %s not stored: %s", view_id, exc)
        said = translate(paging.NOT_SAVED, locale)
        await ack(response_action="errors", errors={paging.anchor(view): said})
        return
    await ack()
    log.info(
        "slack submission view=%s inbox=%s%s",
        view_id,
        accepted.inbox_id,
        " (again)" if accepted.duplicate else "",
    )


async def _open(
    door: Door,
    client: AsyncWebClient,
    trigger_id: str,
    meta: dict[str, str],
    again: Msg,
    response_url: str,
) -> None:
    """Show step one. The trigger lives 3 seconds from Slack's request, so who asked is
    looked up within LOOKUP_WITHIN only (else the form is in the team's language; the
    submission looks them up again, with the whole timeout). A form Slack does not open
    (the trigger expired, Slack failed) is said to the person, ``again``, where they
    asked (:mod:`~gateway.chat.slack.answers`), instead of a form that never comes."""
    try:
        person = await asyncio.wait_for(door.people.lookup(meta["user_id"]), LOOKUP_WITHIN)
    except TimeoutError:
        log.info(
            "users.info %s: no answer within %ss; the form opens", meta["user_id"], LOOKUP_WITHIN
        )
        person = door.people.unknown(meta["user_id"])
    meta["locale"] = door.people.locale(person)
    view = modal.entry_picker(door.catalog.current, meta["locale"], meta)
    try:
        await client.views_open(trigger_id=trigger_id, view=view)
    except (SlackApiError, SlackRequestError, OSError) as exc:
        log.warning("could not open the ticket form: %s", exc)
        said = translate(again, meta["locale"])
        await answers.tell(
            client,
            meta["channel"],
            meta["user_id"],
            said,
            response_url=response_url,
            timeout=door.settings.chat.timeout,
        )


async def _ask_about(door: Door, user_id: str) -> None:
    """Slack is asked who ``user_id`` is while the form opens (within LOOKUP_WITHIN; the
    lookup goes on after it), so the answer is at hand when the form is sent."""
    if not user_id:
        return
    lookup = asyncio.ensure_future(door.people.lookup(user_id))
    _LOOKING.add(lookup)
    lookup.add_done_callback(_LOOKING.discard)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.shield(lookup), LOOKUP_WITHIN)


async def _requester(door: Door, user_id: str, author: str) -> Person | None:
    """Whose ticket the form files: the sender's; but when a member made another
    person's message a ticket (*Create ticket*), that person's, who asked and is to hear
    the acknowledgement and the answers. Anyone else files another's message as their
    own (nobody but the team opens a ticket in another's name); a message whose author
    shows no address (an app, a guest Slack hides) stays the member's. None: Slack
    cannot say just now who wrote it (the page asks to be sent again). Both lookups go
    side by side, within LOOKUP_WITHIN: Slack's 3 seconds are for the whole answer."""
    if not author:
        return await _sender(door, user_id)
    person, wrote = await asyncio.gather(_sender(door, user_id), _sender(door, author))
    if door.people.member(person) is None:
        return person
    if not wrote.known:
        return None
    return wrote if wrote.email else person


_LOOKING: set[asyncio.Task[Any]] = set()  # lookups left to finish after the answer


async def _sender(door: Door, user_id: str) -> Person:
    """Who sent the form, if Slack says so within LOOKUP_WITHIN (its 3 seconds are for
    the whole answer; the [chat] timeout may be longer): else unknown, and the page asks
    to be sent again. The lookup goes on meanwhile, so the person it finds is cached
    for that next try."""
    lookup = asyncio.ensure_future(door.people.lookup(user_id))
    _LOOKING.add(lookup)
    lookup.add_done_callback(_LOOKING.discard)
    try:
        return await asyncio.wait_for(asyncio.shield(lookup), LOOKUP_WITHIN)
    except TimeoutError:
        log.info("users.info %s: no answer within %ss; the page stays", user_id, LOOKUP_WITHIN)
        return door.people.unknown(user_id)


def _response_url(body: Mapping[str, Any]) -> str:
    """Where Slack takes the answer to a command or a shortcut (none: "")."""
    return str(body.get("response_url") or "")


async def _prefill(door: Door, text: str) -> str:
    """The message as the form shows it: mentions by name when Slack says them in time
    (the trigger's 3 seconds), else as Slack's ids."""
    try:
        return await asyncio.wait_for(as_mail_text(door, text), LOOKUP_WITHIN)
    except TimeoutError:
        return plain(text, {})


async def _permalink(client: AsyncWebClient, channel: str, ts: str) -> str:
    try:
        answer = await asyncio.wait_for(
            client.chat_getPermalink(channel=channel, message_ts=ts), LOOKUP_WITHIN
        )
    except (SlackApiError, SlackRequestError, OSError, TimeoutError) as exc:
        log.info("no permalink for %s/%s: %s", channel, ts, exc)
        return ""
    return str(answer.get("permalink") or "")


def _when(text: str, door: Door) -> datetime:
    """When the form was shown (part of the stored bytes, so a redelivery is the same)."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return door.clock.now()
