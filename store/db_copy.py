"""A whole gateway database copied into an empty one (``ticket-gateway db copy URL``):
the way a team that outgrew the embedded SQLite moves its tickets to PostgreSQL.

* The source is read in one read transaction, so the copy is the database as it was at
  one moment (the snapshot's time is returned): SQLite's read transaction in WAL mode
  takes no lock a writer waits for, PostgreSQL's is REPEATABLE READ, so the daemon may
  go on meanwhile; what it writes after that moment is not in the copy.
* The target is written in one transaction: the head schema, every table's rows with
  their ids (:mod:`store.copy_rows`), the search index built over them, Alembic's
  revision and, on PostgreSQL, each id's sequence set past the ids copied. A failure
  anywhere (a row the target refuses, a connection lost) rolls all of it back, the
  tables too: the target is left as empty as it was, and the copy can be run again.
* The ``installation`` row is copied like any other, so the database keeps its random
  id (migration 0005) and the reply addresses already sent out still verify.

Nothing here commits anything but the target's one transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, Integer, Table, func, inspect, select, text
from sqlalchemy.exc import DataError, IntegrityError

from store import migrate, search
from store.copy_rows import copy_table, refill_self_references
from store.db import READ_ONLY
from store.models import Base
from store.revision import HEAD

if TYPE_CHECKING:
    from gateway.core.clock import Clock


class SourceNotCurrent(RuntimeError):
    """The source is not at this release's schema: upgrade it first (``db upgrade``),
    so that what is copied is what the head schema holds."""

    def __init__(self, current: str | None) -> None:
        super().__init__(f"source database at {current}, not at {HEAD}")
        self.current = current


class TargetNotEmpty(RuntimeError):
    """The target holds tables: a copy goes into an empty database or schema only, so
    that no row of another gateway (or of anything else) is mixed with the copied ones."""

    def __init__(self, tables: list[str]) -> None:
        super().__init__(f"target database holds tables: {', '.join(tables)}")
        self.tables = tables


class RowRefused(RuntimeError):
    """The target refused a row of ``table`` (a text longer than PostgreSQL's column,
    which SQLite never checks; a reference to a row that is not there): nothing was
    written. ``error`` is the database's first line."""

    def __init__(self, table: str, error: str) -> None:
        super().__init__(f"a row of {table} was refused: {error}")
        self.table = table
        self.error = error


@dataclass(frozen=True)
class Copied:
    """What a copy did: the moment of the source it holds, and the rows per table."""

    snapshot_at: datetime
    revision: str
    counts: tuple[tuple[str, int], ...]


def copy_database(source: Engine, target: Engine, clock: Clock) -> Copied:
    """Copy everything ``source`` holds into the empty ``target`` (see the module)."""
    current = migrate.current_revision(source)
    if current != HEAD:
        migrate.check_known(current)  # a newer schema: this release cannot read it
        raise SourceNotCurrent(current)
    with _snapshot(source) as src:
        at = clock.now()
        if src.execute(text("SELECT version_num FROM alembic_version")).scalar() != HEAD:
            raise SourceNotCurrent(current)  # upgraded or downgraded just now
        with target.connect() as tgt, tgt.begin():
            _claim_empty(tgt)
            Base.metadata.create_all(tgt)
            counts = [(t.name, _copy(src, tgt, t)) for t in Base.metadata.sorted_tables]
            for table in Base.metadata.sorted_tables:
                refill_self_references(src, tgt, table)
            search.create(tgt)  # SQLite's FTS tables filled from the rows, or pg_trgm's
            migrate.stamp_head(tgt)
            if tgt.dialect.name == "postgresql":
                _sequences_past_ids(src, tgt)
    from store import installation

    installation.forget(target)
    return Copied(snapshot_at=at, revision=HEAD, counts=tuple(counts))


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection in one read-only transaction: SQLite's deferred BEGIN (no write
    lock; its snapshot is taken at the first read), PostgreSQL's REPEATABLE READ."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        else:
            conn = conn.execution_options(**{READ_ONLY: True})
        with conn.begin():
            yield conn


def _claim_empty(conn: Connection) -> None:
    """Refuse a target with tables. On PostgreSQL the lock a gateway takes to create
    or upgrade a schema is held first, so no instance starting on the target makes
    its tables meanwhile; SQLite's BEGIN IMMEDIATE holds its write lock already."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": migrate.MIGRATION_LOCK})
    tables = sorted(inspect(conn).get_table_names())
    if tables:
        raise TargetNotEmpty(tables)


def _copy(src: Connection, tgt: Connection, table: Table) -> int:
    try:
        return copy_table(src, tgt, table)
    except (IntegrityError, DataError) as exc:
        said = str(exc.orig or exc).strip().splitlines()
        raise RowRefused(table.name, said[0] if said else type(exc).__name__) from exc


def _sequences_past_ids(src: Connection, tgt: Connection) -> None:
    """Each integer key's sequence on the target set to the highest id copied, or to
    where the source's own sequence stood when it was further (a PostgreSQL source
    whose newest rows were deleted: their numbers are not given out again)."""
    for table in Base.metadata.sorted_tables:
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not isinstance(keys[0].type, Integer):
            continue
        key = keys[0]
        sequence = _sequence_of(tgt, table.name, key.name)
        if sequence is None:  # a key given by the gateway, not by a sequence
            continue
        highest = int(tgt.execute(select(func.coalesce(func.max(key), 0))).scalar() or 0)
        if src.dialect.name == "postgresql":
            highest = max(highest, _source_position(src, table.name, key.name))
        if highest:
            tgt.execute(
                text("SELECT setval(CAST(:s AS regclass), :v, true)"), {"s": sequence, "v": highest}
            )
        else:
            tgt.execute(text("SELECT setval(CAST(:s AS regclass), 1, false)"), {"s": sequence})


def _sequence_of(conn: Connection, table: str, column: str) -> str | None:
    found = conn.execute(
        text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table, "c": column}
    ).scalar()
    return None if found is None else str(found)


def _source_position(src: Connection, table: str, column: str) -> int:
    """The last value the source's sequence gave out (0 when it gave none)."""
    sequence = _sequence_of(src, table, column)
    if sequence is None:
        return 0
    row = src.execute(text(f"SELECT last_value, is_called FROM {sequence}")).one()
    return int(row.last_value) if row.is_called else 0
