"""The service catalog: load and validate the YAML, keep it current across SIGHUP.

An operator fixing a catalog needs *every* problem with the line it is on, not
the first exception: :mod:`gateway.catalog_reader` collects them all and
:func:`load_catalog` raises one :class:`CatalogError` carrying the list.

Members are checked only when ``[[members]]`` is configured: the built-in
defaults have no members, and the packaged example must still load there.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from gateway.errors import CatalogError, Problem
from gateway.settings import Member, Settings

log = logging.getLogger(__name__)

__all__ = ["Catalog", "CatalogError", "CatalogHolder", "Entry", "Field", "Keyword", "Problem",
           "catalog_path", "check_catalog", "load_catalog", "parse_catalog"]

FIELD_TYPES = ("text", "date", "email", "number", "choice")
LOCALES = ("ja", "en")


@dataclass(frozen=True, slots=True)
class Keyword:
    """One term as written (``source``) and as matched (normalised ``text`` or ``regex``)."""

    source: str
    text: str
    weight: float = 1.0
    regex: re.Pattern[str] | None = None
    cjk: bool = False  # CJK terms match as substrings, Latin ones on word boundaries


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    labels: Mapping[str, str]
    type: str = "text"
    choices: tuple[str, ...] = ()
    required: bool = False
    example: str = ""  # shown in the "missing fields" mail; derived from the type if empty

    def label(self, locale: str) -> str:
        return self.labels.get(locale) or self.labels.get("en") or self.name


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    names: Mapping[str, str]
    keywords: tuple[Keyword, ...] = ()
    negative: tuple[Keyword, ...] = ()
    assignees: tuple[str, ...] = ()  # one: always them; several: served in turn
    manager: str | None = None
    first_response: timedelta | None = None
    resolve: timedelta | None = None
    stale_after: timedelta | None = None
    auto_close_after: timedelta | None = None
    fields: tuple[Field, ...] = ()
    fallback: bool = False

    def name(self, locale: str) -> str:
        return self.names.get(locale) or self.names.get("en") or self.id

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True, slots=True)
class Catalog:
    entries: tuple[Entry, ...]
    source: str = ""

    @property
    def fallback(self) -> Entry:
        return next(e for e in self.entries if e.fallback)

    def entry(self, entry_id: str | None) -> Entry | None:
        return next((e for e in self.entries if e.id == entry_id), None)


def catalog_path(settings: Settings) -> Path:
    """The configured catalog, else the example shipped inside the package."""
    if settings.catalog.path is not None:
        return settings.catalog.path
    return Path(__file__).resolve().parent / "examples" / "catalog.yaml"


def load_catalog(path: Path, members: Sequence[Member] = ()) -> Catalog:
    """Read and validate ``path``; raises :class:`CatalogError` with every problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(str(path), [Problem(0, f"cannot read: {exc}")]) from None
    return parse_catalog(text, members, source=str(path))


def check_catalog(path: Path, members: Sequence[Member] = ()) -> list[Problem]:
    """Every problem in ``path`` with its line; empty when the catalog is fine."""
    try:
        load_catalog(path, members)
    except CatalogError as exc:
        return list(exc.problems)
    return []


def parse_catalog(text: str, members: Sequence[Member] = (), *, source: str = "") -> Catalog:
    from gateway.catalog_reader import read  # the reader builds this module's dataclasses

    entries, problems = read(text, members)
    if problems:
        raise CatalogError(source, sorted(problems, key=lambda p: p.line))
    return Catalog(tuple(entries), source)


class CatalogHolder:
    """The catalog in use; :meth:`reload` swaps it only for a valid new one.

    The daemon calls ``reload`` on SIGHUP. A broken edit must not take the
    gateway down or leave it unclassified, so the old catalog stays and the log
    says exactly why the new one was refused.
    """

    def __init__(
        self,
        path: Path,
        members: Sequence[Member] = (),
        loader: Callable[[Path, Sequence[Member]], Catalog] = load_catalog,
    ) -> None:
        self.path, self._members, self._loader = path, tuple(members), loader
        self._current = loader(path, self._members)  # at start a bad catalog is fatal

    @property
    def current(self) -> Catalog:
        return self._current

    def reload(self) -> bool:
        try:
            new = self._loader(self.path, self._members)
        except CatalogError as exc:
            log.error("catalog reload refused: %s has %d problem(s); keeping the catalog "
                      "in use (%d entries)", self.path, len(exc.problems),
                      len(self._current.entries))
            for p in exc.problems:
                log.error("  %s:%d: %s", self.path, p.line, p.message)
            return False
        self._current = new
        log.info("catalog reloaded from %s: %d entries", self.path, len(new.entries))
        return True
