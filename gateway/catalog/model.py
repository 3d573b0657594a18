"""The service catalog as values: entries, keywords, fields.

Frozen dataclasses built by :mod:`gateway.catalog.reader` from the YAML; every
decision about a request (matching, assignment, the parameter sheet) reads
these and nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from gateway.catalog.linear import KeywordPattern

FIELD_TYPES = ("text", "date", "email", "number", "choice")
LOCALES = ("ja", "en")


@dataclass(frozen=True, slots=True)
class Keyword:
    """One term as written (``source``) and as matched (normalised ``text`` or ``regex``)."""

    source: str
    text: str
    weight: float = 1.0
    regex: KeywordPattern | None = None  # RE2 (gateway.catalog.linear)
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
