"""Shared fixtures: a real database (SQLite always, PostgreSQL when reachable),
a fake clock, settings and the corpus.

PostgreSQL tests get their own schema on the machine's server (database
``test``), so runs never see each other's rows; set TICKET_GATEWAY_TEST_PG to
point elsewhere or to ``off``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from gateway.config.settings import (
    CatalogSettings,
    DatabaseSettings,
    GatewaySettings,
    Member,
    Settings,
)
from gateway.core.clock import FakeClock
from gateway.runtime.app import App, build

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
PG_URL = os.environ.get(
    "TICKET_GATEWAY_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SECRET = b"test-secret-0123456789abcdef"
PLAIN_CATALOG = REPO / "tests" / "data" / "catalog_plain.yaml"

_pg_ok: bool | None = None


def postgres_reachable() -> bool:
    global _pg_ok
    if _pg_ok is None:
        if PG_URL == "off":
            _pg_ok = False
        else:
            try:
                eng = create_engine(PG_URL, connect_args={"connect_timeout": 2})
                with eng.connect() as conn:
                    conn.execute(text("SELECT 1"))
                eng.dispose()
                _pg_ok = True
            except Exception:  # noqa: BLE001 - any failure means "not reachable here"
                _pg_ok = False
    return _pg_ok


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/gateway.db"
        return
    if not postgres_reachable():
        pytest.skip("PostgreSQL not reachable")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(
        source="<test>",
        gateway=GatewaySettings(address="support@example.test", secret=SECRET,
                                data_dir=tmp_path / "var"),
        database=DatabaseSettings(url=db_url),
        catalog=CatalogSettings(path=PLAIN_CATALOG),
    )


MEMBERS = (
    Member(email="ops@example.test", name="Ops One", role="ops", locale="en"),
    Member(email="ops2@example.test", name="Ops Two", role="ops", locale="ja"),
    Member(email="boss@example.test", name="Boss", role="manager", locale="ja"),
)


@pytest.fixture
def app(settings: Settings, clock: FakeClock) -> Iterator[App]:
    application = build(settings, clock)
    yield application
    application.close()


def with_prefix(settings: Settings, prefix: str) -> Settings:
    return replace(settings, gateway=replace(settings.gateway, tag_prefix=prefix))


def corpus_files() -> list[Path]:
    return sorted((CORPUS / "public").rglob("*.eml"))
