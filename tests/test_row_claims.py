"""Two instances on one PostgreSQL database share the due rows out instead of both
parsing every one (issue #18): each row is parsed once, processed once, and a row
held by an instance that died is taken by the other at once."""

from __future__ import annotations

import gc
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy import text

from gateway.config.settings import DatabaseSettings, Settings
from gateway.core.clock import FakeClock
from gateway.core.model import InboxState, ParsedMessage
from gateway.runner.budget import Deadline, RowParser
from gateway.runtime.app import App, build
from store import inbox
from store.advisory import schema_key
from store.db import transaction
from store.row_claims import ROW_SPACE, RowClaims
from tests.conftest import pg_schema
from tests.support.databases import postgres_only, sqlite_only
from tests.support.mails import mail
from tests.support.waiting import eventually

ROWS = 60


class CountingParser(RowParser):
    """Parses inline as the daemon's child does, counting each row's parses, and slow
    enough (10 ms a row) that the two instances really drain at the same time."""

    def __init__(self, counts: Counter[bytes]) -> None:
        super().__init__(0, isolating=False)
        self.counts = counts
        self.lock = threading.Lock()

    def parse(
        self, raw: bytes, deadline: Deadline | None, ticket: int | None = None
    ) -> ParsedMessage:
        with self.lock:
            self.counts[raw] += 1
        time.sleep(0.01)
        return super().parse(raw, deadline, ticket)


@pytest.fixture
def twins(settings: Settings, clock: FakeClock) -> Iterator[tuple[App, App]]:
    first, second = build(settings, clock), build(settings, clock)
    yield first, second
    first.close()
    second.close()


def _accept(app: App, clock: FakeClock, n: int) -> list[int]:
    with transaction(app.sessions) as s:
        return [
            inbox.accept(
                s,
                mail(f"Printer {i} jams", message_id=f"<claims-{i}@customer.test>"),
                source="test",
                now=clock.now(),
            ).inbox_id
            for i in range(n)
        ]


def _states(app: App) -> Counter[str]:
    with transaction(app.sessions) as s:
        return Counter(str(state) for (state,) in s.execute(text("SELECT state FROM inbox")).all())


