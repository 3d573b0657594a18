"""``/tickets``: the CLI's filters and full-text search, and the filters the board's
numbers link with, so that each number opens the list of exactly the tickets it
counts: the closed column's window (``closed_days``), the panels' marks (``mark``),
the catalog panel's last 30 and 90 days (``opened_days``) and the members panel's
inventory force-closes this quarter (``forced``: the member who held them).

A search that is a ticket's tag (``[HELP#12]``, ``#12``, as every mail carries it and
people say it) opens that ticket, as RT's and Zammad's boxes do: the tag is no word of
the request, so the text search found nothing. Bare digits stay a text search (an
error code, a year) with that ticket offered above the hits."""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy.orm import Session

from gateway.catalog.model import Catalog
from gateway.config.settings import Settings
from gateway.core.domains import ascii_address
from gateway.core.priority import Priority
from gateway.pipeline.merging import parse_ticket_ref
from gateway.scheduling import stale, workload
from gateway.web.board_view import minute
from gateway.web.intake_check import address_as_kept
from gateway.web.visit import ctx_of, entry_langs, members_only, page, see_other, visitor
from store import reminders, stats, ticket_query, tickets

routes = web.RouteTableDef()

PAGE_SIZE = 50
MAX_SEARCH = 200  # characters of the search read, and the box's maxlength: 9 bytes each
# at most in the URL, far below aiohttp's 8190-byte request line
STATES = ("new", "open", "pending", "closed", "active")
# the assignee and entry filters' value for the tickets nobody has / of no entry, as on
# the CLI (``--assignee -``, ``--catalog -``); the board's "(not filed)" lane links with it
NOBODY = "-"
PRIORITIES = tuple(reversed([p.value for p in Priority]))  # the most urgent first
MAX_DAYS = 36_500  # a window of days asked in the address: a century at most


@routes.get("/tickets")
@members_only
async def ticket_list(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    q = request.query
    state = q.get("state", "")
    priority = q.get("priority", "")
    page_no = _int(q.get("page", "1"), 1, 10_000)
    # the board's numbers link here with their filters: the same tickets they count,
    # read at the same minute as the board (board_view.minute)
    now = minute(ctx.now())
    closed_days = _int(q.get("closed_days", ""), 0, MAX_DAYS) if state == "closed" else 0
    opened_days = _int(q.get("opened_days", ""), 0, MAX_DAYS)
    forced = _none_or(q.get("forced", "").strip().lower())
    sort, mark = q.get("sort", ""), q.get("mark", "")
    search = q.get("q", "")[:MAX_SEARCH]
    number, tagged = _number_in(search, ctx.settings.gateway.tag_prefix)
    numbered = await ctx.read(_numbered, number) if number is not None else None
    if numbered is not None and tagged:  # the ticket named by its tag: its page
        raise see_other(f"/tickets/{numbered[0]}")
    query = ticket_query.TicketQuery(
        order=sort if sort in ticket_query.ORDERS else "newest",
        state=state if state in STATES else None,
        assignee=_none_or(q.get("assignee", "").strip().lower()),  # as the store reads it
        requester=address_as_kept(q.get("requester", "")) or None,  # as pasted, too
        catalog=_none_or(q.get("catalog", "")),
        priority=priority if priority in PRIORITIES else None,
        search=search,
        closed_since=now - timedelta(days=closed_days) if closed_days else None,
        opened_since=now - timedelta(days=opened_days) if opened_days else None,
        limit=PAGE_SIZE,
        offset=(page_no - 1) * PAGE_SIZE,
        team=ctx.settings.team,  # "nobody" counts one who left the team: store.holders
    )
    mark = mark if mark in workload.MARKS else ""
    rows, total = await ctx.read(_find, query, mark, forced, ctx.catalog(), ctx.settings, now)
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    params = {k: v for k, v in q.items() if k != "page"}
    if page_no > pages:  # an old link, the list shorter since: its last page, not "5 / 3"
        raise see_other(f"/tickets?{urlencode({**params, 'page': str(pages)})}")
    return page(
        request,
        "tickets.html.j2",
        {
            "rows": rows,
            "total": total,
            "query": query,
            "page_no": page_no,
            "pages": pages,
            "entries": ctx.catalog().entries,
            "entry_names": {e.id: e.name(visitor(request).locale) for e in ctx.catalog().entries},
            "entry_langs": entry_langs(request),  # an entry's name in the other language
            "members": ctx.settings.members,
            "states": STATES,
            "marks": workload.MARKS,
            "mark": mark,
            "orders": ticket_query.ORDERS,
            "nobody": NOBODY,
            "closed_days": closed_days,
            "opened_days": opened_days,
            "forced": forced,
            "priorities": PRIORITIES,
            "params": params,
            "max_search": MAX_SEARCH,
            "numbered": numbered,  # bare digits: the ticket of that number, offered
        },
    )


def _find(
    session: Session,
    query: ticket_query.TicketQuery,
    mark: str,
    forced: str | None,
    catalog: Catalog,
    settings: Settings,
    now: datetime,
) -> tuple[list[dict[str, Any]], int]:
    """The list's page; with ``mark`` (stale, SLA breached, due soon), of the open
    tickets that carry it, decided by the rules the board's panels count them with;
    with ``forced`` (a member, "" nobody), of the tickets the inventory closed this
    quarter while that member held them, read as ``stats`` counts them."""
    only: set[int] | None = None
    if mark:
        open_ = stats.open_times(session)
        gone = stale.unreached(session, open_)
        only = set(workload.marked(open_, catalog, settings, now, mark, gone))
    if forced is not None:
        since = stats.quarter_start(now, ZoneInfo(settings.gateway.timezone))
        held = reminders.force_closed(session, since, now)
        theirs = held.get(ascii_address(forced) if forced else "", set())
        only = theirs if only is None else only & theirs
    if only is not None:
        query = replace(query, only=tuple(sorted(only)))
    return ticket_query.find(session, query)


def _number_in(search: str, tag_prefix: str) -> tuple[int | None, bool]:
    """The ticket number a search is, as ``/merge`` reads one (NFKC: 「＃１２」 from an
    input method is #12), and whether it came as a tag (with ``#``) rather than bare
    digits."""
    word = unicodedata.normalize("NFKC", search).strip()
    return parse_ticket_ref(word, tag_prefix), "#" in word


def _numbered(session: Session, number: int) -> tuple[int, str] | None:
    """The ticket of that number and its subject, when there is one."""
    ticket = tickets.get(session, number)
    return None if ticket is None else (ticket.id, ticket.subject)


def _none_or(asked: str) -> str | None:
    """An assignee or entry filter as the query reads it: ``-`` (the CLI's
    ``--assignee -``) is the tickets nobody has or of no entry, empty is any."""
    if asked == NOBODY:
        return ""
    return asked or None


def _int(text: str, low: int, high: int) -> int:
    try:
        return min(max(int(text), low), high)
    except ValueError:
        return low
