"""What a chat post says of its ticket, and in which language.

The poster renders every post with what the ticket is *now* (a card updated after a
reassignment names the new assignee): these read it into :class:`render.TicketFacts`,
plain values a renderer takes, with addresses as people read them and the names of
catalog entries in the reader's language. Apart from :mod:`gateway.chat.poster`, which
claims, posts and records, so that each says one thing.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from gateway.catalog.model import Catalog
from gateway.chat import approval, render
from gateway.config.settings import Settings
from gateway.core.domains import readable_address as shown
from gateway.core.title import title
from gateway.pipeline.entry_names import not_approvable
from store import action_runs, chat
from store.chat import DuePost
from store.models import Ticket


def locale_of(settings: Settings, post: DuePost) -> str:
    """The language of the post's channel (Slack's per channel, a webhook's own), else
    the team's."""
    default = settings.gateway.locale
    chat_cfg = settings.chat
    if post.target == "slack" and chat_cfg.slack is not None:
        return chat_cfg.slack.locale_of(post.channel, default)
    hook = chat_cfg.teams if post.target == "teams" else chat_cfg.webhook
    return (hook.locale if hook is not None else "") or default


def of(
    settings: Settings,
    catalog: Catalog,
    ticket: Ticket,
    place: chat.Place | None,
    locale: str,
    stands: approval.Approval,
) -> render.TicketFacts:
    """``ticket`` as chat shows it in ``locale``; ``place``: its thread, if it has one."""
    name = title(ticket.requester_name)  # a From name may be any length; Slack's texts not
    who = render.assignee_shown(settings, ticket.assignee or "", locale)  # a leaver marked
    return render.TicketFacts(
        id=ticket.id,
        tag=tag(settings, ticket.id),
        subject=title(ticket.subject),
        state=ticket.state,
        entry=catalog.shown_name(ticket.catalog, locale),
        requester=f"{name} <{shown(ticket.requester)}>" if name else shown(ticket.requester),
        assignee=who,  # addresses as people read them (stored as xn--…)
        permalink=place.permalink if place else "",
        priority=ticket.priority or "normal",
        approval=stands,
    )


def approval_of(
    s: Session, settings: Settings, catalog: Catalog, ticket: Ticket
) -> approval.Approval:
    """Where the ticket's catalog action stands on approval, as the card says it."""
    run = action_runs.find(s, ticket.id, ticket.catalog) if ticket.catalog else None
    if run is None:
        return approval.Approval()
    who = settings.member(run.triggered_by)
    into = tag(settings, ticket.merged_into_id) if ticket.merged_into_id is not None else ""
    by = (who.name if who else "") or run.triggered_by
    why_not = not_approvable(catalog.entry(ticket.catalog), ticket.catalog)
    return approval.standing(
        run.trigger,
        run.state,
        by,
        ticket.state,
        into,
        approvable=why_not is None,
        released=bool(run.document),  # the document is written when a manager approves
    )


def tag(settings: Settings, ticket_id: int) -> str:
    """The ticket's subject tag, ``[#42]`` (or the team's prefix: ``[HELP#42]``)."""
    return f"[{settings.gateway.tag_prefix}#{ticket_id}]"
