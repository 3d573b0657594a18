"""Several instances starting at once on one PostgreSQL database: one creates or
upgrades the schema, the others wait for it and find it current; none fails, none
runs a migration a second time over the first one's work."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text

from store import migrate
from store.db import make_engine
from tests.support.databases import postgres_only

pytestmark = pytest.mark.fresh_database

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def _together(*work: Callable[[], Any]) -> list[Any]:
    start = threading.Barrier(len(work))
    results: list[Any] = [None] * len(work)

    def run(n: int) -> None:
        start.wait()
        try:
            results[n] = work[n]()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            results[n] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(work))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


@postgres_only
def test_two_instances_creating_an_empty_schema_at_once(db_url: str) -> None:
    engines = [make_engine(db_url) for _ in range(3)]
    try:
        done = _together(*(lambda e=e: migrate.ensure_current(e, NOW) for e in engines))
        assert not [d for d in done if isinstance(d, BaseException)], done
        assert migrate.current_revision(engines[0]) == migrate.HEAD
        with engines[0].connect() as conn:  # made once, not over the first one's work
            assert conn.scalar(text("SELECT count(*) FROM installation")) == 1
            assert conn.scalar(text("SELECT count(*) FROM alembic_version")) == 1
    finally:
        for e in engines:
            e.dispose()


@postgres_only
def test_two_instances_upgrading_an_older_schema_at_once(db_url: str) -> None:
    engines = [make_engine(db_url) for _ in range(3)]
    try:
        migrate.ensure_current(engines[0], NOW)
        migrate.downgrade(engines[0], "0020")
        done = _together(*(lambda e=e: migrate.ensure_current(e, NOW) for e in engines))
        assert not [d for d in done if isinstance(d, BaseException)], done
        assert migrate.current_revision(engines[0]) == migrate.HEAD
    finally:
        for e in engines:
            e.dispose()
