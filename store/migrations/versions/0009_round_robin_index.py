"""an index for round robin: each candidate's tickets of a catalog entry are counted

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # gateway.catalog.assign counts each candidate's tickets of an entry for every new
    # ticket of a round-robin entry: without it, a scan of all tickets (issue #18)
    op.create_index('ix_tickets_catalog_assignee', 'tickets', ['catalog', 'assignee'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_tickets_catalog_assignee', table_name='tickets')
