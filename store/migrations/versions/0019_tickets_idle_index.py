"""tickets.updated_at: an index for the list's ``sort=idle`` (untouched the longest
first), walked in order and cut at the page instead of sorting every matching ticket

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # the id last, as the list breaks ties: the index gives the page's whole order
    op.create_index('ix_tickets_idle', 'tickets', ['updated_at', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_tickets_idle', table_name='tickets')
