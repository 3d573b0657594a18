"""Members' sessions, one-time sign-in links and rate-limit counters for the pages.

Tokens never reach the database: the cookie and the mailed link carry a random
token, the rows keep its SHA-256, so a copy of the database signs nobody in.
Like every query module, nothing here commits.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from store.db import dialect_insert
from store.models import RateCounter, SignInLink, WebSession


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_sign_in_link(
    session: Session, token: str, member: str, now: datetime, expires_at: datetime
) -> None:
    session.add(
        SignInLink(
            token_hash=token_hash(token), member=member, created_at=now, expires_at=expires_at
        )
    )


@dataclass(frozen=True, slots=True)
class Link:
    """A sign-in link as stored: whose it is, until when, and when and by which
    browser (the SHA-256 of what :func:`use_sign_in_link` was given) it was spent."""

    member: str
    expires_at: datetime
    used_at: datetime | None
    used_by: str | None


def use_sign_in_link(session: Session, token: str, now: datetime, browser: str) -> str | None:
    """The member the link was sent to, once: a used or expired link gives None.

    One UPDATE that only matches an unused link spends it, and its row count says
    whether this request did: a request racing another waits for the other's row lock
    (PostgreSQL) or write lock (SQLite) and then matches nothing. ``browser`` is
    kept as its hash, for :func:`sign_in_link` to tell who spent it."""
    h = token_hash(token)
    done = session.execute(
        update(SignInLink)
        .where(SignInLink.token_hash == h, SignInLink.used_at.is_(None))
        .where(SignInLink.expires_at > now)
        .values(used_at=now, used_by=token_hash(browser))
    )
    if getattr(done, "rowcount", 0) != 1:
        return None
    return session.scalar(select(SignInLink.member).where(SignInLink.token_hash == h))


def spend_others(session: Session, member: str, token: str, now: datetime) -> None:
    """Spend ``member``'s other unused links, now that ``token``'s signed them in: every
    ask mails a link of its own, and the ones left in the mailbox (or a forwarded copy)
    would each start another session while they last. Spent, not deleted: the member
    who opens one again while signed in is still taken on to their board."""
    session.execute(
        update(SignInLink)
        .where(SignInLink.member == member, SignInLink.used_at.is_(None))
        .where(SignInLink.token_hash != token_hash(token))
        .values(used_at=now, used_by="")
    )


def sign_in_link(session: Session, token: str) -> Link | None:
    """The link ``token`` names, used or not, expired or not; None if there is none
    (never made, or purged a day after it expired: :func:`purge`)."""
    row = session.execute(
        select(
            SignInLink.member, SignInLink.expires_at, SignInLink.used_at, SignInLink.used_by
        ).where(SignInLink.token_hash == token_hash(token))
    ).first()
    return Link(row.member, row.expires_at, row.used_at, row.used_by) if row else None


def add_session(
    session: Session, token: str, member: str, now: datetime, expires_at: datetime
) -> None:
    session.add(
        WebSession(
            token_hash=token_hash(token), member=member, created_at=now, expires_at=expires_at
        )
    )


def session_member(session: Session, token: str, now: datetime) -> str | None:
    """The member signed in with ``token``, while the session lasts."""
    return session.scalar(
        select(WebSession.member).where(
            WebSession.token_hash == token_hash(token), WebSession.expires_at > now
        )
    )


def end_session(session: Session, token: str) -> None:
    session.execute(delete(WebSession).where(WebSession.token_hash == token_hash(token)))


def end_sessions_except(session: Session, members: frozenset[str], now: datetime) -> int:
    """End the sessions, and spend the unused links, of everyone not in ``members``:
    someone removed from the team is signed out for good, not only while they stay
    removed (added back, or their address written back, an old cookie worked again).
    How many sessions ended."""
    ended = session.execute(delete(WebSession).where(WebSession.member.not_in(members)))
    session.execute(
        update(SignInLink)
        .where(SignInLink.member.not_in(members), SignInLink.used_at.is_(None))
        .values(used_at=now, used_by="")
    )
    return int(getattr(ended, "rowcount", 0) or 0)


def purge(session: Session, now: datetime) -> None:
    """Expired sessions; links and rate windows a day after their time. A link is kept
    that long so that the member it signed in, opening it again while signed in, is
    taken to their board rather than told it does not work."""
    session.execute(delete(WebSession).where(WebSession.expires_at <= now))
    session.execute(delete(SignInLink).where(SignInLink.expires_at < now - timedelta(days=1)))
    session.execute(delete(RateCounter).where(RateCounter.window_start < now - timedelta(days=1)))


RATE_WINDOW = timedelta(hours=1)  # the rate counters count per clock hour


def window_of(now: datetime) -> datetime:
    """The start of the rate window ``now`` falls in (its clock hour)."""
    return now.replace(minute=0, second=0, microsecond=0)


def hits(session: Session, key: str, window_start: datetime) -> int:
    """How many hits ``key`` has in the window starting at ``window_start`` (none
    counted)."""
    count = session.scalar(
        select(RateCounter.count).where(
            RateCounter.key == key[:400], RateCounter.window_start == window_start
        )
    )
    return int(count or 0)


def hit(session: Session, key: str, window_start: datetime) -> int:
    """Count one hit for ``key`` in the window starting at ``window_start``; the count."""
    values = {"key": key[:400], "window_start": window_start, "count": 1}
    upsert = dialect_insert(session.get_bind().dialect.name)(RateCounter).values(**values)
    session.execute(
        upsert.on_conflict_do_update(
            index_elements=["key", "window_start"], set_={"count": RateCounter.count + 1}
        )
    )
    count = session.scalar(
        select(RateCounter.count).where(
            RateCounter.key == key[:400], RateCounter.window_start == window_start
        )
    )
    return int(count or 0)


def held(session: Session, key: str) -> bool:
    """Has ``key`` a counter in any window? (A claim, :class:`store.accept.contract.Claim`,
    is one row under its own key.)"""
    found = session.scalar(select(RateCounter.id).where(RateCounter.key == key[:400]).limit(1))
    return found is not None
