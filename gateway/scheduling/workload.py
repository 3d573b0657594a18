"""Where the work piles up: the figures of ``stats``, the board's panels and the
managers' summary, read with the catalog's rules.

:mod:`store.stats` counts in SQL and knows no catalog; this module hands it what the
catalog says (its entries in order, the fallback, each entry's ``stale_after``, and
the rules a ticket of an entry no longer in the catalog follows: the fallback's), so
the ``stats`` command and the board ask the same question the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from gateway.catalog.model import Catalog
from gateway.config.settings import Settings
from gateway.core.i18n import N_, Msg
from store import reminders, stats

REFILE = "ticket-gateway catalog refile --from ID"  # a command: not translated
SHOWN = 10  # ticket ids named per entry; the rest is "…"


def _stale(catalog: Catalog) -> dict[str, Any]:
    fallback = catalog.rules_for(None)
    return {
        "entry_ids": [e.id for e in catalog.entries],
        "fallback_id": catalog.fallback.id,
        "stale_after": {e.id: e.stale_after for e in catalog.entries},
        "unplaced_stale_after": fallback.stale_after if fallback else None,
    }


def stats_figures(
    session: Session, catalog: Catalog, settings: Settings, now: datetime
) -> dict[str, Any]:
    """Every figure of ``ticket-gateway stats`` (and ``--json``) at ``now``."""
    return stats.compute(
        session, tz=ZoneInfo(settings.gateway.timezone), now=now, **_stale(catalog)
    )


def board_figures(
    session: Session, catalog: Catalog, settings: Settings, now: datetime
) -> dict[str, Any]:
    """The board's panels: the same code as :func:`stats_figures`."""
    return stats.board_figures(
        session, tz=ZoneInfo(settings.gateway.timezone), now=now, **_stale(catalog)
    )


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
            "{count} open tickets under entries not in the catalog: {tickets} — run `{command}`",
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
