"""Selects and UPDATEs of the ingest path, compiled once per dialect, run on the driver.

A prebuilt Core statement run through ``Connection.execute`` still pays
SQLAlchemy's per-call work: the cache key, an execution context, parameter
processing and a result object. For the one-row lookups the runner makes for
every message (where a reply belongs, who takes part, the row's claim and its
disposition) that was about ten times what SQLite spent answering (15 µs against
1.2 µs; bench/ingest.py, issue #18). A :class:`FastQuery` compiles its statement
with SQLAlchemy once per dialect, takes every bound value's and every selected
column's processor from its type (a ``UTCDateTime`` or ``JSON`` goes in and
comes out exactly as through Core), and then only hands SQL and values to the
driver, inside the session's transaction, as :mod:`store.fast_insert` does for
INSERTs.

Statements whose SQL depends on the values (expanding ``IN`` lists, values
rendered at execution) cannot be compiled once; they are refused when built.

When something listens to the connection's statements (``before_cursor_execute``:
``tests/test_query_plans.py`` asks the database for the plan of each lookup), the
statement goes through ``Connection.execute`` instead, so the listener sees the
very SQL that runs here.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Dialect, bindparam, exc
from sqlalchemy.orm import Session
from sqlalchemy.sql import CompoundSelect, Select
from sqlalchemy.sql.dml import UpdateBase

from store.db import core

Processor = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class Prepared:
    """A statement as compiled for one dialect, with what running it needs."""

    sql: str
    order: tuple[str, ...] | None  # positional drivers (SQLite): parameter order
    fixed: dict[str, Any]  # values the statement carries itself (``attempts + 1``)
    convert: tuple[tuple[str, Processor], ...]  # bound values that are processed
    results: tuple[Processor | None, ...]  # per selected column, or () for none
    shape: Any  # a named tuple of the selected columns' keys


class FastQuery:
    """One prebuilt select (a UNION too) or UPDATE/DELETE (``RETURNING`` allowed)."""

    def __init__(self, statement: Select[Any] | CompoundSelect[Any] | UpdateBase) -> None:
        self.statement = statement
        self._compiled: dict[str, Prepared] = {}

    # ------------------------------------------------------------- results

    def all(self, session: Session, params: Mapping[str, Any]) -> list[Any]:
        """Every row, as named tuples (``row.id``, or unpacked)."""
        conn = core(session)
        if _observed(conn):
            return list(conn.execute(self.statement, dict(params)))
        compiled = self._for(conn.dialect)
        rows = run(conn, compiled, params, fetch=True)
        return [row(compiled, raw) for raw in rows]

    def first(self, session: Session, params: Mapping[str, Any]) -> Any | None:
        """The first row, or None."""
        found = self.all(session, params)
        return found[0] if found else None

    def scalar(self, session: Session, params: Mapping[str, Any]) -> Any | None:
        """The first column of the first row, or None."""
        found = self.first(session, params)
        return found[0] if found is not None else None

    def scalars(self, session: Session, params: Mapping[str, Any]) -> list[Any]:
        """The first column of every row."""
        return [row[0] for row in self.all(session, params)]

    def run(self, session: Session, params: Mapping[str, Any]) -> None:
        """An UPDATE or DELETE without RETURNING."""
        conn = core(session)
        if _observed(conn):
            conn.execute(self.statement, dict(params))
            return
        run(conn, self._for(conn.dialect), params, fetch=False)

    # ------------------------------------------------------------- compiling

    def _for(self, dialect: Dialect) -> Prepared:
        found = self._compiled.get(dialect.name)
        if found is None:
            found = self._compiled[dialect.name] = prepare(self.statement, dialect)
        return found


class PerLength:
    """A statement over a list of values bound one name each (``<name>0``,
    ``<name>1`` …), as a :class:`FastQuery` built once per length, the first time that
    length comes: an expanding ``IN`` is compiled again on every call. The lists here
    are short (a reply's Message-IDs, the kinds of a rate limit, the members of a
    round), so there are few lengths."""

    def __init__(self, name: str, build: Callable[[list[Any]], Any]) -> None:
        """``build``: the statement, given the list's bound parameters."""
        self._name, self._build = name, build
        self._by_length: dict[int, FastQuery] = {}

    def query(self, values: Sequence[Any]) -> tuple[FastQuery, dict[str, Any]]:
        """The statement for this many values, and the values by their bound names."""
        names = [f"{self._name}{i}" for i in range(len(values))]
        found = self._by_length.get(len(values))
        if found is None:
            found = FastQuery(self._build([bindparam(n) for n in names]))
            self._by_length[len(values)] = found
        return found, dict(zip(names, values, strict=True))


