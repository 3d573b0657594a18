"""The web application, built by one factory: routes, middlewares, static files.

Public: ``/`` (the catalog), ``/new/<entry>`` (an entry's form), the sign-in
pages, ``/static``, ``/favicon.ico`` and ``/-/instance`` (for ``status``). Everything
else (``/board``, ``/tickets``, a ticket, its attachments, the actions) needs a
member's session.
"""

from __future__ import annotations

from aiohttp import web

from gateway.core.instance import PATH as INSTANCE_PATH
from gateway.core.instance import proof, this_instance
from gateway.web import (
    board,
    download,
    guard,
    hosts,
    intake,
    signin,
    slash,
    static,
    ticket_list,
    ticket_merge,
    ticket_pages,
)
from gateway.web.context import WebContext
from gateway.web.visit import CTX

ICON = static.STATIC / "favicon.ico"  # linked by every page; also where a browser looks unasked


async def favicon(request: web.Request) -> web.FileResponse:
    return web.FileResponse(ICON, headers={"Cache-Control": "max-age=86400"})


async def static_file(request: web.Request) -> web.FileResponse:
    """One of our own files (the style sheet, the icon). Not aiohttp's ``add_static``:
    for a name it does not have, that answers a bare 404 typed
    ``application/octet-stream``, which Chromium saves as an empty download instead of
    showing a page, and ``/static/`` itself was refused as a 403 that spoke of an old
    form. Here anything else is our own "not found" page."""
    name = request.match_info["name"]
    path = static.FILES.get(name)
    if path is None:
        raise web.HTTPNotFound()
    # a page links it by its hash (static.url): kept for a year; otherwise checked again
    caching = static.cache_control(name, request.query.get("v"))
    return web.FileResponse(path, headers={"Cache-Control": caching})


async def instance(request: web.Request) -> web.Response:
    """The proof of this daemon's word (:mod:`gateway.core.instance`), which ``status``
    compares with the daemon lock's: the pages answering on the port are this gateway's.
    Public, as the word is a key to nothing and the answer is only its hash."""
    return web.Response(text=proof(this_instance()) + "\n", headers={"Cache-Control": "no-store"})


def make_app(ctx: WebContext) -> web.Application:
    app = web.Application(
        middlewares=[guard.errors, hosts.only_ours, slash.trailing, guard.visitors, guard.csrf],
        client_max_size=ctx.settings.web.max_upload_size + guard.FORM_OVERHEAD,
    )
    app[CTX] = ctx
    app.on_response_prepare.append(guard.add_headers)
    for table in (intake.routes, signin.routes, board.routes, ticket_pages.routes, download.routes):
        app.add_routes(table)
    app.add_routes(ticket_list.routes)  # the list and the board's numbers' filters
    app.add_routes(ticket_merge.routes)  # the merge button (#19)
    app.router.add_get("/favicon.ico", favicon)
    app.router.add_get("/static/{name}", static_file)
    app.router.add_get(INSTANCE_PATH, instance)  # for ticket-gateway status
    return app
