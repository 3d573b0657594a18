"""Full-text search over what people wrote: subject and text, Japanese substrings too.

Japanese has no spaces to split words on, so both backends index character
trigrams and answer substring queries:

* SQLite: an FTS5 table with the ``trigram`` tokenizer (``message_search``),
  one row per incoming message, filled by triggers on ``messages``: every
  INSERT, UPDATE and DELETE of a message keeps it in step, whichever code
  wrote the message, so there is no second write path that could forget.
  The index keeps no positions (``detail=none``): it answers "which rows hold
  every trigram of the term", and :func:`contains` then checks the term itself in
  those rows. Positions would answer the substring question alone, but indexing
  them was a tenth of what a stored message cost (bench/ingest.py, issue #18)
  and doubled the index.
* PostgreSQL: ``pg_trgm`` and a GIN index on the expression
  ``subject || ' ' || text`` of incoming messages; an index on the table
  itself cannot fall out of step.

A query of three characters or more uses the index; shorter ones (``予約``)
still work, by scanning. The objects live outside the models (SQLAlchemy has no
FTS5 table); :func:`include_name` keeps them out of the "models match the
migrations" comparison.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, bindparam, text
from sqlalchemy.orm import Session

from gateway.core.text import unseen_dropped
from store import search_senders
from store.search_terms import CONTAINS, contains, postgres_where, sqlite_where

__all__ = ["CONTAINS", "contains"]  # registered on SQLite connections (store.db)

FTS_TABLE = "message_search"
PG_INDEX = "ix_messages_search_trgm"
PG_DOCUMENT = "(subject || ' ' || text)"
MAX_TERMS = 8  # words of one query; more are ignored
MAX_HITS = 5000  # tickets a search can return (the page shows far fewer)


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """For Alembic: compare everything except the search index's own objects."""
    return not (name or "").startswith((FTS_TABLE, PG_INDEX))


# ---------------------------------------------------------------- schema (migrations)


def create(conn: Connection) -> None:
    """The search index for this backend, filled from the messages already stored
    (and :mod:`store.search_senders`' indexes: who wrote in, and the files' names)."""
    schema = None
    if conn.dialect.name == "sqlite":
        for statement in _SQLITE_DDL:
            conn.exec_driver_sql(statement)
        conn.exec_driver_sql(
            f"INSERT INTO {FTS_TABLE}(rowid, ticket_id, subject, text) "
            "SELECT id, ticket_id, subject, text FROM messages WHERE direction = 'in'"
        )
    elif conn.dialect.name == "postgresql":
        schema = trgm_schema(conn)
        conn.exec_driver_sql(
            f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON messages USING gin "
            f"(({PG_DOCUMENT}) {schema}.gin_trgm_ops) WHERE direction = 'in'"
        )
    search_senders.create(conn, schema)


def drop(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        for trigger in ("ai", "ad", "au"):
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {FTS_TABLE}_{trigger}")
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"DROP INDEX IF EXISTS {PG_INDEX}")
    search_senders.drop(conn)


def trgm_schema(conn: Connection) -> str:
    """Install pg_trgm once per database (in ``public`` when there is one, so a
    schema dropped later cannot take it along) and say where it is."""
    has_public = conn.exec_driver_sql(
        "SELECT 1 FROM pg_namespace WHERE nspname = 'public'"
    ).scalar()
    where = " WITH SCHEMA public" if has_public else ""
    conn.exec_driver_sql(f"CREATE EXTENSION IF NOT EXISTS pg_trgm{where}")
    schema = conn.exec_driver_sql(
        "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_trgm'"
    ).scalar()
    return str(schema)


_FILL = (
    f"INSERT INTO {FTS_TABLE}(rowid, ticket_id, subject, text) "
    "VALUES (new.id, new.ticket_id, new.subject, new.text)"
)
# Note for later migrations: a batch ALTER of ``messages`` on SQLite copies the
# table and drops these triggers; such a migration must call create() again.
_SQLITE_DDL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} "
    "USING fts5(ticket_id UNINDEXED, subject, text, tokenize = 'trigram', detail = none)",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ai AFTER INSERT ON messages "
    f"WHEN new.direction = 'in' BEGIN {_FILL}; END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ad AFTER DELETE ON messages "
    f"BEGIN DELETE FROM {FTS_TABLE} WHERE rowid = old.id; END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_au AFTER UPDATE ON messages "
    f"BEGIN DELETE FROM {FTS_TABLE} WHERE rowid = old.id; "
    f"INSERT INTO {FTS_TABLE}(rowid, ticket_id, subject, text) "
    "SELECT new.id, new.ticket_id, new.subject, new.text WHERE new.direction = 'in'; END",
)


# ---------------------------------------------------------------- queries


def query_terms(query: str) -> list[str]:
    """The words of a query (white space separates them), each as typed but for the
    characters nobody sees (a zero-width space a paste brought: :func:`unseen_dropped`)."""
    return unseen_dropped(query).split()[:MAX_TERMS]


def matching_tickets(session: Session, query: str) -> list[int] | None:
    """Ids of tickets with an incoming message containing every term (subject or
    text, case-insensitive), or whose sender (name, address) does, or with an attachment
    whose name does (:mod:`store.search_senders`); newest first; None for a query
    without terms."""
    terms = query_terms(query)
    if not terms:
        return None
    if session.get_bind().dialect.name == "postgresql":
        written = _postgres(session, terms)
    else:
        written = _sqlite(session, terms)
    found = set(written) | set(search_senders.matching(session, terms, MAX_HITS))
    return sorted(found, reverse=True)[:MAX_HITS]


def _sqlite(session: Session, terms: Sequence[str]) -> list[int]:
    where, params = sqlite_where(FTS_TABLE, ("subject", "text"), terms)
    sql = (
        f"SELECT ticket_id FROM {FTS_TABLE} WHERE {where} "
        f"GROUP BY ticket_id ORDER BY ticket_id DESC LIMIT {MAX_HITS}"
    )
    return [int(r[0]) for r in session.execute(text(sql), params)]


def _postgres(session: Session, terms: Sequence[str]) -> list[int]:
    where, params = postgres_where(PG_DOCUMENT, terms)
    sql = (
        f"SELECT ticket_id FROM messages WHERE direction = 'in' AND {where} "
        f"GROUP BY ticket_id ORDER BY ticket_id DESC LIMIT {MAX_HITS}"
    )
    stmt = text(sql).bindparams(*(bindparam(k) for k in params))
    return [int(r[0]) for r in session.execute(stmt, params)]
