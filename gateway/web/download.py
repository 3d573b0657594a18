"""Attachment downloads: streamed from the stored raw message, for members only.

The bytes are decoded from the raw mail the inbox kept (or from the stored
form submission) and checked against the SHA-256 recorded when the message
arrived. They go out as ``application/octet-stream`` with ``attachment``
disposition (RFC 6266 ``filename*``) and ``nosniff``, so a browser saves them
and never renders one of them as a page of ours; and should one be opened in a tab
all the same (a browser's "open" of a download, an old viewer plug-in), its own
sandboxing policy keeps it an opaque origin with no script, no form, no fetch.
"""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web
from sqlalchemy.orm import Session

from gateway.pipeline.parse.attachment_data import stored_file
from gateway.pipeline.parse.filenames import safe_filename
from gateway.web.visit import ctx_of, members_only, path_id, see_other
from store import merges, ticket_query

routes = web.RouteTableDef()
CHUNK = 64 * 1024
# a file shown despite the disposition is an opaque origin that may load and run nothing
SANDBOX = "sandbox; default-src 'none'; frame-ancestors 'none'"


def _decoded(found: ticket_query.StoredAttachment) -> bytes | None:
    return stored_file(found.source, found.raw, found.sha256)  # the CLI's too


def moved_to(session: Session, ticket_id: int, attachment_id: int) -> int | None:
    """The ticket that holds the file now when ``ticket_id`` was merged into it (the
    file went with its mail): an old link (in a chat, a note, a mail about the merged
    ticket) answered 404. None: the ticket was not merged, or that ticket has no such
    file either."""
    holder = merges.final(session, ticket_id)
    if holder is None or holder == ticket_id:
        return None
    held = ticket_query.attachment(session, holder, attachment_id) is not None
    return holder if held else None


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback name and the real one as RFC 5987 UTF-8."""
    fallback = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in filename)
    encoded = quote(filename, safe="")
    return f"attachment; filename=\"{fallback or 'attachment'}\"; filename*=UTF-8''{encoded}"


@routes.get("/tickets/{id}/attachments/{aid}")
@members_only
async def download(request: web.Request) -> web.StreamResponse:
    ctx = ctx_of(request)
    ticket_id, attachment_id = path_id(request, "id"), path_id(request, "aid")
    found = await ctx.read(ticket_query.attachment, ticket_id, attachment_id)
    if found is None:
        holder = await ctx.read(moved_to, ticket_id, attachment_id)
        if holder is not None:  # the same member, the same rule: the link they hold now
            raise see_other(f"/tickets/{holder}/attachments/{attachment_id}")
        raise web.HTTPNotFound()
    data = await ctx.run(_decoded, found)
    if data is None:
        raise web.HTTPNotFound()
    response = web.StreamResponse(
        headers={
            "Content-Type": "application/octet-stream",
            # the rules of now once more (as ``tickets attachment``): a row from before a rule
            "Content-Disposition": content_disposition(
                safe_filename(found.filename, found.content_type, attachment_id)
            ),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": SANDBOX,  # before the page's, which is setdefault
            "Cache-Control": "private, no-store",
        }
    )
    response.content_length = len(data)
    await response.prepare(request)
    if request.method != "HEAD":  # a StreamResponse writes what it is given, HEAD or not
        for start in range(0, len(data), CHUNK):
            await response.write(data[start : start + CHUNK])
    await response.write_eof()
    return response
