"""the bytes of each inbox row in a table of their own, written once and never updated

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite rewrites a whole row on every UPDATE: with the bytes inline, recording a
    # row's disposition copied the message once more (issue #18)
    op.create_table(
        'inbox_raw',
        sa.Column('inbox_id', sa.Integer(), nullable=False),
        sa.Column('raw', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['inbox_id'], ['inbox.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('inbox_id'),
    )
    op.execute('INSERT INTO inbox_raw (inbox_id, raw) SELECT id, raw FROM inbox')
    with op.batch_alter_table('inbox', schema=None) as batch_op:
        batch_op.drop_column('raw')


def downgrade() -> None:
    with op.batch_alter_table('inbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('raw', sa.LargeBinary(), nullable=True))
    op.execute('UPDATE inbox SET raw = (SELECT raw FROM inbox_raw WHERE inbox_raw.inbox_id = inbox.id)')
    with op.batch_alter_table('inbox', schema=None) as batch_op:
        batch_op.alter_column('raw', existing_type=sa.LargeBinary(), nullable=False)
    op.drop_table('inbox_raw')
