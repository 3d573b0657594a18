"""the SQLite search index keeps no positions (detail=none): rebuilt

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

from alembic import op

from store import search

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

# the index as revisions 0004 to 0010 made it, for the way back
_WITH_POSITIONS = (
    "CREATE VIRTUAL TABLE message_search "
    "USING fts5(ticket_id UNINDEXED, subject, text, tokenize = 'trigram')"
)


def upgrade() -> None:
    # a hit is now checked by store.search.contains instead of by positions: indexing
    # the positions was a tenth of a stored message's cost (issue #18). PostgreSQL's
    # index does not change.
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        search.drop(bind)
        search.create(bind)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        search.drop(bind)
        bind.exec_driver_sql(_WITH_POSITIONS)
        search.create(bind)  # the triggers; the table exists, so it is kept as made here
