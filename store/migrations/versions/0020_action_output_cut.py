"""action_runs.output_cut: how much of what the action said was not kept (bytes; -1:
a webhook's answer not read to its end), kept beside the output, never in it

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a column added, no table copied; older rows said a cut in their text, and are 0
    op.add_column(
        'action_runs', sa.Column('output_cut', sa.Integer(), nullable=False, server_default='0')
    )


def downgrade() -> None:
    with op.batch_alter_table('action_runs', schema=None) as batch_op:
        batch_op.drop_column('output_cut')
