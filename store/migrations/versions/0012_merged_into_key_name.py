"""the key of tickets.merged_into_id has the name 0006 gives it, on every database

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

NAME = 'fk_tickets_merged_into_id_tickets'  # as 0006 names it (its downgrade drops it)


def upgrade() -> None:
    # A database made from the models before they named this key (the fresh-database
    # shortcut, store.migrate.create_fresh) has it under the database's own name
    # (PostgreSQL: tickets_merged_into_id_fkey; SQLite: none), and 0006's downgrade
    # could not find it. Upgraded databases already have the name: nothing to do.
    bind = op.get_bind()
    found = _merged_into_key(bind)
    if found is None or found == NAME:
        return
    if bind.dialect.name != 'sqlite':
        op.execute(sa.text(f'ALTER TABLE tickets RENAME CONSTRAINT "{found}" TO {NAME}'))
        return
    # SQLite cannot rename a constraint: the table is copied with the key named,
    # from its own reflection (indexes and the other keys as they are)
    tickets = sa.Table('tickets', sa.MetaData(), autoload_with=bind)
    for key in tickets.foreign_key_constraints:
        if [c.name for c in key.columns] == ['merged_into_id']:
            key.name = NAME
    with op.batch_alter_table('tickets', copy_from=tickets, recreate='always'):
        pass


def downgrade() -> None:
    # the name is the one 0006 expects: it stays
    pass


def _merged_into_key(bind: sa.Connection) -> str | None:
    """The key's name; '' when it has none (SQLite), None when there is no such key."""
    for key in sa.inspect(bind).get_foreign_keys('tickets'):
        if key['constrained_columns'] == ['merged_into_id']:
            return str(key['name'] or '')
    return None
