"""conversation: the database's own id (reply tokens), bulk arrivals, held member notices

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import store.models


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    installation = op.create_table('installation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('database_id', sa.String(length=64), nullable=False),
    sa.Column('legacy_tickets_upto', sa.Integer(), nullable=False),
    sa.Column('created_at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    # A random id made here, once per database. Tickets that exist already keep their
    # reply addresses (issued before the id existed); every later address is bound to it.
    upto = op.get_bind().execute(sa.text('SELECT max(id) FROM tickets')).scalar() or 0
    op.bulk_insert(installation, [{
        'id': 1,
        'database_id': secrets.token_hex(16),
        'legacy_tickets_upto': int(upto),
        'created_at': datetime.now(UTC),
    }])
    with op.batch_alter_table('inbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bulk', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('held_until', store.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('notice', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('notice')
        batch_op.drop_column('held_until')
    with op.batch_alter_table('inbox', schema=None) as batch_op:
        batch_op.drop_column('bulk')
    op.drop_table('installation')
