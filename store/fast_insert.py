"""INSERTs of the ingest path, compiled once per dialect and run on the driver's cursor.

Every message the runner stores writes a handful of rows (the message, its
events, participants, attachment rows). Through ``Connection.execute`` each of
those INSERTs paid SQLAlchemy's per-statement work (cache lookup, execution
context, parameter processing, result set-up), which on the ingest path cost
several times what the database spent on the row (bench/ingest.py, issue #18).
A :class:`FastInsert` binds each column with the column's own type (so a
``UTCDateTime`` or ``JSON`` value is stored exactly as through Core) and is
compiled once per dialect and run on the driver by :mod:`store.fast_query`, as the
runner's selects and UPDATEs are: same value processing, same errors.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Dialect, Table, bindparam
from sqlalchemy.orm import Session

from store.db import core, dialect_insert
from store.fast_query import Prepared, prepare, run, run_many


class FastInsert:
    """``INSERT INTO table (columns…)`` (``RETURNING returning`` when given).

    ``columns`` must name every column that has a default computed in Python (a
    Core INSERT fills those in; this one does not), so a forgotten one is an error
    when the statement is built, not a NULL in the database."""

    def __init__(
        self,
        table: Table,
        columns: Sequence[str],
        returning: str | None = None,
        *,
        skip_existing: bool = False,
    ) -> None:
        """``skip_existing``: ``ON CONFLICT DO NOTHING`` (SQLite and PostgreSQL): a row
        that would break a unique constraint is not inserted, and :meth:`one` returns
        None, inside the caller's transaction (no savepoint, which costs about as much
        as a transaction of its own)."""
        missing = [
            c.name
            for c in table.columns
            if c.default is not None and not c.primary_key and c.name not in columns
        ]
        if missing:
            raise ValueError(
                f"FastInsert into {table.name}: columns with defaults left out {missing}"
            )
        self.table = table
        self.columns = tuple(columns)
        self.returning = returning
        self.skip_existing = skip_existing
        self._prepared: dict[str, Prepared] = {}

    def one(self, session: Session, values: Mapping[str, Any]) -> Any:
        """Insert one row; returns the ``returning`` column's value (or None)."""
        conn = core(session)
        fetch = self.returning is not None
        found = run(conn, self._for(conn.dialect), values, fetch=fetch)
        return found[0][0] if found else None

    def many(self, session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert several rows in one driver call (no ``returning``)."""
        if rows:
            conn = core(session)
            run_many(conn, self._for(conn.dialect), rows)

    def _for(self, dialect: Dialect) -> Prepared:
        found = self._prepared.get(dialect.name)
        if found is None:
            found = self._prepared[dialect.name] = prepare(self._statement(dialect), dialect)
        return found

    def _statement(self, dialect: Dialect) -> Any:
        stmt: Any = self.table.insert()
        if self.skip_existing:
            stmt = dialect_insert(dialect.name)(self.table).on_conflict_do_nothing()
        stmt = stmt.values({c: bindparam(c, type_=self.table.c[c].type) for c in self.columns})
        if self.returning is not None:
            stmt = stmt.returning(self.table.c[self.returning])
        return stmt
