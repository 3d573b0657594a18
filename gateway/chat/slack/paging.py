"""A ``/ticket`` form in pages (an entry with more fields than one Slack view holds):
going forward (a page before the last sent), going back (its Back button), and what
the earlier pages hold when the last one is filed.

Slack hands back only the page on screen, so what every page holds is kept on our
side (:mod:`store.slack_drafts`) by the form's view id, and each page shown again is
filled in from it: nothing typed on any page is lost by going forward or back. A
page whose draft is gone (pruned after a day) says so instead of going on without it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

from gateway.catalog.model import Entry
from gateway.chat.slack import modal, modal_check
from gateway.chat.slack.as_left import as_left
from gateway.chat.slack.door import WRITE_WAIT, Door
from gateway.core.errors import TransientError
from gateway.core.i18n import N_, Msg, translate
from store import slack_drafts
from store.db import transaction

log = logging.getLogger("gateway.chat.slack")

NOT_SAVED = N_("The ticket could not be saved just now. Please submit again in a moment.")
GONE = N_("The earlier pages of this form were not kept. Please start again.")
NO_LONGER = N_("This kind of request is no longer offered. Please start again.")
NOT_BACK = N_("The page before could not be shown just now. Please press Back again.")
CHANGED = N_(
    "This form was changed while you were filling it in. What you typed is filled in "
    "again where it still belongs: please check it and send the form again."
)


class Gone(Exception):
    """The form's draft is not there (pruned, or another entry's): its earlier pages
    are lost, and the form must not go on as if they were not."""


async def next_page(
    door: Door,
    ack: AsyncAck,
    entry: Entry,
    form: modal.Typed,
    meta: Mapping[str, str],
    view_id: str,
) -> None:
    """A page before the last: checked, kept (before Slack is answered, so what it
    holds is never only on a screen that is gone), and replaced by the next page,
    filled in with what it held before (the person went back from it)."""
    locale = meta.get("locale", door.settings.gateway.locale)
    page = modal.page_of(meta, entry)
    problems = modal_check.errors(entry, form, locale, page, door.today())
    if problems:
        await ack(response_action="errors", errors=problems)
        return
    first = modal.block_of(modal.pages(entry)[page][0])
    try:
        draft = await door.in_db(lambda: _keep(door, view_id, entry, page, form))
    except TransientError as exc:  # not kept: the page stays, and says so
        log.warning("slack form %s: page %s not kept: %s", view_id, page + 1, exc)
        await ack(response_action="errors", errors={first: translate(NOT_SAVED, locale)})
        return
    except Gone:
        await ack(response_action="errors", errors={first: translate(GONE, locale)})
        return
    following = modal.fields_form(
        entry, locale, meta, text=_details(draft, meta, entry, page + 1), page=page + 1,
        filled=draft.fields,
    )  # fmt: skip
    await ack(response_action="update", view=following)


def _details(draft: slack_drafts.Draft, meta: Mapping[str, str], entry: Entry, page: int) -> str:
    """The details for page ``page``: once typed on the last page, as kept in the draft
    (shown on the last page only, never carried in the metadata, which Slack cuts at
    3000); before that, the message's the form was opened with (in the metadata)."""
    if draft.text is None:
        return meta.get("text", "")
    return draft.text if page == len(modal.pages(entry)) - 1 else ""


async def back(door: Door, ack: AsyncAck, body: Mapping[str, Any], client: AsyncWebClient) -> None:
    """The Back button: what the page holds is kept as it is (checked only when sent),
    and the page before replaces it, filled in as it was left. Should that fail, the
    page stays (Slack keeps what is typed in it) and says why."""
    await ack()
    view = body.get("view") or {}
    meta = modal.metadata(view)
    locale = meta.get("locale", door.settings.gateway.locale)
    entry = door.catalog.current.entry(meta.get("entry"))
    view_id, hash_ = str(view.get("id", "")), str(view.get("hash", ""))
    if entry is None:  # no longer offered: the page stays as it was left, and says why
        await _show(client, view_id, hash_, as_left(view, locale, NO_LONGER))
        return
    if meta.get("shape", modal.shape(entry)) != modal.shape(entry):  # the catalog changed
        try:
            await _show(client, view_id, hash_, await changed(door, entry, view, meta))
        except TransientError as exc:  # the page stays as it is: its submit tries again
            log.warning("slack form %s: the changed form not shown: %s", view_id, exc)
        return
    page = modal.page_of(meta, entry)
    if page == 0:
        return
    form = modal.typed(view, entry, page)
    last = page == len(modal.pages(entry)) - 1
    said: Msg | None = None
    try:  # the details wait for the last page again in the draft (whole)
        draft = await door.in_db(lambda: _keep(door, view_id, entry, page, form, details=last))
    except TransientError as exc:
        log.warning("slack form %s: back from page %s not kept: %s", view_id, page + 1, exc)
        said = NOT_BACK
    except Gone:
        said = GONE
    if said is not None:  # the same page again, as it is, with why
        shown = modal.fields_form(
            entry, locale, meta, text=form.text, page=page, filled=form.fields, notice=said
        )
    else:
        shown = modal.fields_form(
            entry,
            locale,
            meta,
            text=_details(draft, meta, entry, page - 1),
            page=page - 1,
            filled=draft.fields,
            subject=draft.subject,
        )
    await _show(client, view_id, hash_, shown)


