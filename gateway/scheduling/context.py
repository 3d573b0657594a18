"""What every job of a pass shares: the settings and catalog it runs with, who answers
for a ticket, and the report of what the pass did."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from gateway.catalog.model import Catalog, Entry
from gateway.config.settings import Settings
from gateway.core import zone
from gateway.core.i18n import N_, NP_, Msg
from gateway.notify import views
from store.models import Ticket


@dataclass(frozen=True, slots=True)
class JobContext:
    """What every job needs besides the session and the time."""

    settings: Settings
    catalog: Catalog

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.settings.gateway.timezone)

    def rules(self, ticket: Ticket) -> Entry | None:
        """The entry whose rules the ticket follows: its own, else the fallback's."""
        return self.catalog.rules_for(ticket.catalog)

    def locale_of(self, email: str) -> str:
        member = self.settings.member(email)
        return (member.locale if member else "") or self.settings.gateway.locale

    def person(self, email: str) -> views.Person:
        member = self.settings.member(email)
        return views.Person(email, member.name if member else "")

    def local(self, at: datetime) -> str:
        """``at`` in the team's zone: a :class:`gateway.core.zone.Moment`, which the mails
        say with its weekday in the reader's form."""
        return zone.in_zone(at, self.settings.gateway.timezone)


@dataclass
class SweepReport:
    """What a pass did, per job, the tickets each job acted on and the outbox rows it
    queued."""

    done: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    outbox: list[int] = field(default_factory=list)
    # per job, the tickets it acted on: ``sweep --dry-run`` names them, since a count of
    # closes says nothing of which ticket, and a close whose requester gets no mail (a
    # monitoring alert) is in no mail it prints
    tickets: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    # the tickets that failed and were rolled back (logged): ``sweep`` exits 75 for them
    failed: list[int] = field(default_factory=list)

    def did(self, job: str, ticket_id: int) -> None:
        """``job`` acted on the ticket ``ticket_id``: counted and named."""
        self.done[job] += 1
        self.tickets[job].append(ticket_id)

    def queued(self, outbox_id: int | None) -> None:
        if outbox_id is not None:
            self.outbox.append(outbox_id)

    def message(self) -> Msg:
        """What the pass did, for a person (``ticket-gateway sweep``); job names as they are."""
        jobs_done = ", ".join(f"{k} {v}" for k, v in sorted(self.done.items()))
        return NP_(
            "{jobs}; {mails} mail queued",
            "{jobs}; {mails} mails queued",
            len(self.outbox),
            jobs=jobs_done or N_("nothing due"),
            mails=len(self.outbox),
        )

    def summary(self) -> str:
        """The same in English, for the log."""
        return str(self.message())


def responsible(ctx: JobContext, ticket: Ticket) -> str | None:
    """Who is nagged about a ticket: its assignee while on the team, else its entry's
    manager (the fallback's for a ticket of an entry no longer in the catalog, or of
    one that names no manager: :meth:`gateway.config.settings.Settings.responsible`): a
    member taken out of ``[[members]]`` is not reminded of what they left behind."""
    entry = ctx.rules(ticket)
    manager = entry.manager if entry else None
    return ctx.settings.responsible(ticket.assignee, manager, ctx.catalog.team_manager) or None
