"""Per-source bookmarks: where an IMAP folder was read up to, and how it last went.

The bookmark is written in the same transaction as the inbox rows it covers,
so "stored" and "read up to here" can never disagree after a crash. Functions
take a session and never commit; the caller's unit of work does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import null, select, update
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


@dataclass(frozen=True, slots=True)
class LeftMessage:
    """A stored message the server kept refusing to move or flag, left in the folder."""

    uid: int
    server: str  # what the server answered its last try
    subject: str = ""  # as read from the server when it was left ("" if unknown)
    message_id: str = ""


@dataclass(frozen=True, slots=True)
class Held:
    """What an IMAP poller keeps across restarts about stored messages still in its
    folder (gateway.receive.imap.refused), for ``uidvalidity``'s UIDs."""

    uidvalidity: int
    left: tuple[LeftMessage, ...] = ()  # left alone for a person
    said: Msg | None = None  # the problem ``status`` and the alert say about ``left``
    copied: tuple[int, ...] = ()  # copied to the processed folder, not yet removed
    unsure: tuple[int, ...] = ()  # their COPY's answer was lost: copied, or not
    # stepped over unstored (damaged, or no content): never to be moved or flagged
    unreadable: tuple[int, ...] = ()
    # moved or flagged with the server's OK, yet still in the folder unacknowledged (as
    # Gmail's All Mail keeps them): never to be moved or flagged again
    kept: tuple[int, ...] = ()
    # when each of ``unreadable`` was stepped over (a row written before: none known)
    unreadable_at: tuple[tuple[int, datetime], ...] = ()
    # those of ``kept`` kept for coming back under a new UID too often, not for the
    # server's OK (gateway.receive.imap.returns); a row written before: none
    copied_back: tuple[int, ...] = ()
    # skipped unstored for their \\Deleted flag (gateway.receive.imap.deleted): never to
    # be moved or flagged, read if the flag is taken back; a row written before: none
    deleted: tuple[int, ...] = ()

    @property
    def empty(self) -> bool:
        held = self.left or self.copied or self.unsure or self.unreadable or self.kept
        return not (held or self.deleted)


def held(session: Session, source: str) -> Held | None:
    row = _get(session, source)
    return _held(row.acks) if row is not None else None


def keep_held(session: Session, source: str, state: Held, *, now: datetime) -> None:
    """Write what the poller holds (an empty ``state`` clears it): one UPDATE, as the
    poller writes it at each COPY of a server without MOVE."""
    acks = null() if state.empty else _dumped(state)
    written = session.execute(
        update(SourceState).where(SourceState.source == source).values(acks=acks)
    )
    if not written.rowcount:  # type: ignore[attr-defined]
        _get_or_create(session, source, now).acks = None if state.empty else _dumped(state)


def left_said(row: SourceState) -> Msg | None:
    """The problem of the messages a row's poller left in its folder (None: none)."""
    state = _held(row.acks)
    return state.said if state is not None and state.left else None


def _dumped(state: Held) -> dict[str, Any]:
    return {
        "uidvalidity": state.uidvalidity,
        "left": [
            {"uid": m.uid, "server": m.server, "subject": m.subject, "message_id": m.message_id}
            for m in state.left
        ],
        "said": dump(state.said) if state.said is not None else None,
        "copied": list(state.copied),
        "unsure": list(state.unsure),
        "unreadable": list(state.unreadable),
        "kept": _ranges(state.kept),  # a folder that keeps everything: one range
        "unreadable_at": {str(uid): at.isoformat() for uid, at in state.unreadable_at},
        "copied_back": list(state.copied_back),
        "deleted": list(state.deleted),
    }


def _held(data: dict[str, Any] | None) -> Held | None:
    if not data:
        return None
    said = kept(data.get("said"), "")
    return Held(
        int(data["uidvalidity"]),
        tuple(LeftMessage(**m) for m in data.get("left", ())),
        said if isinstance(said, Msg) else None,
        tuple(int(uid) for uid in data.get("copied", ())),
        tuple(int(uid) for uid in data.get("unsure", ())),
        tuple(int(uid) for uid in data.get("unreadable", ())),  # absent from older rows
        tuple(uid for low, high in data.get("kept", ()) for uid in range(low, high + 1)),
        tuple(
            (int(uid), datetime.fromisoformat(at))
            for uid, at in data.get("unreadable_at", {}).items()
        ),
        tuple(int(uid) for uid in data.get("copied_back", ())),
        tuple(int(uid) for uid in data.get("deleted", ())),
    )


def kept_counts(row: SourceState) -> tuple[int, int]:
    """How many stored messages a row's poller keeps in the folder: those the server kept
    though it answered OK, and those that came back under a new UID too often."""
    state = _held(row.acks)
    if state is None:
        return 0, 0
    back = len(set(state.copied_back) & set(state.kept))
    return len(state.kept) - back, back


@dataclass(frozen=True, slots=True)
class SteppedOver:
    """The messages a row's poller stepped over unstored (damaged, or without content),
    still in its folder: never a ticket, until a person looks."""

    uids: tuple[int, ...] = ()
    since: datetime | None = None  # when the oldest of them was stepped over, if known


def stepped_over(row: SourceState) -> SteppedOver:
    state = _held(row.acks)
    if state is None or not state.unreadable:
        return SteppedOver()
    times = [at for uid, at in state.unreadable_at if uid in set(state.unreadable)]
    return SteppedOver(state.unreadable, min(times, default=None))


def _ranges(uids: tuple[int, ...]) -> list[list[int]]:
    """Sorted ``uids`` as ``[low, high]`` runs: ``[[1, 500], [502, 502]]``."""
    runs: list[list[int]] = []
    for uid in uids:
        if runs and runs[-1][1] == uid - 1:
            runs[-1][1] = uid
        else:
            runs.append([uid, uid])
    return runs


def polled_since(session: Session, source: str, since: datetime) -> bool:
    """Whether ``source`` was polled successfully at or after ``since``."""
    row = _get(session, source)
    return row is not None and row.last_success_at is not None and row.last_success_at >= since


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
