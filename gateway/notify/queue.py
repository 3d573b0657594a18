"""Queue one mail about a ticket: render, compose, write the outbox row and the
outgoing ``messages`` row, all in the caller's transaction.

The outgoing message is stored on the ticket like an incoming one (direction
``out``, linked to its outbox row), so ``tickets show`` lists what we said, and
a reply quoting our Message-ID in In-Reply-To threads back to the ticket.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from gateway.catalog.model import Catalog, Entry
from gateway.config.settings import Settings
from gateway.core import msgid, spans, tokens, zone
from gateway.core.i18n import Msg
from gateway.core.title import title
from gateway.notify import compose, views
from gateway.notify.render import Rendered, renderer
from gateway.pipeline import loops, unanswered
from store import outbox, tickets
from store.installation import reply_keys
from store.messages import NewAttachment, NewMessage, add_message, rewrite_outgoing
from store.models import Ticket


def tag(settings: Settings, ticket_id: int) -> str:
    return f"[{settings.gateway.tag_prefix}#{ticket_id}]"


RATE_WINDOW = timedelta(hours=1)


def under_rate_limit(
    session: Session,
    email: str,
    settings: Settings,
    now: datetime,
    kinds: Collection[str] = views.RATE_LIMITED,
) -> tuple[bool, int]:
    """The per-recipient hourly brake shared by every automatic answer; (ok, sent).
    The recipient is held (:func:`store.outbox.hold_recipient`) until the caller's
    transaction ends, so another instance's answer to them counts this one."""
    outbox.hold_recipient(session, email)
    recent = outbox.count_recent(session, email, kinds, now - RATE_WINDOW)
    return loops.within_rate_limit(recent, settings.gateway.auto_reply_limit), recent


def turned_off(kind: str, settings: Settings, entry: Entry | None) -> Msg | str:
    """Why a mail of ``kind`` is not sent for this team or this entry ("" when it is)."""
    if kind in settings.mail.off:
        return unanswered.turned_off(kind)
    if entry is not None and kind in entry.mails_off:
        return unanswered.turned_off_for(kind, entry.said_with_id())  # name (id)
    return ""


def reply_address(session: Session, settings: Settings, ticket_id: int, recipient: str) -> str:
    """``recipient``'s reply-token address for the ticket, keyed by this database."""
    keys = reply_keys(session, settings.gateway.reply_key())
    return tokens.reply_address(settings.gateway.address, keys, ticket_id, recipient)


def team(settings: Settings) -> views.Team:
    return views.Team(
        settings.outbound.from_name or settings.gateway.address, settings.gateway.address
    )


def dated(settings: Settings, now: datetime) -> datetime:
    """``now`` in the team's zone, for the Date header: RFC 5322 section 3.3 has it
    say local time, as the times in the mail's text do (a naive moment is UTC)."""
    aware = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(settings.gateway.timezone))


def reader_zone(settings: Settings, email: str) -> str | None:
    """The zone ``email`` reads times in when it is not the team's, which every view
    already says them in; None for a requester and for a member of the team's zone, so
    their mails are rendered without the walk that moves a view's times (a tenth of a
    render: the processing child renders every acknowledgement)."""
    zone_read = settings.zone_of(email)
    return None if zone_read == settings.gateway.timezone else zone_read


def ticket_ref(
    ticket: Ticket, settings: Settings, now: datetime, catalog: Catalog
) -> views.TicketRef:
    """A ticket as plain values, dates in the team's time zone, its entry by its name
    in the reader's language (``catalog``: the one it is filed in)."""
    return views.TicketRef(
        id=ticket.id,
        tag=tag(settings, ticket.id),
        subject=title(ticket.subject),
        state=ticket.state,
        requester=views.Person(ticket.requester, ticket.requester_name),
        assignee=ticket.assignee or "",
        catalog=ticket.catalog or "",
        entry=catalog.said_name(ticket.catalog),
        created=zone.local_time(ticket.created_at, settings.gateway.timezone),
        age_days=(now - ticket.created_at).days,
        idle_days=(now - ticket.updated_at).days,
        priority=ticket.priority,
        age=spans.period(now - ticket.created_at),
        idle=spans.period(now - ticket.updated_at),
        left=ticket.assignee if ticket.assignee and not settings.on_team(ticket.assignee) else "",
    )


def queue_ticket_mail(
    session: Session,
    settings: Settings,
    ticket: Ticket,
    view: views.View,
    *,
    key: str,
    now: datetime,
    in_reply_to: str = "",
    locale: str | None = None,
    held_until: datetime | None = None,
    notice: dict[str, Any] | None = None,
    files: tuple[compose.Enclosure, ...] = (),
    author: str | None = None,
) -> int | None:
    """The outbox row id, or None if ``key`` was queued before (nothing written).

    ``locale``: the recipient's language when it is not the requester's (a
    member's own setting, for mail to ops). ``held_until``/``notice``: a member
    notice that gathers what else happens until then (:func:`rewrite_held`).
    ``files``: attached after the texts, and listed on the stored outgoing message
    (downloaded from the outbox's bytes, like an incoming one's from the inbox's).
    ``author``: the member whose words it carries (a relayed answer), kept on the row
    so that they are told too if it is never delivered (:mod:`gateway.tickets.undelivered`).
    None too for an address we cannot write: the callers' brakes say why first, and
    this last one keeps any other path from failing its whole row on it."""
    if not loops.writable(view.recipient.email):
        return None
    message_id = compose.new_message_id(settings.gateway.domain, ticket.id)
    env, parts = _render(session, settings, ticket, view, message_id, now, in_reply_to, locale)
    outbox_id = outbox.enqueue(
        session,
        outbox.NewMail(
            key=key,
            kind=env.kind,
            message_id=env.message_id,
            envelope_from=settings.gateway.address,
            recipients=(env.to.email,),
            raw=compose.compose(env, parts, files),
            ticket_id=ticket.id,
            held_until=held_until,
            notice=notice,
            author=author,
        ),
        now,
    )
    if outbox_id is not None:
        _store_outgoing(session, ticket, env, parts, outbox_id, now, files)
    return outbox_id


