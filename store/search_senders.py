"""The search by who wrote in and by the files they sent: a ticket is found by its
requester's address or display name (``kenji@customer.test``, 株式会社山田 in the
From), as the list and the ticket's messages show them, and by an attachment's file
name, beside what people wrote (:mod:`store.search`).

Each is a document of its own: a term is looked for whole in one incoming message's
sender (name and address), or in one attachment's name, as in a message's subject and
text; a query's terms may each stand in another (:func:`store.search.matching_tickets`).
Both backends index them as :mod:`store.search` does:

* SQLite: FTS5 tables with the ``trigram`` tokenizer and no positions,
  ``message_search_senders`` (a row per incoming message: its From's name and address)
  and ``message_search_files`` (a row per attachment: its name), kept in step by
  triggers on ``messages`` and ``attachments``, whichever code wrote them.
* PostgreSQL: ``pg_trgm`` GIN indexes on the expression ``from_name || ' ' ||
  from_addr`` of incoming messages and on ``attachments.filename``.

Their names start with :data:`store.search.FTS_TABLE` or :data:`store.search.PG_INDEX`,
so :func:`store.search.include_name` keeps them out of the models' comparison.
"""

from __future__ import annotations

from sqlalchemy import Connection

SENDERS = "message_search_senders"
FILES = "message_search_files"
PG_SENDERS = "ix_messages_search_trgm_senders"
PG_FILES = "ix_messages_search_trgm_files"
PG_SENDER = "(from_name || ' ' || from_addr)"  # the From as a list shows it, name and address
SENDER_OF = "coalesce(new.from_name, '') || ' ' || coalesce(new.from_addr, '')"

_FILL_SENDER = (
    f"INSERT INTO {SENDERS}(rowid, ticket_id, sender) "
    f"SELECT new.id, new.ticket_id, {SENDER_OF} WHERE new.direction = 'in'"
)
_FILL_FILE = (
    f"INSERT INTO {FILES}(rowid, message_id, filename) "
    "VALUES (new.id, new.message_id, new.filename)"
)
# Note for later migrations: a batch ALTER of ``messages`` or ``attachments`` on SQLite
# copies the table and drops these triggers; such a migration must call create() again.
_SQLITE_DDL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {SENDERS} "
    "USING fts5(ticket_id UNINDEXED, sender, tokenize = 'trigram', detail = none)",
    f"CREATE TRIGGER IF NOT EXISTS {SENDERS}_ai AFTER INSERT ON messages BEGIN {_FILL_SENDER}; END",
    f"CREATE TRIGGER IF NOT EXISTS {SENDERS}_ad AFTER DELETE ON messages "
    f"BEGIN DELETE FROM {SENDERS} WHERE rowid = old.id; END",
    f"CREATE TRIGGER IF NOT EXISTS {SENDERS}_au AFTER UPDATE ON messages "
    f"BEGIN DELETE FROM {SENDERS} WHERE rowid = old.id; {_FILL_SENDER}; END",
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FILES} "
    "USING fts5(message_id UNINDEXED, filename, tokenize = 'trigram', detail = none)",
    f"CREATE TRIGGER IF NOT EXISTS {FILES}_ai AFTER INSERT ON attachments BEGIN {_FILL_FILE}; END",
    f"CREATE TRIGGER IF NOT EXISTS {FILES}_ad AFTER DELETE ON attachments "
    f"BEGIN DELETE FROM {FILES} WHERE rowid = old.id; END",
    f"CREATE TRIGGER IF NOT EXISTS {FILES}_au AFTER UPDATE ON attachments "
    f"BEGIN DELETE FROM {FILES} WHERE rowid = old.id; {_FILL_FILE}; END",
)


def create(conn: Connection, trgm_schema: str | None = None) -> None:
    """The indexes for this backend, filled from the rows already stored; on PostgreSQL
    ``trgm_schema`` is where pg_trgm is (:func:`store.search.create` installs it)."""
    if conn.dialect.name == "sqlite":
        for statement in _SQLITE_DDL:
            conn.exec_driver_sql(statement)
        conn.exec_driver_sql(
            f"INSERT INTO {SENDERS}(rowid, ticket_id, sender) "
            "SELECT id, ticket_id, coalesce(from_name, '') || ' ' || coalesce(from_addr, '') "
            "FROM messages WHERE direction = 'in'"
        )
        conn.exec_driver_sql(
            f"INSERT INTO {FILES}(rowid, message_id, filename) "
            "SELECT id, message_id, filename FROM attachments"
        )
    elif conn.dialect.name == "postgresql":
        ops = f"{trgm_schema}.gin_trgm_ops"
        conn.exec_driver_sql(
            f"CREATE INDEX IF NOT EXISTS {PG_SENDERS} ON messages USING gin "
            f"(({PG_SENDER}) {ops}) WHERE direction = 'in'"
        )
        conn.exec_driver_sql(
            f"CREATE INDEX IF NOT EXISTS {PG_FILES} ON attachments USING gin (filename {ops})"
        )


def drop(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        for table in (SENDERS, FILES):
            for trigger in ("ai", "ad", "au"):
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_{trigger}")
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")
    elif conn.dialect.name == "postgresql":
        for index in (PG_SENDERS, PG_FILES):
            conn.exec_driver_sql(f"DROP INDEX IF EXISTS {index}")
