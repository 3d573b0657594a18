"""Slack cards brought up to date after a catalog change.

A card shows the ticket's entry by its name in the channel's language, and offers
*approve* while the entry's action waits for a manager; it is rendered when it is
posted or updated (:mod:`gateway.chat.poster`), so the next update of any card shows
the catalog in use. A catalog that renames, removes or splits an entry would leave the
cards of its open tickets saying the old name until something else happens to them: so
each entry's *look* on a card (its names, whether it can be approved) is recorded in
``card_looks``, and a catalog whose looks differ queues one card update per open
ticket of each changed entry, in the same transaction (the chat outbox: retried while
Slack is down, posted once per change under the key's generation). They are spread
over time (:data:`GAP` apart: Slack's ``chat.update`` takes about 50 a minute), after
what the poster already paces per channel and backs off on ``429``. What a card does
not show (a field's label, an example, a keyword) changes no card.

The looks are compared, not the reload: a change made while the gateway was stopped
is found at the next start, and one whose updates were never written (a crash just
after the reload) at the next pass. The first pass ever only records the looks.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from gateway.catalog.model import Catalog
from gateway.core.clock import Clock
from gateway.core.i18n import LOCALES
from gateway.pipeline.entry_names import not_approvable
from store import card_looks, chat
from store.card_looks import Look
from store.db import transaction

log = logging.getLogger("gateway.chat.poster")

GAP = timedelta(seconds=1.5)  # between two refreshed cards: 40 a minute, under Slack's 50
KEY = "card-refresh:{ticket}:{entry}:{generation}"  # once per ticket and change


def look_of(catalog: Catalog, entry_id: str) -> str:
    """What the cards show of the entry ``entry_id`` (one that is no longer in the
    catalog too: its id with the board's mark), as a digest. Pure."""
    entry = catalog.entry(entry_id)
    shown = {
        "names": {loc: catalog.shown_name(entry_id, loc) for loc in LOCALES},
        "approvable": not_approvable(entry, entry_id) is None,
    }
    text = json.dumps(shown, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def changed_looks(catalog: Catalog, before: dict[str, Look]) -> dict[str, Look]:
    """Each entry whose look differs from ``before`` (the entries recorded and the
    catalog's), with its new look and generation; a new entry at generation 0. Pure."""
    out: dict[str, Look] = {}
    for entry_id in sorted(before.keys() | {e.id for e in catalog.entries}):
        look, was = look_of(catalog, entry_id), before.get(entry_id)
        if was is None:
            out[entry_id] = Look(look, 0)
        elif was.look != look:
            out[entry_id] = Look(look, was.generation + 1)
    return out


def refresh_cards(session: Session, catalog: Catalog, now: datetime) -> list[int]:
    """Record the catalog's looks; queue a card update for every open ticket of an entry
    whose look changed (none the first time: nothing to compare with). The tickets."""
    before = card_looks.stored(session)
    changed = changed_looks(catalog, before)
    for entry_id, look in changed.items():
        card_looks.record(session, entry_id, look, now)
    moved = {e: look.generation for e, look in changed.items() if e in before}
    queued: list[int] = []
    for card in card_looks.open_cards(session, moved):
        generation = moved[card.entry_id]
        key = KEY.format(ticket=card.ticket_id, entry=card.entry_id, generation=generation)
        post = chat.NewPost(key, "slack", "card-update", card.channel, {}, card.ticket_id)
        post_id = chat.enqueue(session, post, now)
        if post_id is not None:
            card_looks.due_at(session, post_id, now + GAP * len(queued))
            queued.append(card.ticket_id)
    if moved:
        log.info(
            "catalog: %d entries look different on cards (%s); %d cards to update",
            len(moved),
            ", ".join(sorted(moved)),
            len(queued),
        )
    return queued


def checked(sessions: sessionmaker[Session], catalog: Catalog, clock: Clock) -> Catalog:
    """:func:`refresh_cards` in a transaction of its own; the catalog checked (the poster
    checks again only when the catalog in use is another one)."""
    with transaction(sessions) as s:
        refresh_cards(s, catalog, clock.now())
    return catalog
