"""INSERTs of the ingest path, compiled once per dialect and run on the driver's cursor.

Every message the runner stores writes a handful of rows (the message, its
events, participants, attachment rows). Through ``Connection.execute`` each of
those INSERTs paid SQLAlchemy's per-statement work (cache lookup, execution
context, parameter processing, result set-up), which on the ingest path cost
several times what the database spent on the row (bench/ingest.py, issue #18).
A :class:`FastInsert` compiles its statement once per dialect with SQLAlchemy
itself, takes each column's bind processor from the column's own type (so a
``UTCDateTime`` or ``JSON`` value is stored exactly as through Core), and then
only converts the values and hands the SQL to the driver, inside the session's
transaction. A driver error is raised as SQLAlchemy raises it
(:meth:`DBAPIError.instance`), so :func:`store.db.transaction` still tells a
locked or unreachable database from a bug.

Only INSERTs come here: statements with a WHERE stay on SQLAlchemy, where
``tests/test_query_plans.py`` sees (and explains) every one of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Dialect, Table, exc
from sqlalchemy.orm import Session

from store.db import core, dialect_insert


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    order: tuple[str, ...] | None  # positional drivers (SQLite): parameter order
    convert: tuple[tuple[str, Callable[[Any], Any]], ...]  # columns whose values are processed


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
        self._compiled: dict[str, _Compiled] = {}

    def one(self, session: Session, values: Mapping[str, Any]) -> Any:
        """Insert one row; returns the ``returning`` column's value (or None)."""
        conn = core(session)
        compiled = self._for(conn.dialect)
        params = _params(compiled, values)
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(compiled.sql, params)
            found = cursor.fetchone() if self.returning is not None else None
        except conn.dialect.loaded_dbapi.Error as error:
            raise _wrapped(compiled.sql, params, error, conn.dialect) from error
        finally:
            cursor.close()
        return found[0] if found is not None else None

    def many(self, session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert several rows in one driver call (no ``returning``)."""
        if not rows:
            return
        conn = core(session)
        compiled = self._for(conn.dialect)
        params = [_params(compiled, r) for r in rows]
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(compiled.sql, params)
        except conn.dialect.loaded_dbapi.Error as error:
            raise _wrapped(compiled.sql, params, error, conn.dialect) from error
        finally:
            cursor.close()

    def _for(self, dialect: Dialect) -> _Compiled:
        found = self._compiled.get(dialect.name)
        if found is None:
            found = self._compiled[dialect.name] = self._compile(dialect)
        return found

    def _compile(self, dialect: Dialect) -> _Compiled:
        stmt: Any = self.table.insert()
        if self.skip_existing:
            stmt = dialect_insert(dialect.name)(self.table).on_conflict_do_nothing()
        if self.returning is not None:
            stmt = stmt.returning(self.table.c[self.returning])
        compiled = stmt.compile(dialect=dialect, column_keys=list(self.columns))
        convert = []
        for name in self.columns:
            column: Column[Any] = self.table.c[name]
            process = column.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                convert.append((name, process))
        order = (
            tuple(compiled.positiontup) if compiled.positional and compiled.positiontup else None
        )
        if order is not None and set(order) != set(self.columns):
            raise ValueError(f"FastInsert into {self.table.name}: unexpected parameters {order}")
        return _Compiled(compiled.string, order, tuple(convert))


def _params(compiled: _Compiled, values: Mapping[str, Any]) -> Any:
    row = dict(values)
    for name, process in compiled.convert:
        row[name] = process(row[name])
    if compiled.order is None:
        return row
    return tuple(row[name] for name in compiled.order)


def _wrapped(sql: str, params: Any, error: Exception, dialect: Dialect) -> exc.StatementError:
    """The driver's error as SQLAlchemy would have raised it (OperationalError,
    IntegrityError, …), for the callers' transient / bug distinction."""
    return exc.DBAPIError.instance(sql, params, error, dialect.loaded_dbapi.Error, dialect=dialect)
