"""slack_drafts: the earlier pages of a /ticket form longer than one Slack view;
card_looks: how each catalog entry looked on the Slack cards, to bring them up to date
after a catalog change

Revision ID: 0024
Revises: 0023
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.models

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # two new tables, nothing copied: a form open during the upgrade has one page, and
    # the cards' looks are first recorded (not compared) by the poster after it
    op.create_table('slack_drafts',
    sa.Column('view_id', sa.String(length=64), nullable=False),
    sa.Column('entry_id', sa.String(length=64), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('updated_at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('view_id')
    )
    with op.batch_alter_table('slack_drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_slack_drafts_updated_at'), ['updated_at'], unique=False)
    op.create_table('card_looks',
    sa.Column('entry_id', sa.String(length=64), nullable=False),
    sa.Column('look', sa.String(length=64), nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('changed_at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('entry_id')
    )


def downgrade() -> None:
    op.drop_table('card_looks')
    with op.batch_alter_table('slack_drafts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_slack_drafts_updated_at'))
    op.drop_table('slack_drafts')
