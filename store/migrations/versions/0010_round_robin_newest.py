"""round robin by each member's newest ticket: the id joins the round-robin index

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # store.fields.last_served reads each candidate's newest ticket of an entry: with the
    # id last in the index that is its first row read backwards, whatever the entry's size
    # (a count of the entry's tickets grew with the store; issue #18)
    op.drop_index('ix_tickets_catalog_assignee', table_name='tickets')
    op.create_index(
        'ix_tickets_catalog_assignee', 'tickets', ['catalog', 'assignee', 'id'], unique=False
    )


def downgrade() -> None:
    op.drop_index('ix_tickets_catalog_assignee', table_name='tickets')
    op.create_index('ix_tickets_catalog_assignee', 'tickets', ['catalog', 'assignee'], unique=False)
