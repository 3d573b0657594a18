"""One request's visitor (the member signed in, if any, the page language, the
CSRF token) and the helpers that answer with a page or a redirect."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from yarl import URL

from gateway.config.settings import Member
from gateway.core.hosts import is_loopback
from gateway.core.i18n import LOCALES
from gateway.core.model import MAX_ID
from gateway.web import language, pages
from gateway.web.context import WebContext
from gateway.web.intake_check import typed_lines
from gateway.web.posted import texts as form_texts

CTX = web.AppKey("ctx", WebContext)
SESSION_COOKIE = "tg_session"
NEXT_COOKIE = "tg_next"  # the page a member asked for before signing in
NEXT_FOR = 3600  # seconds it is remembered: time enough to fetch the mailed link
CSRF_COOKIE = "tg_csrf"
LANG_COOKIE = "tg_lang"  # the language chosen with the switch
CSRF_FIELD = "csrf"
MAX_NOTE = 10_000  # the ticket page's note box: its maxlength, line breaks counted as one

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


# the ticket page's note box is named for the view it was drawn at (``note-<event id>``):
# a browser fills a box back in on Back only when a page's fields have the names they had,
# so words typed and not sent come back, and a note already added (the view has changed
# since) does not, where the next button pressed there added it a second time
_NOTE_FIELD = re.compile(r"note(?:-[0-9]{1,18})?")


def note_of(posted: Mapping[str, Any]) -> str:
    """The note a ticket page's form sent, as typed lines, within :data:`MAX_NOTE`."""
    typed = next((v for k, v in posted.items() if _NOTE_FIELD.fullmatch(k)), "")
    return typed_lines(str(typed)).strip()[:MAX_NOTE]


def ctx_of(request: web.Request) -> WebContext:
    return request.app[CTX]


# Behind https, the prefix of every cookie of ours: a browser takes a "__Host-" cookie
# only from a secure answer of this host, Path=/ and no Domain, so a neighbouring host or
# a plain-http answer cannot plant one (a session fixation, a known CSRF cookie, a page
# to be sent to after signing in, a language).
HOST_ONLY = "__Host-"


def cookie_name(request: web.Request, name: str) -> str:
    """``name`` (:data:`SESSION_COOKIE`, :data:`CSRF_COOKIE`, :data:`NEXT_COOKIE`,
    :data:`LANG_COOKIE`) as this site sets it."""
    return HOST_ONLY + name if ctx_of(request).settings.web.secure else name


def set_cookie(
    request: web.Request,
    response: web.StreamResponse,
    name: str,
    value: str,
    max_age: int | None = None,
) -> None:
    """Set one of our cookies, all by the same rule: the name :func:`cookie_name`
    gives it, ``HttpOnly`` (no script reads it), ``SameSite=Lax``, ``Path=/`` and no
    ``Domain`` (what the prefix asks for), ``Secure`` behind https."""
    response.set_cookie(
        cookie_name(request, name),
        value,
        max_age=max_age,
        httponly=True,
        samesite="Lax",
        secure=ctx_of(request).settings.web.secure,
        path="/",
    )


def drop_cookie(request: web.Request, response: web.StreamResponse, name: str) -> None:
    """Expire one of our cookies, under the name it was set with."""
    response.del_cookie(
        cookie_name(request, name), path="/", secure=ctx_of(request).settings.web.secure
    )


def kept_language(request: web.Request) -> tuple[str, bool]:
    """(the language this browser chose with the switch, whether it came from the
    cookie's name before the prefix). Behind https, a ``tg_lang`` set before its name
    had the prefix is read until the answer sets it again under the new name and
    expires the old (:mod:`gateway.web.guard`): the reader's choice is kept. Whoever
    planted one from a neighbouring host chooses a language at most, once."""
    name = cookie_name(request, LANG_COOKIE)
    if name in request.cookies or name == LANG_COOKIE:
        return request.cookies.get(name, ""), False
    old = request.cookies.get(LANG_COOKIE, "")
    return old, bool(old)


def visitor(request: web.Request) -> Visitor:
    """The request's visitor; before it is known (the database away: no session could
    be read), nobody signed in, in the language the browser asks for all the same (the
    503 page spoke the team's language to everyone)."""
    if VISITOR in request:
        return request[VISITOR]
    return Visitor(locale=page_locale(request), csrf="")


def page_locale(request: web.Request, member_locale: str = "") -> str:
    """The page's language (:func:`gateway.web.language.choose`): the switch's choice,
    from its link or the browser's cookie, the member's setting, the browser's
    Accept-Language, the team's. Read from the request alone, no database."""
    asked = request.query.get(language.PARAM, "")  # the switch's link
    chosen = asked if asked in LOCALES else kept_language(request)[0]
    return language.choose(
        chosen,
        member_locale,
        request.headers.get("Accept-Language", ""),
        ctx_of(request).settings.gateway.locale,
    )


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
            # the zone the signed-in member reads times in; the team's for anyone else
            "timezone": ctx_of(request).settings.zone_of(v.member.email if v.member else None),
            # whether a mail can link back here (the sign-in page offers no link otherwise)
            "mail_links": links_open_for(request),
            "switch": _switch(request, v.locale),
        },
    )
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")


