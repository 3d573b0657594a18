"""used_by on sign_in_links: the browser that spent a link, so its second click signs in

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # links spent before have none: a second click of theirs is refused, as it was
    op.add_column('sign_in_links', sa.Column('used_by', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('sign_in_links', schema=None) as batch_op:
        batch_op.drop_column('used_by')
