"""inbox.untrusted_peer: the mail came over SMTP/LMTP from a peer outside
``[smtp] trusted_networks`` that did not log in, so its Authentication-Results were not
written by our MTA and prove nothing

Revision ID: 0027
Revises: 0026
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a column added, no table copied; rows stored before it are read as before (false):
    # which peer sent them was not recorded, and they were judged so when they arrived
    op.add_column(
        'inbox',
        sa.Column('untrusted_peer', sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    with op.batch_alter_table('inbox', schema=None) as batch_op:
        batch_op.drop_column('untrusted_peer')
