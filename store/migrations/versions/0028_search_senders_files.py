"""search: who wrote in (the From's name and address) and attachments' names are
indexed too (store.search_senders)

Revision ID: 0028
Revises: 0027
"""

from __future__ import annotations

from alembic import op

from store import search, search_senders

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # the list's search found a ticket by its subject and text only, not by its
    # requester's address or name, nor by a file's name; built from the rows stored
    bind = op.get_bind()
    search_senders.drop(bind)  # none yet, unless revision 0004 ran with this code
    schema = search.trgm_schema(bind) if bind.dialect.name == "postgresql" else None
    search_senders.create(bind, schema)


def downgrade() -> None:
    search_senders.drop(op.get_bind())
