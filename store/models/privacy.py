"""The record that a person's data was erased on their request (APPI art. 35, GDPR art.
17): ``ticket-gateway requesters forget`` (:mod:`gateway.tickets.erasure`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base


class Erasure(Base):
    """One erasure: when, by whom, how many rows of each kind went. Never the address:
    ``subject`` is an HMAC of it keyed by the gateway's secret, so whoever holds the key
    can answer "was this address erased, and when?" and nobody else can read it back."""

    __tablename__ = "erasures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(320))  # cli:<login>
    subject: Mapped[str] = mapped_column(String(64), index=True)  # HMAC-SHA256, hex
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)  # kind → rows (ids: never)
