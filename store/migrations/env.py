"""Alembic environment: always runs on a connection handed in by store.migrate."""

from __future__ import annotations

from alembic import context

from store.models import Base
from store.search import include_name

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - alembic CLI without our wrapper
    raise RuntimeError("run migrations through `ticket-gateway db upgrade`")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_name=include_name,  # the search index is raw SQL (store/search.py)
)
with context.begin_transaction():
    context.run_migrations()
