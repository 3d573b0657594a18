"""last_error_said on action_runs, outbox and chat_outbox: their last error as a Msg

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

TABLES = ('action_runs', 'outbox', 'chat_outbox')


def upgrade() -> None:
    # rows written before keep their English text in last_error, and it is shown as it is
    for table in TABLES:
        op.add_column(table, sa.Column('last_error_said', sa.JSON(), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('last_error_said')
