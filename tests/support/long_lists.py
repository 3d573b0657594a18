"""A store past the bound-parameter limits, for the statements whose ``IN`` list grows
with it (:mod:`store.in_lists`).

SQLite's own builds refuse a statement of more than 32 766 bound values; Debian's
takes 250 000, so the engine here sets the default build's limit on each connection
(a limit SQLite lets a connection lower), and a store of :data:`PAST_SQLITE` rows
is past it. PostgreSQL's protocol carries at most 65 535 values: :data:`PAST_POSTGRES`
ids are past it (handed straight to a store function, where that is cheap). Rows go in
with Core's executemany, not through the pipeline: seconds, not minutes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, event, insert
from sqlalchemy.orm import Session, sessionmaker

from store import migrate
from store.db import make_engine, session_factory, transaction
from store.models import Ticket

SQLITE_DEFAULT_LIMIT = 32_766  # SQLITE_MAX_VARIABLE_NUMBER of SQLite's own builds (3.32+)
PAST_SQLITE = SQLITE_DEFAULT_LIMIT + 300
PAST_POSTGRES = 65_535 + 500
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@contextmanager
def long_store(db_url: str) -> Iterator[tuple[Engine, sessionmaker[Session]]]:
    """A migrated, empty store whose SQLite connections take no more bound values than
    SQLite's own builds do."""
    engine = make_engine(db_url)
    if engine.dialect.name == "sqlite":

        def default_build(dbapi_conn: Any, record: Any) -> None:
            dbapi_conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, SQLITE_DEFAULT_LIMIT)

        event.listen(engine, "connect", default_build)
    try:
        migrate.ensure_current(engine, NOW)
        yield engine, session_factory(engine)
    finally:
        engine.dispose()


def ticket_row(n: int, state: str = "pending", **values: Any) -> dict[str, Any]:
    """Ticket ``n`` as a row (its requester u<n>@x.test), created a day before :data:`NOW`."""
    at = NOW - timedelta(days=1)
    return {
        "id": n,
        "subject": f"s{n}",
        "requester": f"u{n}@x.test",
        "state": state,
        "created_at": at,
        "updated_at": at,
        "closed_at": at if state == "closed" else None,
        **values,
    }


def put(sessions: sessionmaker[Session], model: Any, rows: Sequence[dict[str, Any]]) -> None:
    """``rows`` into ``model``'s table, by Core's executemany, in one transaction."""
    with transaction(sessions) as s:
        for start in range(0, len(rows), 5000):
            s.execute(insert(model), list(rows[start : start + 5000]))


def tickets(sessions: sessionmaker[Session], ids: range, state: str = "pending") -> None:
    """Tickets ``ids`` in ``state``."""
    put(sessions, Ticket, [ticket_row(n, state) for n in ids])
