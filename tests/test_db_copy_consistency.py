"""``db copy`` is one moment of the source and all or nothing on the target.

The daemon may go on writing while the copy reads: the copy holds what was committed
when it began and nothing after, and the writer never waits for it. A connection to
the target lost half-way leaves the target without a table, as it was. And a mail's
bytes are held once, one batch at a time, however many big mails there are.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event, func, inspect, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from gateway.config.settings import CatalogSettings, DatabaseSettings, GatewaySettings, Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App, build
from store.db import is_transient, make_engine
from store.db_copy import copy_database
from store.models import InboxRaw, Ticket
from tests.conftest import PG_URL, pg_schema, postgres_reachable
from tests.support.app import PLAIN_CATALOG, SECRET
from tests.support.cli import run
from tests.support.config import SECRET_ENV, write_config
from tests.support.mails import mail
from tests.support.pipeline import deliver


@pytest.fixture
def source(settings: Settings, clock: FakeClock) -> Iterator[App]:
    app = build(settings, clock)
    yield app
    app.close()


@pytest.fixture
def sqlite_target(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path}/moved.db")
    yield engine
    engine.dispose()


@pytest.fixture
def pg_target() -> Iterator[Engine]:
    if not postgres_reachable():
        pytest.skip("PostgreSQL not reachable")
    with pg_schema() as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


def count(engine: Engine, model: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(model)).scalar() or 0)


def tables(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return inspect(conn).get_table_names()


def test_the_copy_is_the_moment_it_began_while_the_daemon_writes_on(
    source: App, clock: FakeClock, sqlite_target: Engine
) -> None:
    deliver(source, mail("VPN down", sender="a@customer.test"))
    deliver(source, mail("Printer jams", sender="b@customer.test"))
    began = clock.now()
    written_meanwhile: list[int | None] = []

    def daemon_writes(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("INSERT INTO tickets") and not written_meanwhile:
            written_meanwhile.append(deliver(source, mail("Mid-copy", sender="c@x.test")).ticket_id)

    event.listen(sqlite_target, "before_cursor_execute", daemon_writes)
    copied = copy_database(source.engine, sqlite_target, clock)
    assert written_meanwhile == [3]  # stored and processed, no lock waited for
    assert copied.snapshot_at == began
    assert dict(copied.counts)["tickets"] == 2
    with sqlite_target.connect() as conn:
        assert conn.execute(select(Ticket.subject).order_by(Ticket.id)).scalars().all() == [
            "VPN down",
            "Printer jams",
        ]


def test_a_target_connection_lost_half_way_leaves_no_table_there(
    source: App, clock: FakeClock, pg_target: Engine
) -> None:
    deliver(source, mail("VPN down"))
    admin = create_engine(PG_URL, poolclass=NullPool)

    def cut(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("INSERT INTO messages"):  # tickets and inbox written
            pid = conn.connection.driver_connection.info.backend_pid
            with admin.connect() as other:
                other.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})

    event.listen(pg_target, "before_cursor_execute", cut)
    try:
        with pytest.raises(DBAPIError) as lost:
            copy_database(source.engine, pg_target, clock)
        assert is_transient(lost.value)  # said "try again later", exit 75
    finally:
        event.remove(pg_target, "before_cursor_execute", cut)
        admin.dispose()
    assert tables(pg_target) == []


def big_mail(n: int, size: int) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"] = f"user{n}@customer.test", "support@example.test"
    msg["Subject"], msg["Message-ID"] = f"scan {n}", f"<scan-{n}@customer.test>"
    msg.set_content("The scan is attached.\n")
    data = bytes((i * 7 + n) % 251 for i in range(size))
    msg.add_attachment(data, maintype="application", subtype="pdf", filename=f"scan{n}.pdf")
    return bytes(msg)


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_big_mails_are_held_once_a_batch_at_a_time(
    settings: Settings, source: App, clock: FakeClock, request: pytest.FixtureRequest, kind: str
) -> None:
    if not str(settings.database.url).startswith("sqlite"):
        pytest.skip("one source is enough: what is measured is the copy's own memory")
    target: Engine = request.getfixturevalue(
        {"sqlite": "sqlite_target", "postgres": "pg_target"}[kind]
    )
    raws = [big_mail(n, 6 * 2**20) for n in range(4)]
    for raw in raws:
        deliver(source, raw)
    largest = max(len(r) for r in raws)
    del raws
    tracemalloc.start()
    try:
        copy_database(source.engine, target, clock)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count(target, InboxRaw) == 4
    # one mail's bytes and the rest of a small batch: not the four mails, nor one twice
    assert peak < 1.5 * largest, (peak, largest)


def test_the_command_speaks_japanese(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    config = write_config(tmp_path)
    (tmp_path / "a.eml").write_bytes(mail("VPN"))
    assert run(config, "ingest", str(tmp_path / "a.eml"), capsys=capsys).code == 0
    done = run(config, "db", "copy", f"sqlite:///{tmp_path}/moved.db", capsys=capsys)
    assert done.code == 0, done
    assert "時点" in done.out and "tickets" in done.out
    again = run(config, "db", "copy", f"sqlite:///{tmp_path}/moved.db", capsys=capsys)
    assert again.code == 73 and "空" in again.err


@pytest.fixture
def pg_source(clock: FakeClock, tmp_path: Path) -> Iterator[App]:
    if not postgres_reachable():
        pytest.skip("PostgreSQL not reachable")
    with pg_schema() as url:
        settings = Settings(
            source="<test>",
            gateway=GatewaySettings(secret=SECRET, data_dir=tmp_path / "var"),
            database=DatabaseSettings(url=url),
            catalog=CatalogSettings(path=PLAIN_CATALOG),
        )
        app = build(settings, clock)
        yield app
        app.close()


@pytest.mark.postgres
@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_the_source_is_let_go_before_the_search_index_is_built(
    pg_source: App, clock: FakeClock, request: pytest.FixtureRequest, kind: str
) -> None:
    """Building the search index over a big database takes minutes, and PostgreSQL ends
    a transaction left idle five minutes (store.pg_connect): the source's read must be
    over by then, or the copy fails at its very end."""
    target: Engine = request.getfixturevalue(
        {"sqlite": "sqlite_target", "postgres": "pg_target"}[kind]
    )
    deliver(pg_source, mail("VPN down"))
    pids: list[int] = []
    states: list[str] = []
    admin = create_engine(PG_URL, poolclass=NullPool)

    def source_pid(conn: Any, record: Any, proxy: Any) -> None:
        pids.append(conn.info.backend_pid)

    def index_built(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "message_search" in statement or "ix_messages_search_trgm" in statement:
            with admin.connect() as other:
                states.extend(
                    other.execute(
                        text("SELECT state FROM pg_stat_activity WHERE pid = ANY(:p)"),
                        {"p": pids},
                    ).scalars()
                )

    event.listen(pg_source.engine, "checkout", source_pid)
    event.listen(target, "before_cursor_execute", index_built)
    try:
        copy_database(pg_source.engine, target, clock)
    finally:
        event.remove(pg_source.engine, "checkout", source_pid)
        admin.dispose()
    assert pids and states
    assert not [s for s in states if s.startswith("idle in transaction")], states
