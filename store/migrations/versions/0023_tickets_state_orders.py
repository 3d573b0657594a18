"""tickets: an index per order of the list within one state, so that the list of work
still to do (``state=active``, new, open or pending) reads its own tickets in order and
stops at the page, never walking the closed history of ``ix_tickets_idle`` or of the
primary key before the first open ticket; the index on the state alone goes, as
``(state, id)`` answers every lookup it did

Revision ID: 0023
Revises: 0022
"""

from __future__ import annotations

from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # the id last in both, as the list breaks ties: each gives a state's whole order
    op.create_index(
        'ix_tickets_state_idle', 'tickets', ['state', 'updated_at', 'id'], unique=False
    )
    op.create_index('ix_tickets_state_id', 'tickets', ['state', 'id'], unique=False)
    op.drop_index('ix_tickets_state', table_name='tickets')


def downgrade() -> None:
    op.create_index('ix_tickets_state', 'tickets', ['state'], unique=False)
    op.drop_index('ix_tickets_state_id', table_name='tickets')
    op.drop_index('ix_tickets_state_idle', table_name='tickets')
