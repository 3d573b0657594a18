"""A client that hangs (not dies) inside a transaction on PostgreSQL: its backend keeps
the row locks it took (FOR UPDATE) and the other instances wait on them, for ever unless
the server ends an idle transaction. Every connection the gateway makes sets
``idle_in_transaction_session_timeout`` (read back with SHOW), a URL's own value wins,
the server ends such a transaction and the gateway's next use of it is the database
outage every source already answers (TransientError: 451, exit 75, message left in
place). The lock holders wait outside any transaction, so the cap never ends them."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import Engine, make_url, text

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.errors import TransientError
from gateway.receive.mailbox_lock import exclusive
from gateway.runtime.app import build
from gateway.runtime.reader import open_reader
from store.db import (
    IDLE_IN_TRANSACTION,
    lock_holder_engine,
    make_engine,
    session_factory,
    transaction,
)
from store.row_claims import RowClaims
from tests.support.databases import postgres_only

SHORT = timedelta(milliseconds=300)  # the test's cap: a hang is anything longer


def _with(url: str, options: str = "", **query: str) -> str:
    """``url`` with ``options`` added to its own (the tests' URLs set search_path)."""
    parsed = make_url(url)
    given = " ".join(filter(None, [str(parsed.query.get("options", "")), options]))
    return parsed.update_query_dict({**query, "options": given}).render_as_string(
        hide_password=False
    )


def _ms(shown: str) -> int:
    """A duration as SHOW prints it (``5min``, ``300ms``, ``2s``), in milliseconds."""
    for unit, ms in (("ms", 1), ("min", 60_000), ("s", 1000), ("h", 3_600_000), ("d", 86_400_000)):
        if shown.endswith(unit):
            return int(shown.removesuffix(unit)) * ms
    return int(shown)


def _cap_ms(engine: Engine) -> int:
    with engine.connect() as conn:
        return _ms(conn.execute(text("SHOW idle_in_transaction_session_timeout")).scalar_one())


@postgres_only
def test_every_connection_caps_an_idle_transaction(db_url: str) -> None:
    """The pool's (the inbox writer, the runner, the pages) and a lock holder's."""
    engine = make_engine(db_url)
    try:
        seen = [_cap_ms(engine), _cap_ms(lock_holder_engine(engine))]
    finally:
        engine.dispose()
    assert seen == [IDLE_IN_TRANSACTION // timedelta(milliseconds=1)] * 2


@postgres_only
def test_the_cap_is_past_the_longest_step_of_a_row(db_url: str) -> None:
    """A row's stages may work up to ``[limits] processing_budget`` between two
    statements of its transaction: a budget raised past the default raises the cap."""
    budget = IDLE_IN_TRANSACTION * 2
    engine = make_engine(db_url, longest_step=budget)
    try:
        cap = timedelta(milliseconds=_cap_ms(engine))
    finally:
        engine.dispose()
    assert cap > budget


@postgres_only
def test_a_urls_own_cap_wins_and_ours_stays_for_the_rest(db_url: str) -> None:
    engine = make_engine(_with(db_url, "-c idle_in_transaction_session_timeout=2500"))
    try:
        with engine.connect() as conn:
            cap = conn.execute(text("SHOW idle_in_transaction_session_timeout")).scalar_one()
            idle = int(conn.execute(text("SHOW tcp_keepalives_idle")).scalar_one())
    finally:
        engine.dispose()
    assert _ms(cap) == 2500  # the URL's
    assert 0 < idle <= 60  # the server keepalives are still ours


def _gone(engine: Engine, pid: int) -> bool:
    """Wait (10 s at most) for the server to end backend ``pid``."""
    admin = make_engine(str(engine.url.set(query={})))
    ended = threading.Event()
    try:
        for _ in range(100):
            with admin.connect() as conn:
                alive = conn.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
                ).scalar_one()
            if not alive:
                return True
            ended.wait(0.1)
    finally:
        admin.dispose()
    return False


@postgres_only
def test_a_hung_transaction_is_ended_and_its_next_statement_is_an_outage(db_url: str) -> None:
    """What a source does with the TransientError is its outage handling (SMTP 451,
    ingest exit 75, the IMAP message left in place): tests/test_smtp.py and the rest."""
    cap = SHORT // timedelta(milliseconds=1)
    engine = make_engine(_with(db_url, f"-c idle_in_transaction_session_timeout={cap}"))
    sessions = session_factory(engine)
    try:
        with pytest.raises(TransientError) as raised, transaction(sessions) as s:
            pid = s.execute(text("SELECT pg_backend_pid()")).scalar_one()
            assert _gone(engine, pid)  # hung past the cap: the server ended it
            s.execute(text("SELECT 1"))
        assert "idle-in-transaction timeout" in str(raised.value)
        with transaction(sessions) as s:  # the next unit of work gets a new connection
            assert s.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
    finally:
        engine.dispose()


@contextmanager
def _mailbox_lock_held(engine: Engine) -> Iterator[None]:
    """An IMAP poller's mailbox lock taken, on its own connection, while inside."""
    held, stop = threading.Event(), threading.Event()

    def poll(stopping: threading.Event) -> None:
        held.set()
        stopping.wait()

    serving = threading.Thread(target=exclusive(engine, "acct", poll), args=(stop,))
    serving.start()
    try:
        assert held.wait(10)
        yield
    finally:
        stop.set()
        serving.join(10)


_HOLDERS = text(
    "SELECT a.state, count(l.pid) FROM pg_stat_activity a "
    "JOIN pg_locks l ON l.pid = a.pid AND l.locktype = 'advisory' AND l.granted "
    "WHERE a.application_name = :name GROUP BY a.pid, a.state ORDER BY a.pid"
)


@postgres_only
def test_the_lock_holders_wait_outside_a_transaction_and_keep_their_locks(db_url: str) -> None:
    """A runner's row locks and a poller's mailbox lock live on connections that are idle
    between their statements: outside a transaction, which the cap leaves alone."""
    name = f"tg-idle-{uuid.uuid4().hex[:8]}"
    cap = SHORT // timedelta(milliseconds=1)
    url = _with(db_url, f"-c idle_in_transaction_session_timeout={cap}", application_name=name)
    engine = make_engine(url)
    claims = RowClaims(engine)
    try:
        with _mailbox_lock_held(engine):
            assert claims.take([7, 8], 2) == [7, 8]
            threading.Event().wait(SHORT.total_seconds() * 4)  # well past the cap
            with engine.connect() as conn:
                holders = [tuple(r) for r in conn.execute(_HOLDERS, {"name": name})]
            claims.give_back([7])
            with engine.connect() as conn:
                after = [tuple(r) for r in conn.execute(_HOLDERS, {"name": name})]
    finally:
        claims.close()
        engine.dispose()
    assert sorted(holders) == [("idle", 1), ("idle", 2)]  # the mailbox's; the two rows
    assert sorted(after) == [("idle", 1), ("idle", 1)]  # the row given back, by the same one


@postgres_only
def test_the_gateway_raises_the_cap_with_its_processing_budget(
    settings: Settings, clock: FakeClock
) -> None:
    """The application's engine and a reading command's, as the configuration says."""
    budget = IDLE_IN_TRANSACTION * 3
    longer = replace(settings, limits=replace(settings.limits, processing_budget=budget))
    application = build(longer, clock)
    reader = open_reader(longer, clock)
    try:
        caps = [_cap_ms(application.engine), _cap_ms(reader.engine)]
    finally:
        reader.close()
        application.close()
    assert all(timedelta(milliseconds=cap) > budget for cap in caps), caps
