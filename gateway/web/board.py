"""``/board``: the whiteboard, and its panels, for members."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session

from gateway.catalog.model import Catalog
from gateway.config.settings import Settings
from gateway.scheduling import stale, workload
from gateway.web.board_view import (
    CARDS_PER_CELL,
    CLOSED_DAYS,
    COLUMNS,
    build_lanes,
    minute,
    panels,
)
from gateway.web.ticket_list import NOBODY
from gateway.web.visit import ctx_of, entry_langs, members_only, page, visitor
from store import ticket_query

routes = web.RouteTableDef()


@routes.get("/board")
@members_only
async def board(request: web.Request) -> web.Response:
    """Rebuilt when a ticket changed (a new event or message) or the minute turned;
    otherwise the same view is shown again: a whiteboard left open on several
    screens costs one tiny query per look, not the whole board."""
    ctx = ctx_of(request)
    catalog, locale = ctx.catalog(), visitor(request).locale
    now = minute(ctx.now())
    key = (await ctx.read(ticket_query.data_version), now, id(catalog), locale)
    view = ctx.memo.get("board")
    if view is None or view[0] != key:
        # the cards and the panels are independent reads: two threads of the pool
        (cells, filled, unreached), figures = await asyncio.gather(
            ctx.read(_cards, catalog, now), ctx.read(_figures, catalog, ctx.settings, now)
        )
        values = {
            "columns": COLUMNS,
            "lanes": build_lanes(cells, catalog, filled, ctx.settings, now, locale, unreached),
            "panels": panels(figures, catalog, ctx.settings, locale, now),
            "closed_days": CLOSED_DAYS,
            "nobody": NOBODY,  # the "(not filed)" lane's entry in the list's links
        }
        view = (key, values)
        ctx.memo["board"] = view
    return page(request, "board.html.j2", {**view[1], "entry_langs": entry_langs(request)})


def _cards(
    session: Session, catalog: Catalog, now: datetime
) -> tuple[ticket_query.BoardCells, dict[int, set[str]], frozenset[int]]:
    """The cards, the required fields filled on them, and which of them wait on a
    pending reminder that never reached the requester (stale as the reminder says)."""
    cells = ticket_query.board_cells(session, now - timedelta(days=CLOSED_DAYS), CARDS_PER_CELL)
    with_fields = {e.id for e in catalog.entries if any(f.required for f in e.fields)}
    filled = ticket_query.field_names(
        session, [r.id for r in cells.cards if r.state != "closed" and r.catalog in with_fields]
    )
    return cells, filled, stale.unreached(session, cells.cards)


def _figures(
    session: Session, catalog: Catalog, settings: Settings, now: datetime
) -> dict[str, Any]:
    return workload.board_figures(session, catalog, settings, now)  # as ``stats --json``
