"""messages, attachments, ticket_events, outbox, chat_outbox: on SQLite a number is never
given out twice (AUTOINCREMENT), as 0030 made it for tickets, inbox rows and action runs

These numbers leave the database too: a file's download link (``/tickets/N/attachments/
ID``), the board's one-minute cache key (the highest event and message ids), the event a
ticket page's view ends at (its "changed since you looked" check), ``tickets show
--json``, an outbox or chat outbox row's number in log lines and ``status --json``. Once
the newest rows were erased (``requesters forget``, ``[retention] closed_tickets``) SQLite
gave their numbers to the next rows: an erased person's file link served a later file,
the board's cache key named the board from before the erasure, a colleague's change made
after it was missed. Each table is copied into one declared AUTOINCREMENT (batch mode, as
0030; store.migrate runs it with foreign keys off, then checks them), the search index's
triggers on messages and attachments made again as they were (a copy of a table drops
them; the indexes' rows, numbered by the same ids, stay), and ``sqlite_sequence`` starts
at the highest number known to have been given: the highest id there, and for the outbox
and the events the numbers that other rows still name (the claims that a returned mail
was told, ``job_runs`` ``mail-returned``; a status mail's key, ``status:TICKET:EVENT``).
A number erased before this upgrade and named nowhere cannot be known and stays lost.
PostgreSQL's sequences never go back: nothing to do there.

Revision ID: 0031
Revises: 0030
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None

# the tables whose numbers leave the database (store.models says where, beside each)
TABLES = ('messages', 'attachments', 'ticket_events', 'outbox', 'chat_outbox')

# numbers given that rows of other tables still name, past the highest id left:
# the returned-mail claims' periods are outbox ids (gateway.tickets.returned_claims); a
# status mail's idempotency key is ``status:TICKET:EVENT`` or ``status:TICKET:EVENT:
# MEMBER`` (gateway.tickets.to_requester), EVENT the id of the state change it tells.
# GLOB keeps a value of another shape out; SQLite's CAST reads the leading digits
NAMED_ELSEWHERE = {
    'outbox': (
        "SELECT max(CAST(period AS INTEGER)) FROM job_runs"
        " WHERE job = 'mail-returned' AND period GLOB '[0-9]*' AND period NOT GLOB '*[^0-9]*'"
    ),
    'ticket_events': (
        "SELECT max(CAST(substr(rest, instr(rest, ':') + 1) AS INTEGER)) FROM"
        " (SELECT substr(idempotency_key, 8) AS rest FROM outbox"
        "  WHERE idempotency_key GLOB 'status:[0-9]*:[0-9]*')"
    ),
}


def upgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    for table in TABLES:
        _rebuild(table, autoincrement=True)
    # the copy of the rows set each table's position at its highest id; it goes on
    # from a number another row still names where that is further
    for table, named in NAMED_ELSEWHERE.items():
        _at_least(table, named)


def downgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    for table in TABLES:
        _rebuild(table, autoincrement=False)
        op.execute(sa.text("DELETE FROM sqlite_sequence WHERE name = :t").bindparams(t=table))


def _rebuild(table: str, *, autoincrement: bool) -> None:
    """The table copied into a new one with or without AUTOINCREMENT, every row, index,
    key and default as it was, and its triggers (the search index's) made again: the
    copy drops the old table, and its triggers with it."""
    bind = op.get_bind()
    triggers = [
        (str(name), str(sql))
        for name, sql in bind.execute(
            sa.text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"
                " ORDER BY name"
            ),
            {'t': table},
        )
    ]
    for name, _sql in triggers:  # none fires on the copy's drop (it removes them first)
        op.execute(sa.text(f'DROP TRIGGER "{name}"'))
    with op.batch_alter_table(
        table, recreate='always', table_kwargs={'sqlite_autoincrement': autoincrement}
    ):
        pass
    for _name, sql in triggers:
        bind.exec_driver_sql(sql)


def _at_least(table: str, named: str) -> None:
    """``table``'s position in ``sqlite_sequence`` at least the number ``named`` finds."""
    bind = op.get_bind()
    found = bind.execute(sa.text(named)).scalar()
    if not found:
        return
    at = {'t': table, 'v': int(found)}
    moved = bind.execute(
        sa.text("UPDATE sqlite_sequence SET seq = max(seq, :v) WHERE name = :t"), at
    )
    if not moved.rowcount:  # no row left in the table: no position yet
        bind.execute(sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES (:t, :v)"), at)
