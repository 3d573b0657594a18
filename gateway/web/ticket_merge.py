"""``POST /tickets/<id>/merge``: the ticket page's merge button (#19).

The same merge as ``/merge`` by mail and ``tickets merge``, through
:mod:`gateway.tickets.merge`, with ``web`` as the channel and the signed-in member
as the actor; the CSRF check is the guard's, as for every POST. Done, the member
lands on the target's page; refused, a page says why (409) and links back.
"""

from __future__ import annotations

from datetime import datetime

from aiohttp import web
from sqlalchemy.orm import Session

from gateway.config.settings import Settings
from gateway.core.errors import Refusal
from gateway.core.i18n import Msg
from gateway.core.model import Channel
from gateway.pipeline.merging import parse_ticket_ref
from gateway.tickets import merge
from gateway.tickets.merge_watch import tag
from gateway.web.visit import ctx_of, members_only, page, see_other, visitor
from store import tickets

routes = web.RouteTableDef()


@routes.post("/tickets/{id}/merge")
@members_only
async def merge_into(request: web.Request) -> web.Response:
    ctx = ctx_of(request)
    source = parse_ticket_ref(request.match_info["id"])
    member = visitor(request).member
    assert member is not None
    posted = await request.post()
    target = parse_ticket_ref(str(posted.get("target", "")), ctx.settings.gateway.tag_prefix)
    if source is None or not 0 < source < 2**31:
        raise web.HTTPNotFound()
    if target is None or not 0 < target < 2**31:
        raise web.HTTPBadRequest()
    done = await ctx.read(_merge, ctx.settings, source, target, member.email, ctx.now())
    if done is None:
        raise web.HTTPNotFound()
    if isinstance(done, Msg):
        values = {"source": source, "target": target, "why": done}
        return page(request, "merge_refused.html.j2", values, status=409)
    ctx.wake_sender()  # the requester's status mail goes out now
    raise see_other(f"/tickets/{target}")


def _merge(
    session: Session, settings: Settings, source_id: int, target: int, actor: str, now: datetime
) -> bool | Msg | None:
    """None: no such ticket; a Msg: why the merge was refused; True: done."""
    source = tickets.get(session, source_id)
    if source is None:
        return None
    try:
        merge.merge(
            session,
            source,
            target,
            now,
            actor=actor,
            channel=Channel.WEB.value,
            tag=tag(settings, target),
            max_watchers=settings.limits.max_watchers,
        )
    except Refusal as exc:
        return exc.why
    return True
