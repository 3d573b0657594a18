"""``/board``: the whiteboard, and its panels, for members."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy.orm import Session

from gateway.catalog.model import Catalog
from gateway.config.settings import Settings
from gateway.web.board_view import CLOSED_DAYS, COLUMNS, build_lanes, panels
from gateway.web.visit import ctx_of, members_only, page, visitor
from store import stats, ticket_query

routes = web.RouteTableDef()


@routes.get("/board")
@members_only
async def board(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    catalog, now, locale = ctx.catalog(), ctx.now(), visitor(request).locale
    rows, filled, figures = await ctx.read(_gather, catalog, ctx.settings, now)
    return page(
        request,
        "board.html.j2",
        {
            "columns": COLUMNS,
            "lanes": build_lanes(rows, catalog, filled, ctx.settings, now, locale),
            "panels": panels(figures, catalog, ctx.settings, locale),
            "closed_days": CLOSED_DAYS,
        },
    )


def _gather(
    session: Session, catalog: Catalog, settings: Settings, now: datetime
) -> tuple[list[ticket_query.BoardRow], dict[int, set[str]], dict[str, Any]]:
    rows = ticket_query.board_rows(session, now - timedelta(days=CLOSED_DAYS))
    with_fields = {e.id for e in catalog.entries if any(f.required for f in e.fields)}
    filled = ticket_query.field_names(
        session, [r.id for r in rows if r.state != "closed" and r.catalog in with_fields]
    )
    figures = stats.compute(
        session,
        entry_ids=[e.id for e in catalog.entries],
        fallback_id=catalog.fallback.id,
        tz=ZoneInfo(settings.gateway.timezone),
        top_terms=stats_terms(),
        now=now,
        stale_after={e.id: e.stale_after for e in catalog.entries if e.stale_after},
    )
    return rows, filled, figures


def stats_terms() -> int:
    return 20  # the same as ``ticket-gateway stats``
