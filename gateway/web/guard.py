"""The rules every request passes: security headers, errors as pages, the
visitor (session, language, CSRF cookie) and the CSRF check on every POST.

Headers are added in ``on_response_prepare``, so error pages, static files and
streamed downloads carry them too; Strict-Transport-Security only when ``base_url``
is https. The CSP allows nothing but our own files:
no inline script or style, no frames, forms post only to us.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Sequence
from datetime import timedelta
from urllib.parse import urlsplit

from aiohttp import web
from multidict import MultiDictProxy

from gateway.core.errors import TransientError
from gateway.core.hosts import client_of
from gateway.core.i18n import LOCALES
from gateway.web import language, posted
from gateway.web.keys import same, sign
from gateway.web.visit import (
    CSRF_COOKIE,
    CSRF_FIELD,
    LANG_COOKIE,
    SESSION_COOKIE,
    VISITOR,
    Handler,
    Visitor,
    cookie_name,
    ctx_of,
    kept_language,
    page,
    page_locale,
    set_cookie,
    visitor,
)
from store import web_auth

log = logging.getLogger("gateway.web")

# What a browser sends for our forms. Any other body (a script's JSON, a bare POST) has
# no token to check: it is a 415, not a 403 that speaks of an expired page.
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
FORM_OVERHEAD = 200_000  # the text inputs and multipart framing around a form's files

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
# Behind https only (a browser told this keeps to https for a year, so never for a local
# http:// gateway). Not includeSubDomains: the domain's other hosts are not ours to decide.
HSTS = "max-age=31536000"
LANG_FOR = 365 * 24 * 3600  # seconds: a browser keeps its reader's choice for a year


async def add_headers(request: web.Request, response: web.StreamResponse) -> None:
    add_fixed_headers(response, secure=ctx_of(request).settings.web.secure)
    if "text/html" in response.headers.get("Content-Type", ""):
        response.headers.setdefault("Cache-Control", "no-store")
    if response.status in (429, 503):  # when to come back, for a script (RFC 9110 10.2.3)
        response.headers.setdefault("Retry-After", str(_retry_after(request, response.status)))


def add_fixed_headers(response: web.StreamResponse, *, secure: bool) -> None:
    """The headers every answer carries whatever it is, also those aiohttp writes itself
    for a request it could not read (see :mod:`gateway.web.server`)."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)


# A 503 is the database away for a moment: the form page says "in a minute"
STORAGE_RETRY = timedelta(minutes=1)


def _retry_after(request: web.Request, status: int) -> int:
    """Seconds until a retry may work: for a 429, until the rate counters' window ends
    (they count per clock hour, store.web_auth); for a 503, :data:`STORAGE_RETRY`."""
    if status == 503:
        return int(STORAGE_RETRY.total_seconds())
    now = ctx_of(request).now()
    ends = web_auth.window_of(now) + web_auth.RATE_WINDOW
    return max(int((ends - now).total_seconds()), 1)


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Errors as pages in the visitor's language; the database away is a 503, and so is
    every page once the daemon stops for a schema another release changed (its gate)."""
    try:
        ctx_of(request).gate()
        return await handler(request)
    except web.HTTPRedirection:
        raise
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        answer = page(request, "error.html.j2", {"status": exc.status}, status=exc.status)
        if "Allow" in exc.headers:  # a 405 says which methods the path takes (RFC 9110)
            answer.headers["Allow"] = exc.headers["Allow"]
        return answer
    except TransientError as exc:
        log.warning("web: database unavailable: %s", exc)
        return page(request, "error.html.j2", {"status": 503}, status=503)
    except ConnectionResetError:  # the body ended before its length: nobody reads this
        log.warning("web: %s %s: the sender went away mid-request", request.method, request.path)
        return page(request, "error.html.j2", {"status": 400}, status=400)
    except Exception:  # a page's bug must not take the server down
        log.exception("web: %s %s failed", request.method, request.path)
        return page(request, "error.html.j2", {"status": 500}, status=500)


@web.middleware
async def visitors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Who is asking (a member's session), in which language, with which CSRF token."""
    ctx = ctx_of(request)
    cookie = request.cookies.get(cookie_name(request, CSRF_COOKIE), "")
    fresh = not (16 <= len(cookie) <= 64 and cookie.isalnum())
    if fresh:
        cookie = secrets.token_hex(16)
    token = request.cookies.get(cookie_name(request, SESSION_COOKIE), "")
    email = await ctx.read(web_auth.session_member, token, ctx.now()) if token else None
    member = ctx.member(email)
    asked = request.query.get(language.PARAM, "")  # the switch's link
    kept, unprefixed = kept_language(request)
    session_token = token if member else ""
    request[VISITOR] = Visitor(
        locale=page_locale(request, member.locale if member else ""),
        # bound to the session too: whoever planted the cookie (a sibling host, plain
        # http) and knows its token from before sign-in forges nothing after it
        csrf=sign(ctx.keys.csrf, f"{cookie}.{session_token}" if session_token else cookie),
        member=member,
        session_token=session_token,
    )
    response = await handler(request)
    if asked in LOCALES and asked != kept:  # the choice stays for this browser
        set_cookie(request, response, LANG_COOKIE, asked, max_age=LANG_FOR)
    elif unprefixed and kept in LOCALES:  # the choice, under its prefixed name from now on
        set_cookie(request, response, LANG_COOKIE, kept, max_age=LANG_FOR)
    if unprefixed:  # read once: a browser sends the older name no more
        response.del_cookie(LANG_COOKIE, path="/")
    if fresh:
        set_cookie(request, response, CSRF_COOKIE, cookie)
    return response


