"""Shared fixtures: a real database (SQLite always, PostgreSQL when reachable),
a fake clock, settings, an application, TLS material and a private Dovecot.

Plain helpers and constants live in ``tests/support``; this file only holds what
pytest injects by name.

PostgreSQL tests get their own schema on the machine's server (database
``test``), so runs never see each other's rows; set TICKET_GATEWAY_TEST_PG to
point elsewhere or to ``off``.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from gateway.config.settings import CatalogSettings, DatabaseSettings, GatewaySettings, Settings
from gateway.core.clock import FakeClock
from gateway.runtime import entry
from gateway.runtime.app import App, build
from tests.support import chat, pg_leaks
from tests.support.app import MEMBERS, PLAIN_CATALOG, SECRET
from tests.support.corpus import shared_present, skip_reason
from tests.support.dovecot import Certs, Dovecot, make_certs, missing_reason
from tests.support.imap_quirks import QuirkyImap
from tests.support.pg_pool import SchemaPool
from tests.support.slack_fake import FakeSlack
from tests.support.smtp import self_signed

PG_URL = os.environ.get(
    "TICKET_GATEWAY_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)

_pg_ok: bool | None = None


def pytest_configure(config: pytest.Config) -> None:
    pg_leaks.install()  # an unclosed connection's warning names where it was opened
    config.addinivalue_line(
        "markers", "shared_corpus: reads the shared real-world corpus; skipped without it"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Without the shared corpus, skip what needs it and say which test that is."""
    if shared_present():
        return
    for item in items:
        if item.get_closest_marker("shared_corpus"):
            name = getattr(item, "originalname", item.name)
            item.add_marker(pytest.mark.skip(reason=skip_reason(name)))


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


# the handlers a test may change only for its own time: a child process started later
# in the same xdist worker inherits an ignored one (a Ctrl-C test's child once never
# got its KeyboardInterrupt, in full runs only)
GUARDED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@pytest.fixture(autouse=True)
def signals_left_as_found() -> Iterator[None]:
    """A test that leaves a signal's handler changed fails by name (and the handler is
    put back, so the tests after it run as they would alone)."""
    before = {sig: signal.getsignal(sig) for sig in GUARDED_SIGNALS}
    yield
    changed = [sig.name for sig in GUARDED_SIGNALS if signal.getsignal(sig) != before[sig]]
    for sig, handler in before.items():
        signal.signal(sig, handler)
    assert not changed, f"the test left these signals' handlers changed: {changed}"


@pytest.fixture(autouse=True)
def not_started_as_the_command(monkeypatch: pytest.MonkeyPatch) -> None:
    """A test that calls the console script's ``entry.main()`` in its own process marks
    that process as started as the command, and a later test's in-process ``run`` then
    re-executed the test process itself as the lean daemon (``cli/run.py`` ``_lean``): an
    xdist worker gone in the middle of a test. Each test starts unmarked, and is left so."""
    monkeypatch.setattr(entry, "STARTED_AS_COMMAND", False)


@pytest.fixture(autouse=True)
def cli_in_english(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI speaks the language of $LC_ALL/$LC_MESSAGES/$LANG; tests read its lines as a
    script would, under the C locale, which is English whatever [gateway] locale says.
    (tests/test_cli_language.py sets a Japanese locale where it wants one.)"""
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


@pytest.fixture
def no_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No ``*_proxy`` variable inherited from the machine running the suite: the proxy and
    lookup tests name their own (each of their files uses it for every test)."""
    for name in list(os.environ):
        if name.lower().endswith("_proxy"):
            monkeypatch.delenv(name)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new SQLite file (not yet created), or a PostgreSQL schema of the test's own: at
    the newest revision with no rows (reused, see tests/support/pg_pool.py), or with no
    tables at all for a test marked ``fresh_database``."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/gateway.db"
        return
    if not postgres_reachable():
        pytest.skip("PostgreSQL not reachable")
    if request.node.get_closest_marker("fresh_database"):
        with pg_schema() as url:
            yield url
        return
    with _schemas().schema() as url:
        yield url


_pool: SchemaPool | None = None


def _schemas() -> SchemaPool:
    global _pool
    if _pool is None:
        _pool = SchemaPool(PG_URL)
    return _pool


@contextmanager
def pg_schema() -> Iterator[str]:
    """A URL of the test PostgreSQL database in a schema of its own, empty, dropped after."""
    with _schemas().fresh_schema() as url:
        yield url


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(
        source="<test>",
        gateway=GatewaySettings(
            address="support@example.test", secret=SECRET, data_dir=tmp_path / "var"
        ),
        database=DatabaseSettings(url=db_url),
        catalog=CatalogSettings(path=PLAIN_CATALOG),
    )


@pytest.fixture
def twin(settings: Settings, tmp_path: Path) -> Iterator[Settings]:
    """``settings`` on a second database of the same kind, empty: the same mail
    processed two ways is compared (tests/test_process_together.py)."""
    if str(settings.database.url).startswith("sqlite"):
        yield replace(settings, database=DatabaseSettings(url=f"sqlite:///{tmp_path}/twin.db"))
        return
    with pg_schema() as url:
        yield replace(settings, database=DatabaseSettings(url=url))


@pytest.fixture
def app(settings: Settings, clock: FakeClock) -> Iterator[App]:
    application = build(settings, clock)
    yield application
    application.close()


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate and key for localhost, made once per run."""
    return self_signed(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def quirky(tls_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[QuirkyImap]:
    """The tiny IMAP server for what Dovecot cannot be made to do (tests/support/imap_quirks)."""
    monkeypatch.setenv("TG_QUIRKS_PASSWORD", "secret")
    server = QuirkyImap(*tls_files, [])
    yield server
    server.close()


@pytest.fixture(scope="session")
def dovecot_certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    """The CAs and server certificate of the private Dovecot; skips where it cannot run."""
    reason = missing_reason()
    if reason:
        pytest.skip(reason)
    return make_certs(tmp_path_factory.mktemp("certs"))


@pytest.fixture(scope="module")
def dovecot(dovecot_certs: Certs) -> Iterator[Dovecot]:
    """A private Dovecot shared by one test module (tests add their own users)."""
    server = Dovecot(dovecot_certs)
    server.start()
    yield server
    server.destroy()


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    """The local stand-in for Slack's Web API (it cannot run here), knowing the test
    people's Slack accounts; the chat tests point the gateway at it."""
    server = FakeSlack()
    chat.people(server)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def chat_app(settings: Settings, clock: FakeClock, fake: FakeSlack) -> Iterator[App]:
    """The application pointed at the fake Slack, with its Slack side (Bolt) running:
    the gateway of the chat tests (a module that needs another overrides it)."""
    application = build(chat.chat_settings(settings, fake), clock)
    with chat.slack_app(application, fake):
        yield application
    application.close()


@pytest.fixture
def team(settings: Settings, clock: FakeClock) -> Iterator[App]:
    """The application with the test team configured (``tests.support.app.MEMBERS``:
    members, a manager), for the tests of what members and requesters write."""
    app = build(replace(settings, members=MEMBERS), clock)
    yield app
    app.close()
