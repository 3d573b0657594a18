"""indexes for the last two lookups of the runner and the sender that scanned a table

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # the sender writes a sent mail's parsed text onto its message row by outbox id
    op.create_index('ix_messages_outbox_id', 'messages', ['outbox_id'], unique=False)
    # the caps on automatic mail count one actor's events of a kind since an hour ago
    op.create_index('ix_ticket_events_actor', 'ticket_events', ['actor', 'kind', 'at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_ticket_events_actor', table_name='ticket_events')
    op.drop_index('ix_messages_outbox_id', table_name='messages')