def prepare(statement: Any, dialect: Dialect) -> Prepared:
    """Compile ``statement`` for ``dialect`` once; raises ValueError for one whose SQL
    would depend on the values (:mod:`store.fast_insert` prepares its INSERTs here too)."""
    compiled = statement.compile(dialect=dialect)
    name = _describe(statement)
    if compiled.escaped_bind_names or compiled.literal_execute_params:
        raise ValueError(f"FastQuery {name}: bound names that need escaping or late rendering")
    if compiled.post_compile_params:
        raise ValueError(f"FastQuery {name}: values rendered at execution (an expanding IN?)")
    fixed: dict[str, Any] = {}
    convert: list[tuple[str, Processor]] = []
    for bind, key in compiled.bind_names.items():
        if bind.callable is not None:
            raise ValueError(f"FastQuery {name}: {key} is computed per call")
        if not bind.required:
            fixed[key] = bind.value
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            convert.append((key, process))
    order = tuple(compiled.positiontup) if compiled.positional and compiled.positiontup else None
    # a select's columns, or what an UPDATE … RETURNING returns (nothing without it)
    columns = list(statement.exported_columns)
    results = tuple(c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns)
    keys = [getattr(c, "key", None) or f"c{i}" for i, c in enumerate(columns)]
    shape = namedtuple("Row", keys, rename=True) if keys else tuple
    return Prepared(compiled.string, order, fixed, tuple(convert), results, shape)


def _describe(statement: Any) -> str:
    return str(statement).split("\n", 1)[0][:80]


def _observed(conn: Connection) -> bool:
    """Someone listens to the statements run on this connection (plans, counts)."""
    return bool(conn.dispatch.before_cursor_execute)


def _params(compiled: Prepared, values: Mapping[str, Any]) -> Any:
    bound = {**compiled.fixed, **values}
    for key, process in compiled.convert:
        if key in bound:
            bound[key] = process(bound[key])
    if compiled.order is None:
        return bound
    return tuple(bound[key] for key in compiled.order)


def run(
    conn: Connection, compiled: Prepared, values: Mapping[str, Any], *, fetch: bool
) -> Sequence[Any]:
    """Run on the driver's cursor, in the connection's transaction; the raw rows when
    ``fetch`` (see :func:`row`). A driver error is raised as SQLAlchemy raises it
    (:meth:`DBAPIError.instance`), so :func:`store.db.transaction` still tells a locked
    or unreachable database from a bug."""
    params = _params(compiled, values)
    with _cursor(conn, compiled.sql, params) as cursor:
        cursor.execute(compiled.sql, params)
        return cursor.fetchall() if fetch else ()


def run_many(conn: Connection, compiled: Prepared, rows: Sequence[Mapping[str, Any]]) -> None:
    """One driver call for several sets of values (no rows back)."""
    params = [_params(compiled, values) for values in rows]
    with _cursor(conn, compiled.sql, params) as cursor:
        cursor.executemany(compiled.sql, params)


@contextmanager
def _cursor(conn: Connection, sql: str, params: Any) -> Iterator[Any]:
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        yield cursor
    except conn.dialect.loaded_dbapi.Error as error:
        raise exc.DBAPIError.instance(
            sql, params, error, conn.dialect.loaded_dbapi.Error, dialect=conn.dialect
        ) from error
    finally:
        cursor.close()


def row(compiled: Prepared, raw: Sequence[Any]) -> Any:
    """A raw row with each column's result processor applied, as a named tuple."""
    if compiled.results:
        raw = [v if p is None else p(v) for p, v in zip(compiled.results, raw, strict=True)]
    return compiled.shape(*raw)
