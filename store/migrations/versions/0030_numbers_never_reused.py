"""tickets, inbox, action_runs: on SQLite a number is never given out twice (AUTOINCREMENT)

Without AUTOINCREMENT SQLite numbers a new row after the highest id still there, so once
the newest ticket was erased (``requesters forget``, ``[retention] closed_tickets``) the
next request got its number, and the erased person's reply address, ``[#N]`` tag and
``/tickets/N`` links named someone else's ticket; so too an inbox row's number
(``inbox retry``) and an action run's (``actions show``). Each table is copied into one
declared AUTOINCREMENT (batch mode; store.migrate runs it with foreign keys off, then
checks them), and SQLite's ``sqlite_sequence`` starts at the highest number known to
have been given: the highest id there, and for the tickets at least
``installation.legacy_tickets_upto`` (the tickets answered before 0005, every number up
to it given once). A number erased before this upgrade cannot be known and stays lost.
PostgreSQL's sequences never go back: nothing to do there.

Revision ID: 0030
Revises: 0029
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None

# the tables whose numbers people and mails see (store.models says the same)
TABLES = ('tickets', 'inbox', 'action_runs')


def upgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    for table in TABLES:
        _rebuild(table, autoincrement=True)
    # the copy of the rows set each table's position at its highest id; the tickets'
    # goes on from the legacy tickets' too where those were erased since 0005
    op.execute(
        sa.text(
            "UPDATE sqlite_sequence SET seq = max(seq, coalesce("
            "(SELECT legacy_tickets_upto FROM installation WHERE id = 1), 0))"
            " WHERE name = 'tickets'"
        )
    )
    op.execute(
        sa.text(
            "INSERT INTO sqlite_sequence (name, seq) SELECT 'tickets', legacy_tickets_upto"
            " FROM installation WHERE id = 1 AND legacy_tickets_upto > 0"
            " AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'tickets')"
        )
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    for table in TABLES:
        _rebuild(table, autoincrement=False)
        op.execute(sa.text("DELETE FROM sqlite_sequence WHERE name = :t").bindparams(t=table))


def _rebuild(table: str, *, autoincrement: bool) -> None:
    """The table copied into a new one with or without AUTOINCREMENT, every row, index,
    key and default as it was."""
    with op.batch_alter_table(
        table, recreate='always', table_kwargs={'sqlite_autoincrement': autoincrement}
    ):
        pass
