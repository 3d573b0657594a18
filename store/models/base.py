"""The declarative base and the column types every table shares."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar, cast

from sqlalchemy import (
    JSON,
    DateTime,
    Table,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes on every backend.

    SQLite has no time zones; storing naive UTC and re-attaching UTC on the way
    out keeps comparisons and JSON output identical on SQLite and PostgreSQL.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        if value.tzinfo is not UTC:  # the clock's own are UTC already (most binds)
            value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# A table whose numbers leave the database (a ticket's #N, an inbox row's, an action
# run's: 0030; a file's download link, the events and messages a page or the board's
# cache key names, an outbox or chat outbox row's in log lines: 0031): on SQLite a
# number is never given out twice, also after the newest row was erased
# (AUTOINCREMENT). PostgreSQL's sequences never go back anyway. Each table says where
# its numbers go beside it.
NEVER_REUSED: dict[str, Any] = {"sqlite_autoincrement": True}


def table_of(model: type[Base]) -> Table:
    """The Core table behind a model, for statements built once (typed as Table)."""
    return cast(Table, model.__table__)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }
