"""outbox.raw_dropped_at: a sent mail's bytes are emptied ``[outbound] keep_sent``
after sending (the index finds the ones still kept without reading the others)

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.models

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

def upgrade() -> None:
    # a column added, no table copied: the outbox of a year is not rewritten on upgrade
    op.add_column(
        'outbox', sa.Column('raw_dropped_at', store.models.UTCDateTime(timezone=True), nullable=True)
    )
    op.create_index(
        'ix_outbox_sent_kept', 'outbox', ['raw_dropped_at', 'sent_at'], unique=False
    )


def downgrade() -> None:
    op.drop_index('ix_outbox_sent_kept', table_name='outbox')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('raw_dropped_at')
