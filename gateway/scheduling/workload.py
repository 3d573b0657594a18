"""Where the work piles up: the figures of ``stats``, the board's panels and the
managers' summary, read with the catalog's rules.

:mod:`store.stats` counts in SQL and knows no catalog; this module hands it what the
catalog says (its entries in order, the fallback), so the ``stats`` command and the
board ask the same question the same way.

The figures that depend on the rules a ticket follows (its entry's, else the
fallback's: ``Catalog.rules_for``) are not counted in SQL: the open tickets past an SLA
deadline or due soon (a deadline depends on the entry's targets at the ticket's
priority, a ``/due`` date and the first response) and the stale ones (its
``stale_after``, or the pending reminder's wait for a reminder that never reached the
requester: :mod:`gateway.scheduling.stale`). Both are decided here, in one pass over the
open tickets alone (few, read through the state index; never the closed ones), by the
very rules of the cards' badges, the digest's marks and the reminders
(:func:`gateway.scheduling.rules.sla_state`, :func:`gateway.scheduling.stale.is_stale`):
one rule, not a copy of it in SQL that could drift from what the reminders do.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from gateway.catalog import known
from gateway.catalog.model import Catalog
from gateway.config.settings import Settings
from gateway.core.calendars import Calendars
from gateway.core.i18n import N_, Msg
from gateway.scheduling import rules, stale
from store import reminders, stats

REFILE = "ticket-gateway catalog refile --from ID"  # a command: not translated
SHOWN = 10  # ticket ids named per entry; the rest is "…"


def _entries(catalog: Catalog) -> dict[str, Any]:
    return {"entry_ids": [e.id for e in catalog.entries], "fallback_id": catalog.fallback.id}


def stats_figures(
    session: Session, catalog: Catalog, settings: Settings, now: datetime
) -> dict[str, Any]:
    """Every figure of ``ticket-gateway stats`` (and ``--json``) at ``now``."""
    return _with_rules(stats.compute, "entries", session, catalog, settings, now)


def board_figures(
    session: Session, catalog: Catalog, settings: Settings, now: datetime
) -> dict[str, Any]:
    """The board's panels: the same code as :func:`stats_figures`."""
    return _with_rules(stats.board_figures, "open", session, catalog, settings, now)


def _with_rules(
    count: Callable[..., dict[str, Any]],
    entries: str,
    session: Session,
    catalog: Catalog,
    settings: Settings,
    now: datetime,
) -> dict[str, Any]:
    """What the store ``count``s, with the figures decided by the catalog's rules over
    the open tickets (:func:`sla_counts`) put on its rows (``entries``: see :func:`with_sla`)."""
    open_ = stats.open_times(session)
    counts = sla_counts(open_, catalog, settings, now, stale.unreached(session, open_))
    figures = count(
        session,
        tz=ZoneInfo(settings.gateway.timezone),
        now=now,
        stale=counts.stale,
        team=settings.team,  # a leaver's tickets under nobody, as sla_counts counts them
        keyword_of=known.finder(catalog),  # a word an entry has is no candidate twice
        **_entries(catalog),
    )
    return with_sla(figures, counts, entries)


class Placed(rules.Timed, Protocol):
    """A ticket with its entry and assignee: an ORM row or :class:`store.stats.OpenTimes`."""

    @property
    def catalog(self) -> str | None: ...
    @property
    def assignee(self) -> str | None: ...


# the SLA states counted, under the keys of ``stats --json``
COUNTED = {rules.SlaState.OVERDUE: "overdue", rules.SlaState.DUE_SOON: "due_soon"}


def ticket_times(ticket: Placed, catalog: Catalog, calendars: Calendars) -> rules.TicketTimes:
    """The ticket's times under the rules it follows (its entry's, else the fallback's)
    and the calendar that entry counts in (one of ``calendars``)."""
    return rules.times_of(ticket, catalog.rules_for(ticket.catalog), calendars)


@dataclass(frozen=True, slots=True)
class SlaCounts:
    """Open tickets per mark (``overdue``, ``due_soon``), per assignee ("" nobody: no
    assignee, or one who left the team, as the digest counts them) and per entry id
    ("" none); and the stale ones per assignee."""

    by_assignee: dict[str, Counter[str]]
    by_entry: dict[str, Counter[str]]
    stale: Counter[str] = field(default_factory=Counter)


