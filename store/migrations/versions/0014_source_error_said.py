"""source_state.last_error_said: a mailbox's last error as a Msg, said in each reader's language

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # rows written before keep their English text in last_error, and it is shown as it is
    op.add_column('source_state', sa.Column('last_error_said', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('source_state', schema=None) as batch_op:
        batch_op.drop_column('last_error_said')
