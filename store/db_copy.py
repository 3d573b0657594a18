"""A whole gateway database copied into an empty one (``ticket-gateway db copy URL``):
the way a team that outgrew the embedded SQLite moves its tickets to PostgreSQL.

* The source is read in one read transaction, so the copy is the database as it was at
  one moment (the snapshot's time is returned): SQLite's read transaction in WAL mode
  takes no lock a writer waits for, PostgreSQL's is REPEATABLE READ, so the daemon may
  go on meanwhile; what it writes after that moment is not in the copy.
* The target is written in one transaction: the head schema, every table's rows with
  their ids (:mod:`store.copy_rows`), the search index built over them, Alembic's
  revision and each id's sequence (PostgreSQL's, SQLite's ``sqlite_sequence``) set past
  the ids copied, or to where the source's stood if further. A failure
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
    with target.connect() as tgt, tgt.begin():
        with _snapshot(source) as src:
            at = clock.now()
            if src.execute(text("SELECT version_num FROM alembic_version")).scalar() != HEAD:
                raise SourceNotCurrent(current)  # upgraded or downgraded just now
            _claim_empty(tgt)
            Base.metadata.create_all(tgt)
            counts = [(t.name, _copy(src, tgt, t)) for t in Base.metadata.sorted_tables]
            for table in Base.metadata.sorted_tables:
                refill_self_references(src, tgt, table)
            given = _sequence_positions(src)
        # the source's transaction is over: building the index may take minutes, and
        # PostgreSQL ends a transaction left idle that long (store.pg_connect)
        search.create(tgt)  # SQLite's FTS tables filled from the rows, or pg_trgm's
        migrate.stamp_head(tgt)
        _sequences_past_ids(tgt, given)
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


def _keyed_tables() -> Iterator[tuple[Table, str]]:
    """The tables whose one key is an integer (a sequence may give it), with its name."""
    for table in Base.metadata.sorted_tables:
        keys = list(table.primary_key.columns)
        if len(keys) == 1 and isinstance(keys[0].type, Integer):
            yield table, keys[0].name


def _sequence_positions(src: Connection) -> dict[str, int]:
    """Per table, the last id the source gave out, which may be past the highest id
    there (its newest rows erased): a PostgreSQL sequence's position, or SQLite's
    ``sqlite_sequence`` (the tables that never give a number twice, migration 0030)."""
    if src.dialect.name != "postgresql":
        if not src.execute(text(_HAS_SQLITE_SEQUENCE)).first():
            return {}  # no AUTOINCREMENT table has been made
        return {str(r.name): int(r.seq) for r in src.execute(text(_SQLITE_POSITIONS))}
    given = {}
    for table, key in _keyed_tables():
        sequence = _sequence_of(src, table.name, key)
        if sequence is not None:
            row = src.execute(text(f"SELECT last_value, is_called FROM {sequence}")).one()
            given[table.name] = int(row.last_value) if row.is_called else 0
    return given


_HAS_SQLITE_SEQUENCE = "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'"
_SQLITE_POSITIONS = "SELECT name, seq FROM sqlite_sequence"


def _sequences_past_ids(tgt: Connection, given: dict[str, int]) -> None:
    """Each integer key's sequence on the target set to the highest id copied, or to
    where the source's own stood when it was further (``given``: a source whose newest
    rows were erased; their numbers are not given out again)."""
    if tgt.dialect.name == "sqlite":
        _sqlite_positions(tgt, given)
        return
    for table, key in _keyed_tables():
        sequence = _sequence_of(tgt, table.name, key)
        if sequence is None:  # a key given by the gateway, not by a sequence
            continue
        highest = tgt.execute(select(func.coalesce(func.max(table.c[key]), 0))).scalar()
        last = max(int(highest or 0), given.get(table.name, 0))
        if last:
            tgt.execute(text("SELECT setval(CAST(:s AS regclass), :v)"), {"s": sequence, "v": last})
        else:  # nothing given yet: the first id is 1
            tgt.execute(text("SELECT setval(CAST(:s AS regclass), 1, false)"), {"s": sequence})


def _sqlite_positions(tgt: Connection, given: dict[str, int]) -> None:
    """SQLite's ``sqlite_sequence`` of each table that never gives a number twice: the
    copied rows set it to their highest id; it goes on from the source's position when
    that is further."""
    for table, _key in _keyed_tables():
        last = given.get(table.name, 0)
        if not table.dialect_options["sqlite"]["autoincrement"] or not last:
            continue
        at = {"t": table.name, "v": last}
        done = tgt.execute(
            text("UPDATE sqlite_sequence SET seq = max(seq, :v) WHERE name = :t"), at
        )
        if not done.rowcount:  # no row copied into it: no position yet
            tgt.execute(text("INSERT INTO sqlite_sequence (name, seq) VALUES (:t, :v)"), at)


def _sequence_of(conn: Connection, table: str, column: str) -> str | None:
    found = conn.execute(
        text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table, "c": column}
    ).scalar()
    return None if found is None else str(found)