def rewrite_held(
    session: Session,
    settings: Settings,
    ticket: Ticket,
    view: views.View,
    held: outbox.Held,
    notice: dict[str, Any],
    *,
    now: datetime,
    locale: str,
) -> None:
    """A held notice says more: rendered again, same Message-ID, still one row."""
    env, parts = _render(session, settings, ticket, view, held.message_id, now, "", locale)
    outbox.rewrite_held(session, held.id, compose.compose(env, parts), notice)
    subject = compose.subject_line(env.subject_tag, parts.subject)
    rewrite_outgoing(session, held.id, subject=subject, text=parts.text, date=now)


def _render(
    session: Session,
    settings: Settings,
    ticket: Ticket,
    view: views.View,
    message_id: str,
    now: datetime,
    in_reply_to: str,
    locale: str | None,
) -> tuple[compose.Envelope, Rendered]:
    locale = locale or ticket.locale or settings.gateway.locale
    recipient = view.recipient
    parts = renderer(settings.gateway.templates_dir).render(
        view, locale, reader_zone(settings, recipient.email)
    )
    thread = tuple(tickets.thread_ids(session, ticket))
    env = compose.Envelope(
        kind=views.kind_of(view),
        sender=views.Person(settings.gateway.address, settings.outbound.from_name),
        to=recipient,
        message_id=message_id,
        date=dated(settings, now),
        subject_tag=tag(settings, ticket.id),
        reply_to=reply_address(session, settings, ticket.id, recipient.email),
        in_reply_to=msgid.nearest_well_formed(in_reply_to, thread),
        references=thread,
        auto_submitted=views.mail_kind(view).auto_submitted,
        ticket_id=ticket.id,
        charset="iso-2022-jp" if locale == "ja" and settings.gateway.iso2022jp else "utf-8",
        opened=ticket.created_at,
        topic=title(ticket.subject),
    )
    return env, parts


def _store_outgoing(
    session: Session,
    ticket: Ticket,
    env: compose.Envelope,
    parts: Rendered,
    outbox_id: int,
    now: datetime,
    files: tuple[compose.Enclosure, ...],
) -> None:
    add_message(
        session,
        NewMessage(
            ticket_id=ticket.id,
            outbox_id=outbox_id,
            direction="out",
            message_id=env.message_id,
            in_reply_to=env.in_reply_to,
            references=" ".join(env.references),
            from_addr=env.sender.email,
            from_name=env.sender.name,
            to=[env.to.email],
            subject=compose.subject_line(env.subject_tag, parts.subject),
            date=now,
            text=parts.text,
            new_text=parts.text,
            kind=env.kind,
            created_at=now,
            attachments=[
                NewAttachment(
                    filename=f.filename,
                    original_filename=f.filename,
                    content_type=f.content_type,
                    size=len(f.data),
                    sha256=hashlib.sha256(f.data).hexdigest(),
                )
                for f in files
            ],
        ),
    )


def queue_member_mail(
    session: Session,
    settings: Settings,
    view: views.View,
    *,
    key: str,
    now: datetime,
    locale: str,
    in_reply_to: str = "",
) -> int | None:
    """Queue a mail about no single ticket (a digest, a summary, a list of stale
    tickets); the outbox row id, or None if ``key`` was queued before.

    It has no subject tag or reply-token address of its own: a reply to it belongs to
    no ticket (:mod:`gateway.runner.ticketless`), so each ticket it lists carries its
    own address. ``in_reply_to``: the member's mail it answers, if any."""
    kind = views.kind_of(view)
    parts = renderer(settings.gateway.templates_dir).render(
        view, locale, reader_zone(settings, view.recipient.email)
    )
    env = compose.Envelope(
        kind=kind,
        sender=views.Person(settings.gateway.address, settings.outbound.from_name),
        to=view.recipient,
        message_id=compose.new_message_id(settings.gateway.domain, None),
        date=dated(settings, now),
        in_reply_to=in_reply_to,
        auto_submitted=views.mail_kind(view).auto_submitted,
        charset="iso-2022-jp" if locale == "ja" and settings.gateway.iso2022jp else "utf-8",
    )
    return outbox.enqueue(
        session,
        outbox.NewMail(
            key=key,
            kind=kind,
            message_id=env.message_id,
            envelope_from=settings.gateway.address,
            recipients=(view.recipient.email,),
            raw=compose.compose(env, parts),
        ),
        now,
    )
