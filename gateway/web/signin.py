"""Members sign in with a one-time link mailed to their configured address.

No passwords: ``POST /sign-in`` with an address queues the link mail through
the outbox when the address is a configured member, and answers the same page
either way, just as fast (neither the page nor its timing tells anybody who is a
member: a member's link is made after the answer is sent). The link's ``GET`` only
shows a button, so a mail scanner that opens links uses nothing up; its
``POST`` spends the link (once, before it expires) and starts a session whose
cookie is ``HttpOnly``, ``SameSite=Lax`` and ``Secure`` behind https. The same
browser's second click, racing the first, signs in too; a member already signed in
who opens their own link again is taken on to their page; a spent link of anyone
else is refused, on the ``GET`` already. A link that signs its member in spends their
other links, and ends the session the browser held (another member's) on the server.
"""

from __future__ import annotations

import logging
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from enum import Enum

from aiohttp import web
from sqlalchemy.orm import Session

from gateway.config.settings import Member, Settings
from gateway.core.domains import ascii_address
from gateway.core.title import one_line
from gateway.notify import views
from gateway.notify.queue import queue_member_mail, team
from gateway.web import guard
from gateway.web.guard import client_key
from gateway.web.posted import texts as form_texts
from gateway.web.visit import (
    NEXT_COOKIE,
    SESSION_COOKIE,
    cookie_name,
    ctx_of,
    drop_cookie,
    links_open_for,
    own_path,
    page,
    see_other,
    set_cookie,
    visitor,
)
from store import web_auth

log = logging.getLogger("gateway.web")
routes = web.RouteTableDef()
TOKEN_SHAPE = 43  # secrets.token_urlsafe(32)
# How long after its first click a browser's second click on one link signs in too: a
# double click, a second tab, a click that went while the first answer was on its way.
AGAIN_WITHIN = timedelta(seconds=30)


@routes.get("/sign-in")
async def sign_in_form(request: web.Request) -> web.Response:
    """The form; a member already signed in (a bookmark, an old tab) is taken on to the
    page they were going to, else the board: signing in as someone else is asked for
    with the button that signs out first (``then=sign-in``, :data:`AFTER_SIGN_OUT`)."""
    if visitor(request).signed_in:
        raise _onwards(request)
    return page(request, "sign_in.html.j2", {})


@routes.post("/sign-in")
@guard.keeps_typed_input
async def ask_for_link(request: web.Request) -> web.StreamResponse:
    """The same answer, after the same work, for a member and a stranger: only the
    rate counters are on its path. A member's link is made and its mail queued once
    the answer has gone (rendering a mail took milliseconds, enough for anyone who
    times the answers to learn who is a member). After a failed CSRF token (the
    browser lost that cookie), no mail: the form again with the address typed."""
    ctx = ctx_of(request)
    if not links_open_for(request):  # the link would not open: no mail (the page says why)
        return page(request, "sign_in.html.j2", {}, status=503)
    posted = await form_texts(request)
    typed = str(posted.get("email", "")).strip()[:320]
    if guard.csrf_refused(request):  # counted nowhere: nothing was asked for
        return page(request, "sign_in.html.j2", {"kept_email": one_line(typed)}, status=403)
    email = _address(typed)
    if "@" not in email:  # the typo comes back to be corrected (escaped by the template)
        return page(request, "sign_in.html.j2", {"bad_email": one_line(typed)}, status=400)
    client = client_key(request)  # an IPv6 /64 is one client
    verdict = await ctx.write(_count, ctx.settings, email, client, ctx.now())
    if verdict is Ask.REFUSED:
        return page(request, "error.html.j2", {"status": 429}, status=429)
    answer = page(request, "sign_in_sent.html.j2", {})
    member = ctx.member(email)
    if member is None or verdict is Ask.QUIET:
        return answer
    await answer.prepare(request)
    await answer.write_eof()  # sent whole: what follows cannot change how long it took
    try:
        await ctx.write(_send_link, ctx.settings, member, ctx.now())
    except Exception:  # the answer is out: the member asks again
        log.exception("web: the sign-in link for %s could not be queued", member.email)
        return answer
    ctx.wake_sender()
    return answer


def _address(typed: str) -> str:
    """The address in what was typed, as the config writes a member's: ``Name <addr>``
    pasted from a mail client is its address, full-width letters typed with a Japanese
    input method are ASCII (NFKC), case does not count, and the domain is its A-label
    (:func:`gateway.core.domains.ascii_address`), so ``ito@例え.jp`` is counted and
    looked up as the member ``ito@xn--r8jz45g.jp`` is kept. The page answers the same
    for any address, so one written another way would wait for a mail that never
    comes; the link only ever goes to the member's configured address."""
    text = unicodedata.normalize("NFKC", typed)
    _, address = parseaddr(text)
    return ascii_address((address if "@" in address else text).strip())


