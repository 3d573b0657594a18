"""outbox.author: the member whose words a mail carries (a relayed answer), told with
the member who has the ticket when the mail fails for good

Revision ID: 0022
Revises: 0021
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a column added, no table copied; older rows have no author (NULL): their failure
    # is told to the member who has the ticket, as before
    op.add_column('outbox', sa.Column('author', sa.String(length=320), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('author')
