"""erasures: the record that a person's data was erased on request (requesters forget)

Revision ID: 0029
Revises: 0028
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.models

revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a new table, nothing copied: no erasure was recorded before it
    op.create_table('erasures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=320), nullable=False),
    sa.Column('subject', sa.String(length=64), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('erasures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_erasures_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_erasures_subject'), ['subject'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('erasures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_erasures_subject'))
        batch_op.drop_index(batch_op.f('ix_erasures_at'))
    op.drop_table('erasures')
