"""The pages' tables: member sessions, one-time sign-in links, rate counters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base


class WebSession(Base):
    """A member signed in to the pages; the cookie holds a token, this row its hash."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    member: Mapped[str] = mapped_column(String(320), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


class SignInLink(Base):
    """A one-time sign-in link mailed to a member; works once, until it expires."""

    __tablename__ = "sign_in_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    member: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None]
    # the SHA-256 of the browser that spent it (its CSRF token): a second click of that
    # browser, racing the first, signs in too (gateway.web.signin)
    used_by: Mapped[str | None] = mapped_column(String(64))


class RateCounter(Base):
    """Hits per key (``submit-ip:…``, ``sign-in:…``) in one fixed window."""

    __tablename__ = "rate_counters"
    __table_args__ = (UniqueConstraint("key", "window_start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(400))
    window_start: Mapped[datetime] = mapped_column(index=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
