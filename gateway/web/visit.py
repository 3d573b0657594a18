"""One request's visitor (the member signed in, if any, the page language, the
CSRF token) and the helpers that answer with a page or a redirect."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from gateway.config.settings import Member
from gateway.web import pages
from gateway.web.context import WebContext

CTX = web.AppKey("ctx", WebContext)
SESSION_COOKIE = "tg_session"
NEXT_COOKIE = "tg_next"  # the page a member asked for before signing in
NEXT_FOR = 3600  # seconds it is remembered: time enough to fetch the mailed link
CSRF_COOKIE = "tg_csrf"
CSRF_FIELD = "csrf"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class Visitor:
    locale: str
    csrf: str  # the token every form of the page carries
    member: Member | None = None
    session_token: str = ""

    @property
    def signed_in(self) -> bool:
        return self.member is not None


VISITOR = web.RequestKey("visitor", Visitor)


def ctx_of(request: web.Request) -> WebContext:
    return request.app[CTX]


def visitor(request: web.Request) -> Visitor:
    if VISITOR in request:
        return request[VISITOR]
    ctx = ctx_of(request)
    return Visitor(locale=ctx.settings.gateway.locale, csrf="")


def page(
    request: web.Request, template: str, values: Mapping[str, Any] | None = None, status: int = 200
) -> web.Response:
    v = visitor(request)
    html = pages.render(
        template,
        v.locale,
        {
            **(values or {}),
            "visitor": v,
            "csrf_field": CSRF_FIELD,
            "path": request.path,
            "timezone": ctx_of(request).settings.gateway.timezone,
        },
    )
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")


def see_other(location: str) -> web.HTTPSeeOther:
    """A redirect to one of our own paths, never to a place a request named."""
    return web.HTTPSeeOther(location if own_path(location) else "/")


def own_path(location: str) -> bool:
    """A path on this site (not ``//host``, not a backslash a browser reads as ``/``)."""
    return location.startswith("/") and not location.startswith("//") and "\\" not in location


def members_only(handler: Handler) -> Handler:
    """A page for members: others are sent to the sign-in page, and back to this page
    once signed in (a GET: the page a pasted link or a bookmark named)."""

    async def guarded(request: web.Request) -> web.StreamResponse:
        if not visitor(request).signed_in:
            redirect = see_other("/sign-in")
            if request.method == "GET" and len(request.path_qs) <= 1000:
                redirect.set_cookie(
                    NEXT_COOKIE,
                    request.path_qs,
                    max_age=NEXT_FOR,
                    httponly=True,
                    samesite="Lax",
                    secure=ctx_of(request).settings.web.secure,
                    path="/",
                )
            raise redirect
        return await handler(request)

    guarded.__name__ = handler.__name__
    guarded.__doc__ = handler.__doc__
    return guarded
