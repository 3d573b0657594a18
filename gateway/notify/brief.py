"""The brief of a ticket a member gets when it becomes theirs: the catalog entry's
name, the requester, the SLA deadlines in the team's time zone, the parameter sheet
(filled and missing), the first lines of the request and the commands this member
may give. Read from the store and the catalog, handed to templates as plain values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy.orm import Session

from gateway.catalog import sla
from gateway.catalog.model import Catalog
from gateway.catalog.sheet import validate
from gateway.config.settings import Member, Settings
from gateway.core import graphemes, zone
from gateway.core.calendars import calendar_for
from gateway.core.model import Attachment
from gateway.notify import views
from gateway.pipeline.commands import Role, commands_for
from gateway.pipeline.files_sent import is_told, told_files
from gateway.pipeline.parse.load import hostile_shape
from gateway.pipeline.parse.message import parse_message
from store import conversation, fields
from store.models import Ticket

EXCERPT_LINES = 15
EXCERPT_CHARS = 1200


def local_time(settings: Settings, at: datetime) -> str:
    """``at`` in the team's time zone, as every mail shows times."""
    return zone.local_time(at, settings.gateway.timezone)


def ticket_brief(
    session: Session,
    settings: Settings,
    catalog: Catalog,
    ticket: Ticket,
    member: Member,
    *,
    request: Sequence[Attachment] | None = None,
) -> views.TicketBrief:
    """What a member needs to take the ticket on. ``request``: the request's files as
    parsed, when the caller holds that parse (the arrival that opens the ticket), so
    the mail is not parsed again on the path of every new request."""
    locale = settings.locale_of(member)
    entry = catalog.entry(ticket.catalog)
    values = fields.field_values(session, ticket.id)
    sheet = tuple(
        views.SheetLine(
            f.label(locale),
            f.shown(values[f.name], locale) if f.name in values else "",  # 設備投資, faß.de
            f.required,
            validate(f, values[f.name])[1] if f.name in values else None,
        )
        for f in (entry.fields if entry else ())
    )
    rules = catalog.rules_for(ticket.catalog)  # an entry since removed: the fallback's SLA
    first_response, resolve = rules.sla_for(ticket.priority) if rules else (None, None)
    due = sla.deadlines(  # the targets of the ticket's priority (an urgent one's are shorter)
        ticket.state,
        ticket.created_at,
        first_response_at=ticket.first_response_at,
        due_at=ticket.due_at,
        first_response=first_response,
        resolve=resolve,
        # the entry's calendar: the sweeps' deadlines, not another
        hours=calendar_for(rules.calendar if rules else None, settings.calendars),
    )
    role = Role.MANAGER if member.role == "manager" else Role.MEMBER
    return views.TicketBrief(
        entry=entry.name(locale) if entry else (ticket.catalog or ""),
        requester=views.Person(ticket.requester, ticket.requester_name),
        deadlines=tuple(views.DeadlineLine(d.target, local_time(settings, d.at)) for d in due),
        sheet=sheet,
        excerpt=excerpt(conversation.request_text(session, ticket.id)),
        commands=commands_for(role),
        files=request_files(session, settings, ticket.id, request),
    )


def request_files(
    session: Session,
    settings: Settings,
    ticket_id: int,
    parsed: Sequence[Attachment] | None = None,
) -> tuple[tuple[str, int], ...]:
    """(name, size) of the request's files a member is told of (:func:`told_files`:
    not a signature's logo, not winmail.dat). Which pictures the HTML shows in their
    place is not stored: it comes from ``parsed`` (the request's own parse, in hand,
    whose files are the rows just stored: none is read back), else from its raw mail
    read again, and only when a picture small enough for it to
    matter (below PASTED_PICTURE_BYTES) is among the files. A raw mail the runner
    parses only in a killable worker (``isolate_above`` bytes or more, a hostile
    shape: gateway.runner.budget) is not parsed here, in the daemon's thread; its
    files are told as stored, a logo among them."""
    if parsed is not None:  # the rows just stored from this very parse: read no row back
        return tuple((f.filename, f.size) for f in told_files(parsed))
    files, inbox_id = conversation.request_files(session, ticket_id)
    if not any(f.content_type.startswith("image/") and not is_told(_shown(f)) for f in files):
        return tuple((f.filename, f.size) for f in told_files(files))
    if inbox_id is not None:
        limit = settings.limits.isolate_above
        raw = conversation.stored_raw(session, inbox_id, below=limit)
        if raw is not None and not hostile_shape(raw):
            parsed = parse_message(raw).attachments
    if parsed is not None:
        # a part is known by its bytes and its name: the same picture shown by the HTML
        # and attached under a name of its own (Eudora's way) is one logo and one file
        shown = {_key(f) for f in parsed if f.inline} - {_key(f) for f in parsed if not f.inline}
        files = [replace(f, inline=_key(f) in shown) for f in files]
    return tuple((f.filename, f.size) for f in told_files(files))


def _shown(f: Attachment) -> Attachment:
    """``f`` as a picture the HTML shows: whether being one would keep it untold."""
    return replace(f, inline=True)


def _key(f: Attachment) -> tuple[str, str]:
    """What ties a stored file to the part it came from: its bytes and its safe name."""
    return (f.sha256, f.filename)


def excerpt(text: str) -> str:
    """The first lines of ``text``, at most EXCERPT_LINES and about EXCERPT_CHARS."""
    lines = text.strip().splitlines()
    cut = "\n".join(lines[:EXCERPT_LINES])
    if len(cut) > EXCERPT_CHARS:
        cut = graphemes.cut(cut, EXCERPT_CHARS).rstrip()
    return cut + (" …" if cut != text.strip() else "")
