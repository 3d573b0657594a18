"""A page's address with a slash after it (``/board/``, ``/tickets/12/``): a ``303``
to the address without it, as the request form did alone (``/new/vpn/``).

A link pasted from a chat or a mail, a path a browser completed or a person typed
gets a slash after it; a bare "not found" for a page that is there left the reader
guessing. Only a GET or HEAD is sent on (a 303 turns a POST into a GET and drops what
was posted), only to a path this site answers, and never to another host: without
its slash ``//evil.test/`` is ``//evil.test``, which a browser reads as that host, so
every candidate passes :func:`gateway.web.visit.own_path`, as written and decoded.
"""

from __future__ import annotations

from aiohttp import web
from yarl import URL

from gateway.web.visit import Handler, own_path

# the methods whose redirect repeats the request as it was
_SAFE_METHODS = ("GET", "HEAD")


@web.middleware
async def trailing(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Before "not found": the same address without its slash, if that is a page."""
    unmatched = isinstance(request.match_info.http_exception, web.HTTPNotFound)
    if unmatched and request.method in _SAFE_METHODS:
        meant = await _without_slash(request)
        if meant:
            raise web.HTTPSeeOther(meant)
    return await handler(request)


async def _without_slash(request: web.Request) -> str:
    """The address to send the request to, or "" when there is none: no slash at the
    end, nothing left without it, not our own path, or no page there either."""
    raw = request.rel_url.raw_path
    if not raw.endswith("/"):
        return ""
    path = raw.rstrip("/")
    if not (path and own_path(path) and own_path(request.rel_url.path.rstrip("/"))):
        return ""
    found = await request.app.router.resolve(request.clone(rel_url=URL(path, encoded=True)))
    if found.http_exception is not None:
        return ""
    query = request.rel_url.raw_query_string
    location = f"{path}?{query}" if query else path
    return location if own_path(location) else ""
