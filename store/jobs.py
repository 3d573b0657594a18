"""Job-run queries: claim a (job, period) once, and list what ran.

A claim is an INSERT under the table's unique (job, period) constraint inside
a savepoint: the caller's transaction survives a lost race, and the work the
claim guards (queued mails, state changes) commits or rolls back with it.
Like every query module, nothing here commits.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store.in_lists import chunks
from store.models import JobRun


def claim(
    session: Session,
    job: str,
    period: str,
    now: datetime,
    *,
    ticket_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> bool:
    """True when this caller is the first to run ``job`` for ``period``."""
    if claimed(session, job, period):
        return False
    row = JobRun(job=job, period=period, ran_at=now, ticket_id=ticket_id, detail=detail or {})
    try:
        with session.begin_nested():  # another instance won: keep our transaction
            session.add(row)
            session.flush()
    except IntegrityError:
        return False
    return True


def release(session: Session, job: str, periods: Collection[str]) -> None:
    """The claims of ``job`` for ``periods`` end: the next :func:`claim` of one wins."""
    for chunk in chunks(sorted(periods)):
        session.execute(delete(JobRun).where(JobRun.job == job, JobRun.period.in_(chunk)))


def ran_at(session: Session, job: str, period: str) -> datetime | None:
    """When ``job`` ran for ``period``, or None when it never did."""
    stmt = select(JobRun.ran_at).where(JobRun.job == job, JobRun.period == period)
    return session.scalar(stmt)


def last_ran(session: Session, job: str, *, besides: str) -> datetime | None:
    """When ``job`` last ran for a period whose key does not start with ``besides``
    (the digest's runs by hand), or None when it never did."""
    stmt = select(func.max(JobRun.ran_at)).where(
        JobRun.job == job, JobRun.period.not_like(f"{besides}%")
    )
    return session.scalar(stmt)


def detail_of(session: Session, job: str, period: str) -> dict[str, Any] | None:
    """What the claim of ``job`` for ``period`` recorded, or None when it never ran."""
    stmt = select(JobRun.detail).where(JobRun.job == job, JobRun.period == period)
    found = session.execute(stmt).first()
    return None if found is None else dict(found[0] or {})


def claimed(session: Session, job: str, period: str) -> bool:
    stmt = select(JobRun.id).where(JobRun.job == job, JobRun.period == period)
    return session.scalar(stmt) is not None


def claimed_among(session: Session, claims: Collection[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which of ``claims`` (job, period) are taken: a query per
    :data:`store.in_lists.CHUNK` periods, where asking :func:`claimed` of each would be
    a query per ticket of a board (the jobs are a few kinds: one list)."""
    jobs = sorted({j for j, _ in claims})
    taken: set[tuple[str, str]] = set()
    for periods in chunks(sorted({p for _, p in claims})):
        stmt = select(JobRun.job, JobRun.period).where(
            JobRun.job.in_(jobs), JobRun.period.in_(periods)
        )
        taken.update((j, p) for j, p in session.execute(stmt))
    return taken & set(claims)


def runs(session: Session, job: str | None = None) -> list[JobRun]:
    """For status output and tests, oldest first."""
    stmt = select(JobRun).order_by(JobRun.id)
    if job is not None:
        stmt = stmt.where(JobRun.job == job)
    return list(session.scalars(stmt))


def last_claim_of_ticket(
    session: Session, job: str, ticket_id: int, since: datetime
) -> tuple[str, datetime] | None:
    """The period and time of the latest claim of ``job`` for the ticket made after
    ``since``, whatever its key (None: none): a claim an older release keyed otherwise."""
    stmt = (
        select(JobRun.period, JobRun.ran_at)
        .where(JobRun.job == job, JobRun.ticket_id == ticket_id, JobRun.ran_at > since)
        .order_by(JobRun.ran_at.desc(), JobRun.id.desc())
        .limit(1)
    )
    found = session.execute(stmt).first()
    return None if found is None else (found[0], found[1])