def entry_langs(request: web.Request) -> dict[str, str]:
    """The language each catalog entry's name is in for this reader, where the catalog
    lacks the page's: the pages that name entries mark it (an English-only name on a
    Japanese page, read with an English voice). Asked by those pages only: an error
    page renders without the catalog."""
    locale = visitor(request).locale
    return {e.id: e.name_lang(locale) for e in ctx_of(request).catalog().entries}


def _switch(request: web.Request, locale: str) -> list[tuple[str, str, str]]:
    """The header's links to this page in the other languages: (href, locale, name).
    None on a page that answers a POST: a link cannot send the form again."""
    if request.method != "GET":
        return []
    links = []
    for other, name in language.NAMES.items():
        if other == locale:
            continue
        href = str(request.rel_url.update_query({language.PARAM: other}))
        if not own_path(href):  # ``//evil.test/x``'s "not found": a browser goes there
            href = str(URL("/").with_query({language.PARAM: other}))
        links.append((href, other, name))
    return links


def path_id(request: web.Request, name: str) -> int:
    """The row number a path names (``/tickets/<id>``, an attachment's ``<aid>``); a
    404 for anything no row can have, so a number past :data:`MAX_ID` never reaches
    the query (PostgreSQL refuses it, SQLite's driver overflows: a 500)."""
    written = request.match_info[name]
    # digits 0-9 only: int() also reads "+1", " 1", "1_0" and other scripts' digits
    # (Arabic-Indic, full-width), each a second address of a page no link of ours makes
    if not (written.isascii() and written.isdigit()):
        raise web.HTTPNotFound()
    value = int(written)
    if not 0 < value <= MAX_ID:
        raise web.HTTPNotFound()
    return value


def see_other(location: str) -> web.HTTPSeeOther:
    """A redirect to one of our own paths, never to a place a request named."""
    return web.HTTPSeeOther(location if own_path(location) else "/")


def _ticket_page(path: str) -> str:
    """The ticket page a POST to ``/tickets/<id>…`` was sent from; "" for any other."""
    found = re.match(r"/tickets/[0-9]{1,10}(?=/|$)", path)
    return found.group(0) if found else ""


def own_path(location: str) -> bool:
    """A path on this site: not ``//host``, not a backslash a browser reads as ``/``,
    and no space or control character anywhere, since a browser drops tab, CR and LF
    from a URL (``/<tab>/evil.test`` is ``//evil.test`` to it) and aiohttp does the
    same when it writes the ``Location``. What the tg_next cookie holds is checked
    here too, and a neighbouring host or a plain-http answer can set that cookie."""
    if not location.startswith("/") or location.startswith("//"):
        return False
    if any(c == "\\" or c <= " " or c == "\x7f" for c in location):
        return False
    return not URL(location).absolute  # the address as it will be sent: still ours


def members_only(handler: Handler) -> Handler:
    """A page for members: others are sent to the sign-in page, and back to this page
    once signed in (a GET: the page a pasted link or a bookmark named; a POST: the
    ticket page it was sent from). A button pressed after the session ended (close,
    merge, a note) gets the sign-in page saying that nothing was done, with a note
    shown there to be copied, not lost; a bare trip to sign-in and back to the
    unchanged ticket looked like the change had been made."""

    async def guarded(request: web.Request) -> web.StreamResponse:
        if visitor(request).signed_in:
            return await handler(request)
        back = request.path_qs if request.method == "GET" else _ticket_page(request.path)
        answer: web.StreamResponse
        if request.method == "POST":  # a button pressed: say that it did nothing
            posted = await form_texts(request)
            note = note_of(posted)
            said: dict[str, Any] = {"kept_note": note} if note else {}
            if not note or posted.get("action", "note") != "note":  # a change too: not made
                said["nothing_done"] = True
            answer = page(request, "sign_in.html.j2", said, status=401)
        else:
            answer = see_other("/sign-in")
        if back and len(back) <= 1000:
            set_cookie(request, answer, NEXT_COOKIE, back, max_age=NEXT_FOR)
        if isinstance(answer, web.HTTPException):
            raise answer
        return answer

    guarded.__name__ = handler.__name__
    guarded.__doc__ = handler.__doc__
    return guarded


def links_open_for(request: web.Request) -> bool:
    """Whether a link mailed to this visitor opens: ``[web] base_url`` is set (or the
    pages listen at an address people reach), or, without one, the visitor's browser is
    on this very machine and came to a loopback address, where the link made of the
    bind address (http://127.0.0.1:8080) opens too: the quick start's case. A reverse
    proxy adds ``X-Forwarded-For`` (or ``Forwarded``): its visitors are elsewhere."""
    web_settings = ctx_of(request).settings.web
    if web_settings.mail_links:
        return True
    proxied = "X-Forwarded-For" in request.headers or "Forwarded" in request.headers
    return (
        web_settings.enabled
        and is_loopback(web_settings.host)
        and not proxied
        and is_loopback(request.remote or "")
        and is_loopback(request.url.host or "")
    )
