"""What the members who have a ticket hear of what *others* did to it.

Decided by :func:`gateway.tickets.conversation.flush` from a transaction's facts:
the member responsible for the ticket (its assignee while on the team, else its entry's
manager: ``Settings.responsible``) hears
of a requester's reply (the new text, not the quoted history), a thanks that kept
it closed, a state change, a priority change, a duplicate merged into it, a field
filled or changed, a note or an answer another
member wrote, a mail to the requester that failed for good (told to its answer's
author too); a member a ticket is given to gets the whole ticket (its brief) and
their own reply address; the member it was taken from is told. Nobody hears of
their own action.

Several such things within ``[mail] coalesce`` are one mail: the first one writes
an outbox row *held* until the window ends (``held_until``, which is also when it
becomes due), with what it says as data (``notice``); the next ones, in later
transactions, lock that row and render it again with one more item — same row,
same Message-ID. A sender that claims the row first closes it for good (the claim
clears ``held_until``), and what comes after starts a new one, so nothing is ever
added to a mail already on its way, and, since every step is a write in the
change's own transaction, nothing is lost or sent twice after a crash.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from gateway.catalog.model import Entry
from gateway.config.settings import Member
from gateway.core.domains import readable_address
from gateway.core.i18n import kept
from gateway.notify import labels, views
from gateway.notify.brief import local_time, ticket_brief
from gateway.notify.queue import (
    queue_ticket_mail,
    reply_address,
    rewrite_held,
    team,
    ticket_ref,
    turned_off,
)
from gateway.tickets import event_words
from gateway.tickets.conversation import Fact, MailContext, describe
from store import outbox
from store.models import Ticket

KIND = "ticket_notice"
SYSTEM_ACTORS = labels.SYSTEM_ACTORS_IN_TEXT  # who acted when no person did


# What a mail to the requester (or a watcher) says already: left out of the notice of a
# member who got that mail (a member's own request), so each hears of a change once
SAID_TO_REQUESTER = frozenset(
    {
        "state",  # the status mail, or the state riding along with an answer
        "answered",  # the answer itself, relayed to them
    }
)


def queue(
    session: Session, ctx: MailContext, facts: list[Fact], *, told: Collection[str] = ()
) -> list[int]:
    """Queue (or add to a held notice) what each member is to hear of ``facts``.
    ``told``: who got a mail of these facts as requester or watcher
    (:data:`SAID_TO_REQUESTER`)."""
    ticket = facts[0].ticket
    entry = ctx.catalog().rules_for(ticket.catalog)  # a removed entry: the fallback's
    if turned_off(KIND, ctx.settings, entry):
        return []
    responsible = ctx.settings.responsible(
        ticket.assignee, entry.manager if entry else None, ctx.catalog().team_manager
    )
    items: dict[str, list[dict[str, Any]]] = {}
    for fact in facts:
        for who, item in _items(fact, responsible, ctx):
            if who in told and item["kind"] in SAID_TO_REQUESTER:
                continue  # their mail as the requester said it
            if who and who != fact.actor and ctx.settings.member(who) is not None:
                items.setdefault(who, []).append(item)
    ids = [_hold(session, ctx, ticket, who, its, facts[-1].at) for who, its in items.items()]
    return [i for i in ids if i is not None]


def _items(fact: Fact, responsible: str, ctx: MailContext) -> list[tuple[str, dict[str, Any]]]:
    """(member, item) pairs a fact gives; whose words count is decided here."""
    item = describe(fact)
    match fact.kind:
        # a member's mail is theirs; on a ticket they asked for, the requester's
        case "reply" if ctx.settings.member(fact.actor) is None or _requester(fact):
            return [(responsible, item)]
        case "thanks" | "unverified" | "state" | "field" | "priority" | "merged":
            return [(responsible, item)]
        case "note" if ctx.settings.member(fact.actor) is not None:  # not the gateway's notes
            return [(responsible, item)]
        case "relay":
            return [(responsible, {**item, "kind": "answered"})]
        # a mail to a customer never delivered, told to the member who has the ticket and
        # the one whose answer it carried (once if the same); one to a member is not told
        case "undelivered" if not any(ctx.settings.member(r) for r in fact.recipients):
            told = {**item, **event_words.said(fact.cause or fact.text)}
            # the author reads it as their own answer, in their words (once if both)
            return [
                (who, {**told, "yours": who == fact.author})
                for who in dict.fromkeys((responsible, fact.author))
                if who
            ]
        case "assign":
            given = [(fact.new, {**item, "kind": "assigned"})]
            return given + ([(fact.old, {**item, "kind": "unassigned"})] if fact.old else [])
    return []


def _hold(
    session: Session,
    ctx: MailContext,
    ticket: Ticket,
    email: str,
    items: list[dict[str, Any]],
    now: datetime,
) -> int | None:
    settings = ctx.settings
    member = settings.member(email)
    assert member is not None  # _items only names members
    window = settings.mail.coalesce
    held = outbox.held(session, ticket.id, email, KIND, now) if window else None
    if held is not None:
        items = [*held.notice.get("items", []), *items]
    view = _view(session, ctx, ticket, member, items, now)
    locale = settings.locale_of(member)
    notice = {"items": items}
    if held is not None:
        rewrite_held(session, settings, ticket, view, held, notice, now=now, locale=locale)
        return held.id
    return queue_ticket_mail(
        session,
        settings,
        ticket,
        view,
        key=f"notice:{ticket.id}:{email}:{secrets.token_hex(8)}",
        now=now,
        locale=locale,
        held_until=now + window if window else None,
        notice=notice if window else None,
    )


def _view(
    session: Session,
    ctx: MailContext,
    ticket: Ticket,
    member: Member,
    items: list[dict[str, Any]],
    now: datetime,
) -> views.TicketNotice:
    settings = ctx.settings
    entry = ctx.catalog().entry(ticket.catalog)  # the sheet's labels: the entry filed under
    locale = settings.locale_of(member)
    ref = replace(
        ticket_ref(ticket, settings, now, ctx.catalog()),
        catalog=ctx.catalog().shown_name(ticket.catalog, locale),
        reply_to=reply_address(session, settings, ticket.id, member.email),
    )
    mine = any(i["kind"] == "assigned" and i["new"] == member.email for i in items)
    return views.TicketNotice(
        team=team(settings),
        recipient=views.Person(member.email, member.name),
        ticket=ref,
        items=tuple(_item(i, ctx, ticket, entry, locale) for i in items),
        brief=ticket_brief(session, settings, ctx.catalog(), ticket, member) if mine else None,
    )


def _item(
    i: dict[str, Any], ctx: MailContext, ticket: Ticket, entry: Entry | None, locale: str
) -> views.NoticeItem:
    name = i.get("name", "")
    field = entry.field(name) if entry is not None and name else None
    if i["kind"] == "unassigned":
        name = _who(i["new"], ctx, ticket)
    elif field is not None:
        name = field.label(locale)
    old, new = i.get("old", ""), i.get("new", "")
    if i["kind"] == "field" and field is not None:  # a choice's label, an address as written
        old, new = (v and field.shown(v, locale) for v in (old, new))
    if i["kind"] == "undelivered":  # the address refused, as a person reads it
        new = readable_address(new)
    return views.NoticeItem(
        kind=i["kind"],
        at=local_time(ctx.settings, datetime.fromisoformat(i["at"])),
        who=_who(i["actor"], ctx, ticket),
        text=i.get("text", ""),
        name=str(name),
        old=old,
        new=new,
        files=tuple((str(name), int(size)) for name, size in i.get("files", [])),
        why=kept(i.get("said"), i.get("text", "")) if i["kind"] == "undelivered" else "",
        yours=bool(i.get("yours")),
    )


def _who(actor: str, ctx: MailContext, ticket: Ticket) -> views.Text:
    """Who did it, as the member reads it: a name where there is one, else the address
    with its internationalised domain in Unicode (kept as its ``xn--`` A-label)."""
    member = ctx.settings.member(actor)
    if member is not None:
        return member.name or readable_address(member.email)
    if actor == ticket.requester.lower():
        return ticket.requester_name or readable_address(ticket.requester)
    return SYSTEM_ACTORS[actor] if actor in SYSTEM_ACTORS else readable_address(actor)


def _requester(fact: Fact) -> bool:
    """The fact's actor is the ticket's requester (a member on a ticket they asked
    for: gateway.runner.replies.as_its_requester)."""
    return fact.actor.lower() == fact.ticket.requester.lower()
