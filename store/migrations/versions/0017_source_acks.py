"""source_state.acks: what an IMAP poller keeps across restarts about stored messages
still in its folder (left alone for a person, or copied and not yet removed)

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('source_state', sa.Column('acks', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('source_state', schema=None) as batch_op:
        batch_op.drop_column('acks')
