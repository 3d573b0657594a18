"""``POST /tickets/<id>/merge`` and ``/unmerge``: the ticket page's merge and unmerge
buttons (#19).

The same merge as ``/merge`` by mail and ``tickets merge`` (the target read by the
same parser, :func:`gateway.pipeline.merging.merge_command`: ``12``, ``#12``,
``[HELP#12]``, full width too), and the same unmerge as ``tickets unmerge``, through
:mod:`gateway.tickets.merge`, with ``web`` as the channel and the signed-in member
as the actor; the CSRF check is the guard's, as for every POST (a failed token
brings the form back to press again, :func:`gateway.web.guard.press_again`). Done, the member
lands on the target's page (the unmerged ticket's, for an unmerge); pressed again, on
the same page, which says it is done already; refused (409; 400 for a target that
names no ticket), the ticket page again, the box holding what was typed and why it
was refused said next to it. An unmerge refused is a page that says why and links back.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta

from aiohttp import web
from sqlalchemy.orm import Session

from gateway.config.settings import Settings
from gateway.core.errors import AlreadyDone, Refusal
from gateway.core.i18n import N_, Msg
from gateway.core.model import Channel
from gateway.pipeline.merging import merge_command, parse_ticket_ref
from gateway.tickets import merge
from gateway.tickets.merge_watch import tag
from gateway.web import done as done_said
from gateway.web import guard, ticket_pages
from gateway.web.posted import texts as form_texts
from gateway.web.ticket_pages import MergeRefused
from gateway.web.visit import ctx_of, members_only, page, path_id, see_other, visitor
from store import tickets

routes = web.RouteTableDef()


@routes.get("/tickets/{id}/merge")
@routes.get("/tickets/{id}/unmerge")
async def to_the_ticket(request: web.Request) -> web.Response:
    """The buttons' addresses asked as pages: a refused merge answers at
    ``/tickets/<id>/merge``, and Enter in the address bar (or the address from the
    history) then asks it with a GET, which met a 405 "could not be understood". The
    ticket's page is what was shown there; nothing is done (the ticket page asks for a
    session itself)."""
    raise see_other(f"/tickets/{path_id(request, 'id')}")


@routes.post("/tickets/{id}/merge")
@guard.keeps_typed_input
@members_only
async def merge_into(request: web.Request) -> web.Response:
    """Merge this ticket into the one typed. When the CSRF token failed (the browser
    lost that cookie, the session lived on) nothing is merged: the merge box comes
    back with what was typed and a fresh token (:func:`gateway.web.guard.press_again`)."""
    ctx = ctx_of(request)
    source = parse_ticket_ref(request.match_info["id"])
    member = visitor(request).member
    assert member is not None
    posted = await form_texts(request)
    typed = str(posted.get("target", ""))
    if source is None or not 0 < source < 2**31:
        raise web.HTTPNotFound()
    if guard.csrf_refused(request):  # the typed words go back escaped, as a value
        kept = typed.strip()[:40]
        return guard.press_again(
            request, f"/tickets/{source}/merge", ticket_id=source, kept_target=kept
        )
    # what /merge by mail reads, as it reads it (NFKC: 「＃１２」 from an IME is 12)
    said = merge_command(unicodedata.normalize("NFKC", typed), ctx.settings.gateway.tag_prefix)
    kept = typed.strip()[:40]  # the box's maxlength
    if isinstance(said, Msg) or not 0 < said.target < 2**31:
        why = said if isinstance(said, Msg) else N_("there is no ticket to merge into")
        return await ticket_pages.show(request, source, 400, MergeRefused(kept, why))
    target = said.target
    done = await ctx.write(_merge, ctx.settings, source, target, member.email, ctx.now())
    if done is None:
        raise web.HTTPNotFound()
    if isinstance(done, Msg):
        return await ticket_pages.show(request, source, 409, MergeRefused(kept, done))
    ctx.wake_sender()  # the requester's status mail goes out now
    raise done_said.tell(request, see_other(f"/tickets/{target}"), target, "merged", source=source)


@routes.post("/tickets/{id}/unmerge")
@guard.keeps_typed_input
@members_only
async def unmerge(request: web.Request) -> web.Response:
    """Undo the merge of this ticket, as ``tickets unmerge`` does (within the reopen
    window, the target's own merge undone first), with the same refusals; after a
    failed CSRF token, nothing, and the button again (as for a merge)."""
    ctx = ctx_of(request)
    source = parse_ticket_ref(request.match_info["id"])
    member = visitor(request).member
    assert member is not None
    if source is None or not 0 < source < 2**31:
        raise web.HTTPNotFound()
    if guard.csrf_refused(request):
        return guard.press_again(request, f"/tickets/{source}/unmerge", ticket_id=source)
    window = ctx.settings.gateway.reopen_window
    done = await ctx.write(_unmerge, source, window, member.email, ctx.now())
    if done is None:
        raise web.HTTPNotFound()
    if isinstance(done, Msg):
        return page(request, "unmerge_refused.html.j2", {"source": source, "why": done}, 409)
    if not done:  # pressed again: the first press undid it
        raise see_other(f"/tickets/{source}?already=unmerged")
    ctx.wake_sender()
    raise done_said.tell(request, see_other(f"/tickets/{source}"), source, "unmerged")


def _unmerge(
    session: Session, source_id: int, window: timedelta, actor: str, now: datetime
) -> bool | Msg | None:
    """None: no such ticket; a Msg: why the unmerge was refused; True: done; False:
    undone already (pressed again), nothing done."""
    source = tickets.get(session, source_id)
    if source is None:
        return None
    try:
        merge.unmerge(session, source, now, window=window, actor=actor, channel=Channel.WEB.value)
    except AlreadyDone:
        return False
    except Refusal as exc:
        return exc.why
    return True


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
    except AlreadyDone:  # pressed twice (or in two tabs at once): the first press merged it
        return True
    except Refusal as exc:
        return exc.why
    return True
