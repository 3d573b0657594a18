"""Queue one mail about a ticket: render, compose, write the outbox row and the
outgoing ``messages`` row, all in the caller's transaction.

The outgoing message is stored on the ticket like an incoming one (direction
``out``, linked to its outbox row), so ``tickets show`` lists what we said, and
a reply quoting our Message-ID in In-Reply-To threads back to the ticket.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from gateway.config.settings import Settings
from gateway.core import tokens
from gateway.notify import compose, views
from gateway.notify.render import renderer
from store import outbox, tickets
from store.messages import NewMessage, add_message
from store.models import Ticket


def tag(settings: Settings, ticket_id: int) -> str:
    return f"[{settings.gateway.tag_prefix}#{ticket_id}]"


def team(settings: Settings) -> views.Team:
    return views.Team(
        settings.outbound.from_name or settings.gateway.address, settings.gateway.address
    )


def ticket_ref(ticket: Ticket, settings: Settings, now: datetime) -> views.TicketRef:
    """A ticket as plain values, dates in the team's time zone."""
    local = ticket.created_at.astimezone(ZoneInfo(settings.gateway.timezone))
    return views.TicketRef(
        id=ticket.id,
        tag=tag(settings, ticket.id),
        subject=compose.one_line(ticket.subject),
        state=ticket.state,
        requester=views.Person(ticket.requester, ticket.requester_name),
        assignee=ticket.assignee or "",
        catalog=ticket.catalog or "",
        created=local.strftime("%Y-%m-%d %H:%M %Z"),
        age_days=(now - ticket.created_at).days,
        idle_days=(now - ticket.updated_at).days,
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
) -> int | None:
    """The outbox row id, or None if ``key`` was queued before (nothing written).

    ``locale``: the recipient's language when it is not the requester's (a
    member's own setting, for mail to ops)."""
    kind = views.kind_of(view)
    locale = locale or ticket.locale or settings.gateway.locale
    parts = renderer(settings.gateway.templates_dir).render(view, locale)
    recipient = view.recipient
    env = compose.Envelope(
        kind=kind,
        sender=views.Person(settings.gateway.address, settings.outbound.from_name),
        to=recipient,
        message_id=compose.new_message_id(settings.gateway.domain, ticket.id),
        date=now,
        subject_tag=tag(settings, ticket.id),
        reply_to=tokens.reply_address(
            settings.gateway.address, settings.gateway.secret, ticket.id, recipient.email
        ),
        in_reply_to=in_reply_to,
        references=tuple(tickets.thread_ids(session, ticket.id)),
        auto_submitted=views.mail_kind(view).auto_submitted,
        ticket_id=ticket.id,
        charset="iso-2022-jp" if locale == "ja" and settings.gateway.iso2022jp else "utf-8",
    )
    raw = compose.compose(env, parts)
    outbox_id = outbox.enqueue(
        session,
        outbox.NewMail(
            key=key,
            kind=kind,
            message_id=env.message_id,
            envelope_from=settings.gateway.address,
            recipients=(recipient.email,),
            raw=raw,
            ticket_id=ticket.id,
        ),
        now,
    )
    if outbox_id is not None:
        _store_outgoing(session, ticket, env, parts.text, parts.subject, outbox_id, now)
    return outbox_id


def _store_outgoing(
    session: Session,
    ticket: Ticket,
    env: compose.Envelope,
    text: str,
    subject: str,
    outbox_id: int,
    now: datetime,
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
            subject=compose.subject_line(env.subject_tag, subject),
            date=now,
            text=text,
            new_text=text,
            kind=env.kind,
            created_at=now,
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
) -> int | None:
    """Queue a mail about no single ticket (a digest, a summary, a list of stale
    tickets); the outbox row id, or None if ``key`` was queued before.

    It has no subject tag or reply-token address of its own: a reply to it would
    belong to no ticket, so each ticket it lists carries its own address."""
    kind = views.kind_of(view)
    parts = renderer(settings.gateway.templates_dir).render(view, locale)
    env = compose.Envelope(
        kind=kind,
        sender=views.Person(settings.gateway.address, settings.outbound.from_name),
        to=view.recipient,
        message_id=compose.new_message_id(settings.gateway.domain, None),
        date=now,
        auto_submitted="auto-generated",
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