# Handlers that answer a failed CSRF token themselves (see :func:`keeps_typed_input`).
_KEEP_TYPED: set[Handler] = set()
CSRF_REFUSED = web.RequestKey("csrf_refused", bool)


def keeps_typed_input(handler: Handler) -> Handler:
    """Mark a public form's POST handler: when its CSRF token fails, the handler is
    still called, with :func:`csrf_refused` true, so it can bring the form back with
    what was typed (a 403 that changes nothing) instead of a bare error page. A token
    fails innocently when the browser lost its cookie while someone typed; a post
    from another site (a wrong ``Origin``) is refused before any handler either way."""
    _KEEP_TYPED.add(handler)
    return handler


def csrf_refused(request: web.Request) -> bool:
    """The request's CSRF token failed: a handler marked by :func:`keeps_typed_input`
    must answer it without changing anything."""
    return CSRF_REFUSED in request


def press_again(
    request: web.Request,
    post_to: str,
    *,
    ticket_id: int | None = None,
    hidden: Sequence[tuple[str, str]] = (),
    kept_note: str = "",
    kept_target: str | None = None,
) -> web.Response:
    """The answer of a members' form whose CSRF token failed (:func:`csrf_refused`): a
    403 that says nothing was changed, with the same form again (``hidden`` fields, the
    typed note or merge target shown back) and a fresh token, so one press does it. The
    session lived on, only the CSRF cookie was lost: a bare "Not allowed" page lost what
    was typed and did not say what to do. Only values the handler checked go back."""
    values = {
        "post_to": post_to,
        "ticket_id": ticket_id,
        "hidden": list(hidden),
        "kept_note": kept_note,
        "kept_target": kept_target,
    }
    return page(request, "form_expired.html.j2", values, status=403)


@web.middleware
async def csrf(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every POST carries the token of the visitor's CSRF cookie and, when the
    browser says where it comes from, comes from us."""
    if request.match_info.http_exception is not None:
        return await handler(request)  # no such page, or not this method: 404 / 405
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        if not _same_origin(request):
            raise web.HTTPForbidden()
        if request.content_type not in FORM_TYPES:  # JSON, text, none: no form of ours
            raise web.HTTPUnsupportedMediaType()
        sent = await _sent_token(request)
        if not isinstance(sent, str) or not same(sent, visitor(request).csrf):
            if request.match_info.handler not in _KEEP_TYPED:
                raise web.HTTPForbidden()
            request[CSRF_REFUSED] = True  # only ever set, and only to True
    return await handler(request)


async def _sent_token(request: web.Request) -> object:
    """The form's CSRF field, the body read whole (and kept for the handler) within
    ``body_within`` seconds: a sender who stops sending, the connection left open, was
    waited for without end, a file descriptor (the mail listener's too) held for good."""
    ctx = ctx_of(request)
    try:
        async with asyncio.timeout(ctx.body_within):
            if posted.is_multipart(request):  # read as a stream: see gateway.web.posted
                limit = ctx.settings.web.max_upload_size
                return (await posted.read(request, limit, FORM_OVERHEAD)).texts.get(CSRF_FIELD)
            return (await _form(request)).get(CSRF_FIELD)
    except TimeoutError:
        log.warning("web: %s %s: the body did not come in time", request.method, request.path)
        raise web.HTTPRequestTimeout() from None


async def _form(request: web.Request) -> MultiDictProxy[str | bytes | bytearray | web.FileField]:
    """The url-encoded form, read once (handlers get it again from aiohttp's cache); a 413
    when its announced length is past the limit. A charset no codec has, or bytes that
    are not the declared one, is a script's body, never a browser's: a 400, not a 500
    with a traceback as for a bug of ours."""
    announced, most = request.content_length, request.client_max_size
    if announced is not None and announced > most:  # refused unread: no wait for 100 GB
        raise web.HTTPRequestEntityTooLarge(max_size=most, actual_size=announced)
    try:
        return await request.post()
    except (LookupError, UnicodeDecodeError) as exc:
        raise web.HTTPBadRequest() from exc


# What a browser's Sec-Fetch-Site says of a POST that is refused. Our forms are
# "same-origin"; "none" is a request the reader typed; a script sends none, and its
# token decides.
FOREIGN_FETCH = frozenset(
    {
        "cross-site",  # another site's page posted it
        "same-site",  # a neighbouring host's page, which may have planted the CSRF cookie
    }
)


def _same_origin(request: web.Request) -> bool:
    if request.headers.get("Sec-Fetch-Site", "").lower() in FOREIGN_FETCH:
        return False  # said even where Origin is left out (an extension, a proxy)
    origin = request.headers.get("Origin")
    if origin is None:
        return True  # not every client sends it; the token decides
    ours = {f"{request.scheme}://{request.host}"}
    base = urlsplit(ctx_of(request).settings.web.base_url)
    ours.add(f"{base.scheme}://{base.netloc}")
    return origin in ours


def client_ip(request: web.Request) -> str:
    """The client's address; behind a reverse proxy on this machine, the address
    the proxy put last in X-Forwarded-For. What a limit counts is :func:`client_key`."""
    remote = request.remote or ""
    forwarded = request.headers.get("X-Forwarded-For", "")
    if forwarded and remote in ("127.0.0.1", "::1"):
        return forwarded.split(",")[-1].strip()[:64] or remote
    return remote


def client_key(request: web.Request) -> str:
    """Who the client is for the pages' hourly limits (sign-in asks, form posts): its
    IPv4 address, or its IPv6 /64, as the mail listener counts a client
    (:func:`gateway.core.hosts.client_of`). Counted per IPv6 address, a client whose
    line has a /64 asked from a new address each time, and no limit held it."""
    return client_of(client_ip(request))