@postgres_only
def test_two_instances_parse_each_row_once(twins: tuple[App, App], clock: FakeClock) -> None:
    first, second = twins
    _accept(first, clock, ROWS)
    counts: Counter[bytes] = Counter()
    runners = [replace(a.runner, parser=CountingParser(counts)) for a in twins]
    start = threading.Barrier(2)
    done: list[list[InboxState | None]] = [[], []]

    def drain(k: int) -> None:
        start.wait()
        done[k] = [o.state for o in runners[k].process_pending()]

    threads = [threading.Thread(target=drain, args=(k,)) for k in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert _states(second) == Counter({"done": ROWS})
    assert len(counts) == ROWS
    twice = sum(1 for n in counts.values() if n > 1)
    assert twice == 0, f"{twice} rows parsed by both instances"
    assert sum(len(d) for d in done) == ROWS
    assert all(done), "both instances took a share of the rows"


@postgres_only
def test_rows_of_a_dead_instance_are_taken_at_once(
    twins: tuple[App, App], clock: FakeClock
) -> None:
    first, second = twins
    ids = _accept(first, clock, 5)
    dying = RowClaims(first.engine)
    assert dying.take(ids, 3) == ids[:3]
    other = RowClaims(first.engine)
    try:
        assert other.take(ids, 10) == ids[3:]  # the first three are held
        other.give_back(ids[3:])
        dying.close()  # a stop gives its rows back
        assert other.take(ids, 10) == ids  # … free again, with no wait
        outcomes = second.runner.process_pending()  # held by ``other``: none for the runner
        assert outcomes == []
        other.give_back(ids)
        assert {o.inbox_id for o in second.runner.process_pending()} == set(ids)
    finally:
        other.close()
        dying.close()


@postgres_only
def test_a_lost_claims_connection_takes_every_row(
    twins: tuple[App, App], clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    first, _ = twins
    ids = _accept(first, clock, 4)
    claims = RowClaims(first.engine)
    try:
        assert claims.take(ids, 2) == ids[:2]
        with first.engine.connect() as admin:
            schema = str(admin.scalar(text("SELECT current_schema()")))
            holder = admin.scalar(
                text(
                    "SELECT pid FROM pg_locks WHERE locktype = 'advisory'"
                    " AND classid::bigint = :space AND objid::bigint = :id"
                ),
                {
                    "space": schema_key(schema, ROW_SPACE, bits=32) & 0xFFFFFFFF,
                    "id": ids[0],
                },  # an oid: unsigned
            )
            assert holder is not None
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": holder})
            admin.commit()
            gone = text("SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = :pid")

            def ended() -> object:
                """Each look in a transaction of its own: PostgreSQL keeps one snapshot of
                the activity view per transaction, so a backend seen still there at the
                first look stayed there however long the test waited."""
                try:
                    return admin.scalar(gone, {"pid": holder})
                finally:
                    admin.rollback()

            assert eventually(ended)
        # the locks went with the connection; the next take says so and takes the rows
        # (another instance may parse some twice, none is left waiting) on a new one
        assert claims.take(ids, 4) == ids
        assert "cannot share the rows out" in caplog.text
        claims.give_back(ids)  # (nothing to give: no connection holds them)
        assert claims.take(ids, 4) == ids  # on a new connection
        other = RowClaims(first.engine)
        assert other.take(ids, 4) == []  # held again
        other.close()
    finally:
        claims.close()


@postgres_only
def test_closed_claims_take_nothing_and_leave_no_connection_open(
    twins: tuple[App, App], clock: FakeClock
) -> None:
    """A drain that comes after the runner closed (a thread whose join timed out at a
    stop) took its rows on a new connection that nothing closed: the rows stayed held
    from the other instances until the process ended, and the connection, left for the
    garbage collector, failed a CI run with psycopg's "deleted while still open"."""
    first, _ = twins
    ids = _accept(first, clock, 2)
    claims = RowClaims(first.engine)
    assert claims.take(ids, 1) == ids[:1]
    claims.close()
    assert claims.take(ids, 2) == []  # stopping: the rows are the other instances'
    claims.give_back(ids)
    del claims
    gc.collect()  # a connection left open says so here (an unraisable warning: an error)
    other = RowClaims(first.engine)
    try:
        assert other.take(ids, 2) == ids  # none held by the closed one
    finally:
        other.close()


@sqlite_only
def test_sqlite_takes_every_row_it_asks_for(app: App, clock: FakeClock) -> None:
    ids = _accept(app, clock, 3)
    claims = RowClaims(app.engine)
    assert not claims.shared and claims.wanted(50) == 50
    assert claims.take(ids, 2) == ids[:2]
    assert claims.take(ids, 2) == ids[:2]  # nothing is held on SQLite
    assert app.runner.claims is None
    assert {o.inbox_id for o in app.runner.process_pending()} == set(ids)


@postgres_only
def test_two_schemas_of_one_database_hold_rows_of_their_own(
    twins: tuple[App, App], clock: FakeClock
) -> None:
    """Advisory locks are the database's: the same row ids in another schema (another
    team's gateway, or the tests' own schemas) are not held by this one's."""
    first, _ = twins
    ids = _accept(first, clock, 3)
    with pg_schema() as url:
        apart = build(replace(first.settings, database=DatabaseSettings(url=url)), clock)
        try:
            _accept(apart, clock, 3)  # the same ids, 1 to 3
            mine = RowClaims(first.engine)
            assert mine.take(ids, 3) == ids
            assert {o.inbox_id for o in apart.runner.process_pending()} == set(ids)
            mine.close()
        finally:
            apart.close()
