"""PostgreSQL schemas for tests, reused within one test process.

Creating the gateway's tables in a new schema is about fifty DDL statements, and
dropping the schema afterwards is another transaction that unlinks their files:
0.5-1 s of the server's time for every PostgreSQL test, most of a short test's
run, and about a third of the whole suite's time on two cores. A schema a test
leaves exactly as the gateway creates it (same tables, columns, indexes,
constraints, sequences, revision) is emptied instead (one ``TRUNCATE ... RESTART
IDENTITY``) and handed to the next test of the same process, with a new
installation row as a new database gets. Anything else (a test that migrated,
downgraded, altered or dropped) is dropped as before, so no test sees another's
schema changes; a test that needs a schema with no tables at all asks for one
(``fresh_schema``).
"""

from __future__ import annotations

import atexit
import contextlib
import re
import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool

# what a schema holds, in one text: compared with the text of a schema the gateway has
# just created (its own name taken out), so any change a test made is seen
_SHAPE = """
SELECT string_agg(x, E'\\n' ORDER BY x) FROM (
  SELECT 'rel ' || c.relname || ' ' || c.relkind::text AS x
    FROM pg_class c WHERE c.relnamespace = :ns
  UNION ALL SELECT 'col ' || c.relname || '.' || a.attname || ' '
         || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull::text || ' '
         || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE c.relnamespace = :ns AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL SELECT 'idx ' || pg_get_indexdef(i.indexrelid)
    FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid WHERE c.relnamespace = :ns
  UNION ALL SELECT 'con ' || conname || ' ' || pg_get_constraintdef(oid)
    FROM pg_constraint WHERE connamespace = :ns
  UNION ALL SELECT 'fn ' || proname FROM pg_proc WHERE pronamespace = :ns
  UNION ALL SELECT 'typ ' || typname FROM pg_type WHERE typnamespace = :ns
  UNION ALL SELECT 'trg ' || t.tgname || ' ' || t.tgenabled::text
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace = :ns
) AS shape
"""


def _url(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


class SchemaPool:
    """The schemas of one test process: handed out, checked and emptied, dropped at exit."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._admin: Engine | None = None
        self._free: list[str] = []
        self._head_shape: str | None = None
        atexit.register(self.close)

    def admin(self) -> Engine:
        if self._admin is None:
            self._admin = create_engine(self.base_url, poolclass=NullPool)
        return self._admin

    def _create(self) -> str:
        schema = f"t_{uuid.uuid4().hex[:12]}"
        with self.admin().begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        return schema

    def drop(self, schema: str) -> None:
        with self.admin().begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))

    def _shape(self, schema: str) -> str:
        with self.admin().connect() as conn:
            ns = conn.execute(
                text("SELECT oid FROM pg_namespace WHERE nspname = :s"), {"s": schema}
            ).scalar()
            shape = conn.execute(text(_SHAPE), {"ns": ns}).scalar() or ""
            if "rel alembic_version r" in shape:
                versions = conn.execute(
                    text(f"SELECT string_agg(version_num, ',') FROM \"{schema}\".alembic_version")
                ).scalar()
                shape += f"\nrev {versions}"
        return re.sub(rf"\b{schema}\b", "SCHEMA", shape)

    def head_shape(self) -> str:
        """The shape of a schema the gateway has just created, measured once."""
        if self._head_shape is None:
            from store.migrate import create_fresh

            schema = self._create()
            engine = create_engine(_url(self.base_url, schema))
            try:
                create_fresh(engine, datetime.now(UTC))
            finally:
                engine.dispose()
            self._head_shape = self._shape(schema)
            self._empty(schema)
            self._free.append(schema)
        return self._head_shape

    def _empty(self, schema: str) -> None:
        """Every row gone, sequences from 1, and the one row a new database has. DELETE,
        children first, rather than TRUNCATE: a test leaves a few rows, and TRUNCATE makes
        new files for every table and index (slower than dropping the schema)."""
        from store.models import Base

        tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
        with self.admin().begin() as conn:
            conn.execute(text("SET LOCAL lock_timeout = '5s'"))
            sequences = conn.execute(
                text("SELECT sequencename FROM pg_sequences WHERE schemaname = :s"), {"s": schema}
            ).scalars()
            statements = [f'DELETE FROM "{schema}"."{name}"' for name in tables]
            statements += [
                f'SELECT setval(\'"{schema}"."{name}"\', 1, false)' for name in sequences
            ]
            conn.exec_driver_sql(";\n".join(statements))
            conn.execute(
                text(
                    f'INSERT INTO "{schema}".installation '
                    "(id, database_id, legacy_tickets_upto, created_at) "
                    "VALUES (1, :d, 0, :now)"
                ),
                {"d": secrets.token_hex(16), "now": datetime.now(UTC)},
            )

    @contextmanager
    def schema(self) -> Iterator[str]:
        """A URL of a schema at the gateway's newest revision with no rows of a test's
        in it, given back after the test (emptied and kept, or dropped)."""
        self.head_shape()
        schema = self._free.pop() if self._free else self._create()
        try:
            yield _url(self.base_url, schema)
        finally:
            self._give_back(schema)

    def _give_back(self, schema: str) -> None:
        try:
            if self._shape(schema) == self._head_shape:
                self._empty(schema)
                self._free.append(schema)
                return
        except Exception:  # noqa: BLE001 - any doubt about a schema: drop it, as before
            pass
        self.drop(schema)

    @contextmanager
    def fresh_schema(self) -> Iterator[str]:
        """A URL of a new schema with no tables, dropped after."""
        schema = self._create()
        try:
            yield _url(self.base_url, schema)
        finally:
            self.drop(schema)

    def close(self) -> None:
        if self._admin is None:
            return
        for schema in self._free:
            # at exit, a schema that cannot be dropped is left to the server
            with contextlib.suppress(Exception):
                self.drop(schema)
        self._free.clear()
        self._admin.dispose()
        self._admin = None
