"""Members sign in with a one-time link mailed to their configured address.

No passwords: ``POST /sign-in`` with an address queues the link mail through
the outbox when the address is a configured member, and answers the same page
either way (the page tells nobody who is a member). The link's ``GET`` only
shows a button, so a mail scanner that opens links uses nothing up; its
``POST`` spends the link (once, before it expires) and starts a session whose
cookie is ``HttpOnly``, ``SameSite=Lax`` and ``Secure`` behind https.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from aiohttp import web
from sqlalchemy.orm import Session

from gateway.config.settings import Member, Settings
from gateway.notify import views
from gateway.notify.queue import queue_member_mail, team
from gateway.web.guard import client_ip
from gateway.web.visit import (
    NEXT_COOKIE,
    SESSION_COOKIE,
    ctx_of,
    own_path,
    page,
    see_other,
    visitor,
)
from store import web_auth

routes = web.RouteTableDef()
TOKEN_SHAPE = 43  # secrets.token_urlsafe(32)


@routes.get("/sign-in")
async def sign_in_form(request: web.Request) -> web.Response:
    return page(request, "sign_in.html.j2", {})


@routes.post("/sign-in")
async def ask_for_link(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    posted = await request.post()
    email = str(posted.get("email", "")).strip().lower()[:320]
    if "@" not in email:
        return page(request, "sign_in.html.j2", {"bad_email": True}, status=400)
    member = ctx.member(email)
    ip = client_ip(request)
    allowed = await ctx.read(_ask, ctx.settings, member, email, ip, ctx.now())
    if not allowed:
        return page(request, "error.html.j2", {"status": 429}, status=429)
    ctx.wake_sender()
    return page(request, "sign_in_sent.html.j2", {})


def _ask(
    session: Session, settings: Settings, member: Member | None, email: str, ip: str, now: datetime
) -> bool:
    """Count the ask; for a member under the limit, store the link and queue its mail."""
    window = now.replace(minute=0, second=0, microsecond=0)
    limit = settings.web.sign_ins_per_hour
    by_client = web_auth.hit(session, f"sign-in-ip:{ip}", window)
    by_address = web_auth.hit(session, f"sign-in-addr:{email}", window)
    if by_client > limit * 4:
        return False  # one client asking for many addresses: stop it
    if member is None or by_address > limit:
        return True  # said the same way as a sent link
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
        locale=member.locale or settings.gateway.locale,
    )
    return True


def _token(request: web.Request) -> str:
    token = request.match_info["token"]
    if len(token) != TOKEN_SHAPE or not all(c.isalnum() or c in "-_" for c in token):
        raise web.HTTPNotFound()
    return token


@routes.get("/sign-in/{token}")
async def confirm(request: web.Request) -> web.Response:
    """A button that spends the link: a GET changes nothing."""
    return page(request, "sign_in_confirm.html.j2", {"token": _token(request)})


@routes.post("/sign-in/{token}")
async def use_link(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    token = _token(request)
    session_token = secrets.token_urlsafe(32)
    member = await ctx.read(_use, token, session_token, ctx.settings, ctx.now())
    if member is None:
        return page(request, "sign_in_expired.html.j2", {}, status=400)
    asked = request.cookies.get(NEXT_COOKIE, "")
    response = see_other(asked if own_path(asked) else "/board")
    response.del_cookie(NEXT_COOKIE, path="/")
    response.set_cookie(
        SESSION_COOKIE,
        session_token,
        max_age=int(ctx.settings.web.session_lifetime.total_seconds()),
        httponly=True,
        samesite="Lax",
        secure=ctx.settings.web.secure,
        path="/",
    )
    raise response


def _use(
    session: Session, token: str, session_token: str, settings: Settings, now: datetime
) -> str | None:
    email = web_auth.use_sign_in_link(session, token, now)
    if email is None or settings.member(email) is None:  # removed from the team since
        return None
    web_auth.add_session(session, session_token, email, now, now + settings.web.session_lifetime)
    return email


@routes.post("/sign-out")
async def sign_out(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    token = visitor(request).session_token
    if token:
        await ctx.read(web_auth.end_session, token)
    response = see_other("/")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response