class Ask(Enum):
    """What the counters allow an ask for a sign-in link."""

    SEND = "send"  # a link, if the address is a member's
    QUIET = "quiet"  # this address asked too often: no mail, the same answer
    REFUSED = "refused"  # this client asked for too many addresses: 429


def _count(session: Session, settings: Settings, email: str, client: str, now: datetime) -> Ask:
    """Count the ask, by client and by address, whoever the address belongs to."""
    window = web_auth.window_of(now)
    limit = settings.web.sign_ins_per_hour
    by_client = web_auth.hit(session, f"sign-in-ip:{client}", window)
    by_address = web_auth.hit(session, f"sign-in-addr:{email}", window)
    if by_client > limit * 4:
        return Ask.REFUSED  # one client asking for many addresses: stop it
    return Ask.QUIET if by_address > limit else Ask.SEND


def _send_link(session: Session, settings: Settings, member: Member, now: datetime) -> None:
    """Store a new link for ``member`` and queue its mail."""
    web_auth.purge(session, now)
    token = secrets.token_urlsafe(32)
    lifetime = settings.web.sign_in_lifetime
    web_auth.add_sign_in_link(session, token, member.email, now, now + lifetime)
    view = views.SignIn(
        team=team(settings),
        recipient=views.Person(member.email, member.name),
        link=f"{settings.web.base_url}/sign-in/{token}",
        valid_minutes=max(int(lifetime.total_seconds() // 60), 1),
    )
    queue_member_mail(
        session,
        settings,
        view,
        key=f"sign-in:{web_auth.token_hash(token)}",
        now=now,
        locale=settings.locale_of(member),
    )


def _token(request: web.Request) -> str:
    token = request.match_info["token"]
    if not _token_shaped(token):
        raise web.HTTPNotFound()
    return token


def _token_shaped(token: str) -> bool:
    return len(token) == TOKEN_SHAPE and all(c.isalnum() or c in "-_" for c in token)


class Opened(Enum):
    """What a sign-in link's page shows the visitor who opened it."""

    ONWARDS = "onwards"  # signed in as its member already: on to their page, no error
    BUTTON = "button"  # a link that works: the button that spends it
    REFUSED = "refused"  # used, expired or unknown: said at once, no button that fails


def opened(link: web_auth.Link | None, signed_in_as: str, now: datetime) -> Opened:
    """The link opened by a visitor signed in as ``signed_in_as`` ("": nobody). The
    member's own link, used or not, found again in the mailbox or clicked twice, takes
    them on; another member's is the button (to sign in as that member) while it works."""
    if link is not None and signed_in_as and link.member == signed_in_as:
        return Opened.ONWARDS
    if link is None or link.used_at is not None or link.expires_at <= now:
        return Opened.REFUSED
    return Opened.BUTTON


def spent_by(link: web_auth.Link | None, browser: str, now: datetime) -> bool:
    """``link`` was spent moments ago by ``browser``: this is the same person's second
    request (a double click, the link pressed in two tabs), which signs in too, whichever
    answer the browser ends up showing. Only that browser, only for :data:`AGAIN_WITHIN`
    after the first: the link still signs in one person, once."""
    return (
        link is not None
        and link.used_at is not None
        and link.used_by == web_auth.token_hash(browser)
        and now - link.used_at <= AGAIN_WITHIN
    )


def _signed_in_as(request: web.Request) -> str:
    member = visitor(request).member
    return member.email if member else ""


def _onwards(request: web.Request) -> web.HTTPSeeOther:
    """To the page the member asked for before signing in, else the board."""
    # behind https only the prefixed name is read: a neighbouring host can set the plain
    # one (``Domain=`` of a parent domain), which would choose where a member lands
    asked = request.cookies.get(cookie_name(request, NEXT_COOKIE), "")
    response = see_other(asked if own_path(asked) else "/board")
    drop_cookie(request, response, NEXT_COOKIE)
    return response


def _refused(request: web.Request) -> web.Response:
    return page(request, "sign_in_expired.html.j2", {}, status=400)


@routes.get("/sign-in/{token}")
async def confirm(request: web.Request) -> web.Response:
    """A button that spends the link: a GET changes nothing (a mail scanner that opens
    the link uses nothing up)."""
    return await _confirm_again(request, expired=False)


async def _confirm_again(request: web.Request, expired: bool = True) -> web.Response:
    """The link's page as its GET shows it; ``expired``: as the answer of a press whose
    CSRF token failed, a 403 that says nothing was done (the button is the same)."""
    ctx = ctx_of(request)
    token = _token(request)
    link = await ctx.read(web_auth.sign_in_link, token)
    seen = opened(link, _signed_in_as(request), ctx.now())
    if seen is Opened.ONWARDS:
        raise _onwards(request)
    if seen is Opened.REFUSED:
        return _refused(request)
    values = {"token": token, "expired": expired}
    return page(request, "sign_in_confirm.html.j2", values, status=403 if expired else 200)


class Use(Enum):
    """What pressing a sign-in link's button did."""

    SIGNED_IN = "signed-in"  # a new session
    ONWARDS = "onwards"  # already signed in as the link's member: nothing to do
    REFUSED = "refused"


@routes.post("/sign-in/{token}")
@guard.keeps_typed_input
async def use_link(request: web.Request) -> web.Response:
    """Spend the link and start a session. After a failed CSRF token (the browser lost
    that cookie between the link's page and the press), the link is not spent: its
    button again, as its ``GET`` shows it, with a fresh token."""
    ctx = ctx_of(request)
    if guard.csrf_refused(request):
        if not _token_shaped(request.match_info["token"]):
            raise web.HTTPForbidden()  # no link's: no button to give back
        return await _confirm_again(request)
    token = _token(request)
    session_token = secrets.token_urlsafe(32)
    seen = visitor(request)
    browser = seen.csrf  # the CSRF middleware checked it: this browser's
    held = Held(seen.member.email if seen.member else "", seen.session_token)
    used = await ctx.write(_use, token, session_token, browser, held, ctx.settings, ctx.now())
    if used is Use.REFUSED:
        return _refused(request)
    response = _onwards(request)
    if used is Use.SIGNED_IN:
        lifetime = int(ctx.settings.web.session_lifetime.total_seconds())
        set_cookie(request, response, SESSION_COOKIE, session_token, max_age=lifetime)
    raise response


@dataclass(frozen=True, slots=True)
class Held:
    """The session the browser pressing a link's button holds: its member ("": none)."""

    member: str
    session_token: str


def _use(
    session: Session,
    token: str,
    session_token: str,
    browser: str,
    held: Held,
    settings: Settings,
    now: datetime,
) -> Use:
    if held.member:  # their own link again (the back button, a second tab): on
        link = web_auth.sign_in_link(session, token)
        if opened(link, held.member, now) is Opened.ONWARDS:
            return Use.ONWARDS
    email = web_auth.use_sign_in_link(session, token, now, browser)
    if email is None:  # spent, perhaps a moment ago by this browser's first click
        link = web_auth.sign_in_link(session, token)
        email = link.member if link is not None and spent_by(link, browser, now) else None
    if email is None or settings.member(email) is None:  # removed from the team since
        return Use.REFUSED
    web_auth.spend_others(session, email, token, now)  # the mailbox's other links: spent
    if held.session_token:  # another member's session in this browser: ended, not left
        web_auth.end_session(session, held.session_token)  # for a copied cookie to use
    web_auth.add_session(session, session_token, email, now, now + settings.web.session_lifetime)
    return Use.SIGNED_IN


# Where a sign-out goes on to, by the form's ``then``; anything else is the start page.
AFTER_SIGN_OUT = {
    "": "/",  # the header's "Sign out"
    "sign-in": "/sign-in",  # "Sign in as someone else": the form, no longer skipped
}


@routes.post("/sign-out")
@guard.keeps_typed_input
async def sign_out(request: web.Request) -> web.Response:
    """End the session. After a failed CSRF token the session goes on: the button
    again, with a fresh token (a bare 403 left the member unsure whether they were
    signed out, on a shared computer)."""
    ctx = ctx_of(request)
    then = (await form_texts(request)).get("then", "")
    if guard.csrf_refused(request):
        kept = then if isinstance(then, str) and then in AFTER_SIGN_OUT else ""
        return guard.press_again(request, "/sign-out", hidden=[("then", kept)] if kept else [])
    token = visitor(request).session_token
    if token:
        await ctx.write(web_auth.end_session, token)
    response = see_other(AFTER_SIGN_OUT.get(then if isinstance(then, str) else "", "/"))
    drop_cookie(request, response, SESSION_COOKIE)
    raise response
