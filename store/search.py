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

A term of three characters or more uses the index; a shorter one (``予約``) is
checked on the tickets the others found, or, alone, still works by scanning
(:func:`_statement`). The objects live outside the models (SQLAlchemy has no
FTS5 table); :func:`include_name` keeps them out of the "models match the
migrations" comparison.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, bindparam, text
from sqlalchemy.orm import Session

from store import search_senders
from store.search_terms import (
    CONTAINS,
    contains,
    indexed,
    like,
    like_forms,
    postgres_where,
    query_terms,
    sqlite_where,
    variants,
)

__all__ = ["CONTAINS", "contains"]  # registered on SQLite connections (store.db)

FTS_TABLE = "message_search"
PG_INDEX = "ix_messages_search_trgm"
PG_DOCUMENT = "(subject || ' ' || text)"
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


def matching_tickets(session: Session, query: str) -> list[int] | None:
    """Ids of tickets holding every term somewhere in what can be searched: the subject
    or text of an incoming message, its sender (name, address), an attachment's name
    (:mod:`store.search_senders`), case-insensitive; newest first; None for a query
    without terms. Each term may stand in another field or message (``田中 VPN``: the
    name in the sender, VPN in the subject), but each one whole in one field."""
    terms = query_terms(query)
    if not terms:
        return None
    sql, params = _statement(session.get_bind().dialect.name == "postgresql", terms)
    stmt = text(sql).bindparams(*(bindparam(k) for k in params))
    return [int(r[0]) for r in session.execute(stmt, params)]


def _statement(postgres: bool, terms: Sequence[str]) -> tuple[str, dict[str, str]]:
    """One statement: the tickets of each term of three characters or more, each read
    through the indexes (:func:`_arms`), intersected; a shorter term (no trigram to look
    up) only checked on those tickets' own rows (:func:`_check`), through the index on
    ``messages.ticket_id``. A query of short terms alone reads its first one's tickets
    through the indexes' tables, as a scan (``予約``): a scan of a third table each."""
    long_ = [t for t in terms if indexed(t)]
    short = [t for t in terms if not indexed(t)]
    drivers, checked = (long_, short) if long_ else (short[:1], short[1:])
    params: dict[str, str] = {}
    parts = []
    for i, term in enumerate(drivers):
        arms, arm_params = _arms(postgres, term, f"d{i}")
        parts.append(f"SELECT ticket_id FROM ({arms}) AS h{i}")
        params |= arm_params
    where = []
    for i, term in enumerate(checked):
        check, check_params = _check(postgres, term, f"c{i}")
        where.append(check)
        params |= check_params
    sql = f"SELECT ticket_id FROM ({' INTERSECT '.join(parts)}) AS hit"
    if where:
        sql += " WHERE " + " AND ".join(where)
    return f"{sql} ORDER BY 1 DESC LIMIT {MAX_HITS}", params


def _arms(postgres: bool, term: str, key: str) -> tuple[str, dict[str, str]]:
    """The tickets holding ``term`` in a message's subject and text, in a sender or in
    a file's name: a UNION of three index reads (parameters named from ``key``)."""
    if postgres:
        said, p1 = postgres_where(PG_DOCUMENT, [term], prefix=f"{key}w")
        sent, p2 = postgres_where(search_senders.PG_SENDER, [term], prefix=f"{key}s")
        filed, p3 = postgres_where("a.filename", [term], prefix=f"{key}f")
        sql = (
            f"SELECT ticket_id FROM messages WHERE direction = 'in' AND {said} UNION "
            f"SELECT ticket_id FROM messages WHERE direction = 'in' AND {sent} UNION "
            "SELECT m.ticket_id FROM attachments a JOIN messages m ON m.id = a.message_id "
            f"WHERE {filed}"
        )
        return sql, p1 | p2 | p3
    senders, files = search_senders.SENDERS, search_senders.FILES
    said, p1 = sqlite_where(FTS_TABLE, ("subject", "text"), [term], prefix=f"{key}w")
    sent, p2 = sqlite_where(senders, ("sender",), [term], prefix=f"{key}s")
    filed, p3 = sqlite_where(files, ("filename",), [term], prefix=f"{key}f")
    sql = (
        f"SELECT ticket_id FROM {FTS_TABLE} WHERE {said} UNION "
        f"SELECT ticket_id FROM {senders} WHERE {sent} UNION "
        f"SELECT m.ticket_id FROM {files} JOIN messages m ON m.id = {files}.message_id "
        f"WHERE {filed}"
    )
    return sql, p1 | p2 | p3


def _check(postgres: bool, term: str, key: str) -> tuple[str, dict[str, str]]:
    """Whether the ticket ``hit.ticket_id`` holds ``term`` (too short for a trigram) in
    an incoming message's subject, text or sender, or in a file's name: its own rows,
    found by ticket, with LIKE (ILIKE on PostgreSQL) as the scan of a short term has."""
    forms = variants(term) if postgres else like_forms(term)
    keys = [f"{key}_{j}" for j in range(len(forms))]
    like_ = "ILIKE" if postgres else "LIKE"
    escape = "" if postgres else " ESCAPE '\\'"  # PostgreSQL's default is the backslash
    columns = ("m.subject", "m.text", "m.from_name", "m.from_addr")
    said = " OR ".join(f"{c} {like_} :{k}{escape}" for k in keys for c in columns)
    filed = " OR ".join(f"a.filename {like_} :{k}{escape}" for k in keys)
    sql = (  # one EXISTS, by ticket: PostgreSQL hashed two ORed ones over every attachment
        "EXISTS (SELECT 1 FROM messages m LEFT JOIN attachments a ON a.message_id = m.id "
        f"WHERE m.ticket_id = hit.ticket_id AND (m.direction = 'in' AND ({said}) OR {filed}))"
    )
    return sql, {k: like(f) for k, f in zip(keys, forms, strict=True)}
