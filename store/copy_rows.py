"""One table's rows, streamed from the source connection into the target's
(:mod:`store.db_copy`): ids as they are, in batches, bytes held once.

A table's rows are read in its key's order through one cursor and written in batches
of :data:`BATCH_ROWS` rows or :data:`BATCH_BYTES` of text and bytes, whichever comes
first. A table that keeps raw mail (``inbox_raw.raw``, ``outbox.raw``: a 25 MB
attachment is in one row) is fetched one row at a time, so a row's bytes are in
memory once, in the batch, and a batch of them is written as soon as it is over the
budget: what is held is one batch, however many rows the table has.

A column that refers to its own table (a ticket merged into, or linked to, a later
one) is written empty first and filled in by :func:`refill_self_references` once the
whole table is there: both backends check a foreign key at each statement.

A JSON column keeps the difference between SQL NULL and JSON ``null`` (the models
write both, the one for a value never set, the other for one set to None): each is
read with whether it IS NULL and written back the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Connection,
    LargeBinary,
    Table,
    bindparam,
    or_,
    select,
    update,
)
from sqlalchemy.sql.elements import ColumnElement

BATCH_ROWS = 500  # rows a statement writes at most
BATCH_BYTES = 4 * 2**20  # text and bytes a batch holds before it is written
_NULL = "_copy_is_null_"  # the label of a JSON column's IS NULL flag


def self_references(table: Table) -> list[Column[Any]]:
    """The columns of ``table`` whose foreign key names ``table`` itself."""
    return [c for c in table.c if any(fk.column.table is table for fk in c.foreign_keys)]


def holds_bytes(table: Table) -> bool:
    """Whether a row of ``table`` may hold a whole mail (fetched one at a time)."""
    return any(isinstance(c.type, LargeBinary) for c in table.c)


def copy_table(source: Connection, target: Connection, table: Table) -> int:
    """Every row of ``table`` from ``source`` to ``target``, ids kept; the count."""
    later = {c.key for c in self_references(table)}
    flags = [c for c in table.c if isinstance(c.type, JSON) and c.nullable]
    insert = table.insert().values(
        {c.key: bindparam(c.key, type_=JSON(none_as_null=True)) for c in flags}
    )
    copied = 0
    for batch in _batches(source, table, flags, later):
        target.execute(insert, batch)
        copied += len(batch)
        del batch  # not held while the next row is read: its bytes would be twice
    return copied


def _batches(
    source: Connection, table: Table, flags: list[Column[Any]], later: set[str]
) -> Iterator[list[dict[str, Any]]]:
    """The rows of ``table`` as parameter dicts, in batches within the budget."""
    keys = [c.key for c in table.c]
    extra = [c.is_(None).label(f"{_NULL}{c.key}") for c in flags]
    stmt = select(*table.c, *extra).order_by(*table.primary_key.columns)
    fetch = 1 if holds_bytes(table) else BATCH_ROWS
    result = source.execution_options(stream_results=True, yield_per=fetch).execute(stmt)
    batch: list[dict[str, Any]] = []
    size = 0
    with result:  # fetchone, not the result's iterator: that keeps the row before
        while (row := result.fetchone()) is not None:  # while it reads the next
            values = dict(zip(keys, row, strict=False))
            for i, column in enumerate(flags):  # SQL NULL stays NULL, JSON null stays null
                if values[column.key] is None and not row[len(keys) + i]:
                    values[column.key] = JSON.NULL
            for key in later:
                values[key] = None  # filled in once the whole table is there
            batch.append(values)
            size += sum(len(v) for v in values.values() if isinstance(v, bytes | str))
            del row, values  # held by the batch alone while the next row is read
            if len(batch) >= BATCH_ROWS or size >= BATCH_BYTES:
                yield batch
                batch, size = [], 0
    if batch:
        yield batch


def refill_self_references(source: Connection, target: Connection, table: Table) -> int:
    """Write the self-referring columns :func:`copy_table` left empty, from the rows of
    the source that have one (streamed, in batches); how many rows were updated."""
    columns = self_references(table)
    if not columns:
        return 0
    (key,) = table.primary_key.columns
    filled: list[ColumnElement[bool]] = [c.is_not(None) for c in columns]
    stmt = select(key, *columns).where(or_(*filled)).order_by(key)
    change = (
        update(table)
        .where(key == bindparam("_copy_key"))
        .values({c.key: bindparam(f"_copy_{c.key}") for c in columns})
    )
    result = source.execution_options(stream_results=True, yield_per=BATCH_ROWS).execute(stmt)
    done = 0
    with result:
        for rows in result.partitions(BATCH_ROWS):
            params = [
                {
                    "_copy_key": row[0],
                    **{f"_copy_{c.key}": row[i + 1] for i, c in enumerate(columns)},
                }
                for row in rows
            ]
            target.execute(change, params)
            done += len(params)
    return done