def sla_counts(
    tickets: Iterable[Placed],
    catalog: Catalog,
    settings: Settings,
    now: datetime,
    unreached: Collection[int],
) -> SlaCounts:
    """The open ``tickets`` past a deadline or due soon, and the stale ones (closed
    tickets are neither), each by the rules it follows; ``unreached``: the ids
    :func:`gateway.scheduling.stale.unreached` found among them."""
    by_assignee: dict[str, Counter[str]] = {}
    by_entry: dict[str, Counter[str]] = {}
    stale_ones: Counter[str] = Counter()
    calendars = settings.calendars  # built once, not per ticket
    for ticket in tickets:
        times = ticket_times(ticket, catalog, calendars)
        state, _ = rules.sla_state(times, now, settings.schedule)
        mark = COUNTED.get(state, "")
        # one who left has nothing: the rule store.holders puts in SQL for the counts
        who = ticket.assignee if settings.on_team(ticket.assignee) else ""
        if mark:
            by_assignee.setdefault(who or "", Counter())[mark] += 1
            by_entry.setdefault(ticket.catalog or "", Counter())[mark] += 1
        if stale.is_stale(times, now, unreached, settings.schedule):  # the reminders' rule
            stale_ones[who or ""] += 1
    return SlaCounts(by_assignee, by_entry, stale_ones)


# what a ticket list can be limited to (the board's panels link to it): the SLA marks
# (COUNTED's keys) and stale, decided as sla_counts decides them for the panels' counts
MARKS = (*COUNTED.values(), "stale")


def marked(
    tickets: Iterable[stats.OpenTimes],
    catalog: Catalog,
    settings: Settings,
    now: datetime,
    mark: str,
    unreached: Collection[int],
) -> tuple[int, ...]:
    """The ids of the open ``tickets`` that carry ``mark`` (one of :data:`MARKS`);
    ``unreached`` as for :func:`sla_counts`."""
    out = []
    calendars = settings.calendars  # built once, not per ticket
    for ticket in tickets:
        times = ticket_times(ticket, catalog, calendars)
        if mark == "stale":
            if stale.is_stale(times, now, unreached, settings.schedule):  # the reminders' rule
                out.append(ticket.id)
        elif COUNTED.get(rules.sla_state(times, now, settings.schedule)[0]) == mark:
            out.append(ticket.id)
    return tuple(out)


def with_sla(figures: dict[str, Any], counts: SlaCounts, entries: str) -> dict[str, Any]:
    """``figures`` with ``overdue`` and ``due_soon`` on each assignee and each row of
    ``figures[entries]`` (the per-entry table: ``entries`` in stats, ``open`` on the board)."""
    for row in figures["assignees"]:
        row.update(_marks(counts.by_assignee.get(row["assignee"] or "")))
    for row in figures[entries]:
        row.update(_marks(counts.by_entry.get(row["entry"] or "")))
    return figures


def _marks(found: Counter[str] | None) -> dict[str, int]:
    return {key: (found or Counter())[key] for key in COUNTED.values()}


@dataclass(frozen=True, slots=True)
class Outside:
    """Open tickets under entries the catalog no longer has, per entry id. They follow
    the fallback's rules meanwhile (``Catalog.rules_for``), but they sit in a lane of
    their own and nobody is told to refile them: ``status`` and the managers' summary
    name them, as a warning (nothing is broken, and no one need be paged)."""

    entries: dict[str, list[int]] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return sum(len(ids) for ids in self.entries.values())

    def message(self) -> Msg | None:
        if not self.entries:
            return None
        listed = ", ".join(f"{entry} ({_ids(ids)})" for entry, ids in self.entries.items())
        return N_(
            "open tickets under entries not in the catalog: {tickets}, {count} in all"
            " — run `{command}`",
            count=self.count,
            tickets=listed,
            command=REFILE,
        )

    def as_dict(self) -> dict[str, Any]:
        """For ``status --json``: how many, and their ids per entry id."""
        return {"tickets": self.count, "entries": dict(self.entries)}


def _ids(ids: list[int]) -> str:
    shown = ", ".join(f"#{i}" for i in ids[:SHOWN])
    return shown + (", …" if len(ids) > SHOWN else "")


def outside_catalog(session: Session, catalog: Catalog) -> Outside:
    """The open tickets whose entry the catalog does not have (any more)."""
    return Outside(reminders.open_outside(session, [e.id for e in catalog.entries]))
