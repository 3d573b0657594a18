"""What sources hand to the inbox and get back: plain values, importable without
SQLAlchemy (the pipe fast path and the SQLite writer use them too)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Incoming:
    """One message to accept, as its source received it."""

    raw: bytes
    source: str
    source_ref: str = ""
    envelope_from: str | None = None
    envelope_to: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class Accepted:
    inbox_id: int
    duplicate: bool  # already stored (same bytes, or same Message-ID where asked): nothing new
