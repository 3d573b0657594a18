"""``db copy`` says which database failed: the target it writes (named by its URL,
password masked) or the configured one it reads.

Both are open at once, and the driver's reason names neither ("the disk under the
database is full", "permission denied for table …"): a target whose disk filled up was
said as the configured database's trouble, whose disk had room, and a source table the
reading role may not read was said as the target refusing the copy (exit 73, "nothing
was written there"), sending the team to fix the wrong database.
"""

from __future__ import annotations

import resource
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from gateway.config.settings import CatalogSettings, DatabaseSettings, GatewaySettings, Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import build
from tests.conftest import PG_URL, pg_schema, postgres_reachable
from tests.support.app import PLAIN_CATALOG, SECRET
from tests.support.cli import run
from tests.support.config import SECRET_ENV, write_config
from tests.support.mails import mail
from tests.support.pipeline import deliver

EX_TEMPFAIL, EX_CONFIG = 75, 78


@pytest.fixture
def small_disk() -> Iterator[int]:
    """Files this process writes stop growing past 256 KiB, as on a full disk (the
    signal a write past it raises is ignored: the write fails instead)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    before = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    limit = 256 * 1024
    try:
        yield limit
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, before)


def test_a_target_whose_disk_fills_up_is_named_not_the_configured_database(
    settings: Settings,
    clock: FakeClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    small_disk: int,
) -> None:
    if not str(settings.database.url).startswith("sqlite"):
        pytest.skip("the source's size is what matters; one backend is enough")
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    app = build(settings, clock)
    for n in range(12):  # about a megabyte of mail to copy
        deliver(app, mail(f"Log {n}", body="x" * 90_000 + "\n", sender=f"u{n}@customer.test"))
    app.close()
    config = write_config(tmp_path, url=str(settings.database.url))
    target = tmp_path / "moved" / "gateway.db"
    resource.setrlimit(resource.RLIMIT_FSIZE, (small_disk, resource.RLIM_INFINITY))
    done = run(config, "db", "copy", f"sqlite:///{target}", capsys=capsys)
    resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    assert done.code == EX_TEMPFAIL, done
    assert str(target) in done.err, done.err  # which database: the target, by its URL
    assert "nothing was written there" in done.err
    engine = create_engine(f"sqlite:///{target}")
    try:
        with engine.connect() as conn:
            assert inspect(conn).get_table_names() == []  # as empty as it was
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_source_table_the_role_may_not_read_is_the_source_s_problem_not_the_target_s(
    clock: FakeClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if not postgres_reachable():
        pytest.skip("PostgreSQL not reachable")
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    role = f"r4_reader_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with pg_schema() as source_url, pg_schema() as target_url:
        schema = source_url.rsplit("%3D", 1)[1]
        app = build(build_settings(tmp_path, source_url), clock)
        deliver(app, mail("VPN down", sender="a@customer.test"))
        app.close()
        with admin.connect() as conn:  # a member's rehearsal: a role that reads, not all
            conn.execute(text(f"CREATE ROLE {role} LOGIN"))
            conn.execute(text(f"GRANT USAGE ON SCHEMA {schema} TO {role}"))
            conn.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {role}"))
            conn.execute(text(f"REVOKE SELECT ON {schema}.erasures FROM {role}"))
        try:
            as_reader = make_url(source_url).set(username=role)
            config = write_config(tmp_path, url=as_reader.render_as_string(hide_password=False))
            done = run(config, "db", "copy", target_url, capsys=capsys)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f"DROP OWNED BY {role}"))
                conn.execute(text(f"DROP ROLE {role}"))
            admin.dispose()
        assert done.code == EX_CONFIG, done
        assert "not allowed" in done.err and "SQLSTATE" not in done.err, done.err
        assert schema in done.err, done.err  # the database read, by its URL
        assert target_url.rsplit("%3D", 1)[1] not in done.err  # the target refused nothing
        assert "nothing was copied" in done.err


def build_settings(tmp_path: Path, url: str) -> Settings:
    return Settings(
        source="<test>",
        gateway=GatewaySettings(secret=SECRET, data_dir=tmp_path / "var"),
        database=DatabaseSettings(url=url),
        catalog=CatalogSettings(path=PLAIN_CATALOG),
    )


@pytest.mark.postgres
def test_a_schema_not_made_yet_is_said_so_not_by_its_code(
    settings: Settings,
    clock: FakeClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """README's URL of a schema (``?options=-csearch_path%3Dsupport``) names one that
    must be made first (``CREATE SCHEMA support``): without it the copy said
    "database error SQLSTATE 3F000", a code to look up."""
    if not postgres_reachable():
        pytest.skip("PostgreSQL not reachable")
    if not str(settings.database.url).startswith("sqlite"):
        pytest.skip("the target is what matters; one source is enough")
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    app = build(settings, clock)
    deliver(app, mail("VPN down", sender="a@customer.test"))
    app.close()
    config = write_config(tmp_path, url=str(settings.database.url))
    schema = f"r4_none_{uuid.uuid4().hex[:8]}"
    sep = "&" if "?" in PG_URL else "?"
    done = run(
        config, "db", "copy", f"{PG_URL}{sep}options=-csearch_path%3D{schema}", capsys=capsys
    )
    assert done.code == 73, done
    assert "schema" in done.err and "does not exist" in done.err, done.err
    assert "SQLSTATE" not in done.err, done.err