async def _show(client: AsyncWebClient, view_id: str, hash_: str, view: dict[str, Any]) -> None:
    """The form's view replaced by ``view`` (``hash_``: only if it is still the one the
    button was pressed on); when Slack refuses, the page stays as it was."""
    try:
        await client.views_update(view_id=view_id, hash=hash_ or None, view=view)
    except (SlackApiError, SlackRequestError, OSError) as exc:
        log.warning("slack form %s: not replaced: %s", view_id, exc)


def anchor(view: Mapping[str, Any]) -> str:
    """The block of the page on screen to say a problem of the whole form under: the
    subject (the first page), else the details (the last), else its first input
    (Slack shows no error under a block the page does not have)."""
    values = (view.get("state") or {}).get("values") or {}
    on_screen = list(values) if isinstance(values, dict) else []
    for block in (modal.SUBJECT, modal.TEXT, *on_screen):
        if block in on_screen:
            return str(block)
    return modal.SUBJECT


async def changed(
    door: Door, entry: Entry, view: Mapping[str, Any], meta: Mapping[str, str]
) -> dict[str, Any]:
    """A page of a form laid out before the catalog changed (a field renamed, moved to
    another page, gone, or the pages split otherwise): read by today's layout, what it
    holds could land in the wrong place or nowhere. So the form starts again at its
    first page as laid out now (the view returned), filled in with everything typed so
    far that still has a field (kept in the draft for the pages after it), and says
    why. Raises TransientError when the draft could not be read or written."""
    locale = meta.get("locale", door.settings.gateway.locale)
    view_id = str(view.get("id", ""))
    book = modal.pages(entry)
    on_screen = [modal.typed(view, entry, n) for n in range(len(book))]
    typed = {k: v for page in on_screen for k, v in page.fields.items()}
    form = modal.Typed(on_screen[0].subject, on_screen[0].text, typed)

    def keep() -> slack_drafts.Draft:
        with transaction(door.sessions, wait=WRITE_WAIT) as s:
            before = slack_drafts.of(s, view_id)
            ours = before.entry_id == entry.id
            everything = {k: v for k, v in before.fields.items() if ours and entry.field(k)}
            everything.update(form.fields)
            subject = form.subject or (before.subject if ours else "")
            kept = before.text if ours and before.text is not None else meta.get("text", "")
            text = form.text or kept
            if len(book) == 1:
                return slack_drafts.Draft(entry.id, subject, everything, text)
            return slack_drafts.keep(
                s, view_id, entry.id, list(everything), everything, door.clock.now(),
                subject=subject, text=text,
            )  # fmt: skip

    draft = await door.in_db(keep)
    text = draft.text if len(book) == 1 else ""  # else in the draft, for the last page
    return modal.fields_form(
        entry, locale, meta, text=text or "", filled=draft.fields, subject=draft.subject,
        notice=CHANGED,
    )  # fmt: skip


def earlier_pages(door: Door, view_id: str, entry: Entry) -> slack_drafts.Draft:
    """What the form's earlier pages hold (raises :class:`Gone` when they are not kept)."""
    with transaction(door.sessions, read_only=True, wait=WRITE_WAIT) as s:
        draft = slack_drafts.of(s, view_id)
    if draft.entry_id != entry.id:  # pruned, or not ours: never file a part of it
        raise Gone(view_id)
    return draft


def filed(draft: slack_drafts.Draft, form: modal.Typed, entry: Entry, page: int) -> modal.Typed:
    """The whole sheet: the earlier pages' values and the last page's, where a field of
    the last page left empty now is empty (kept by a Back, it is not filed)."""
    on_page = {f.name for f in modal.pages(entry)[page]}
    earlier = {k: v for k, v in draft.fields.items() if k not in on_page}
    return modal.Typed(draft.subject, form.text, {**earlier, **form.fields})


def _keep(
    door: Door, view_id: str, entry: Entry, page: int, form: modal.Typed, *, details: bool = False
) -> slack_drafts.Draft:
    """Keep one page in the form's draft (``details``: its details too); a page after
    the first needs the draft its first page began (else :class:`Gone`: nothing is
    written)."""
    names = [f.name for f in modal.pages(entry)[page]]
    with transaction(door.sessions, wait=WRITE_WAIT) as s:
        if page > 0 and slack_drafts.of(s, view_id).entry_id != entry.id:
            raise Gone(view_id)
        subject = form.subject if page == 0 else None
        text = form.text if details else None
        return slack_drafts.keep(
            s, view_id, entry.id, names, form.fields, door.clock.now(), subject=subject, text=text
        )
