"""Per-source bookmarks: where an IMAP folder was read up to, and how it last went.

The bookmark is written in the same transaction as the inbox rows it covers,
so "stored" and "read up to here" can never disagree after a crash. Functions
take a session and never commit; the caller's unit of work does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.core.i18n import Msg, dump, kept
from store.models import SourceState


@dataclass(frozen=True, slots=True)
class Bookmark:
    uidvalidity: int | None  # None: this source was never read
    last_uid: int  # every UID up to this one is stored (under this UIDVALIDITY)


def bookmark(session: Session, source: str) -> Bookmark:
    row = _get(session, source)
    if row is None:
        return Bookmark(None, 0)
    return Bookmark(row.uidvalidity, row.last_uid)


def advance(
    session: Session, source: str, *, uidvalidity: int, last_uid: int, now: datetime
) -> None:
    """Move the bookmark forward (never back) and note the success."""
    row = _get_or_create(session, source, now)
    if row.uidvalidity != uidvalidity:
        row.uidvalidity, row.last_uid = uidvalidity, 0
    row.last_uid = max(row.last_uid, last_uid)
    _succeeded(row, now)


def touch(session: Session, source: str, *, now: datetime) -> None:
    """A successful pass that moved no bookmark (nothing new, or a rescan going on)."""
    _succeeded(_get_or_create(session, source, now), now)


def record_error(session: Session, source: str, error: Msg, *, now: datetime) -> None:
    """Kept for ``status``: what went wrong last, until the next success clears it; in
    English (logs, ``--json``) and as the Msg, which each reader reads in their language."""
    row = _get_or_create(session, source, now)
    row.last_error, row.last_error_said, row.updated_at = str(error)[:2000], dump(error), now


def last_error(session: Session, source: str) -> Msg | str:
    """The last error as a reader is to be told it: the Msg, or an older row's text."""
    row = _get(session, source)
    return said_error(row) if row is not None else ""


def said_error(row: SourceState) -> Msg | str:
    """A row's error: the Msg it kept, else its text (a row written before Msgs were)."""
    return kept(row.last_error_said, row.last_error) if row.last_error else ""


def _succeeded(row: SourceState, now: datetime) -> None:
    row.last_success_at, row.updated_at = now, now
    row.last_error, row.last_error_said = "", None


def _get(session: Session, source: str) -> SourceState | None:
    return session.scalars(select(SourceState).where(SourceState.source == source)).first()


def _get_or_create(session: Session, source: str, now: datetime) -> SourceState:
    row = _get(session, source)
    if row is None:
        row = SourceState(source=source, last_uid=0, last_error="", updated_at=now)
        session.add(row)
        session.flush()
    return row
