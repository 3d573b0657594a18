"""0030: on SQLite the tickets, inbox rows and action runs of a database made before it
are copied into tables that never give a number twice (AUTOINCREMENT), every row and
reference kept, numbered on after the highest given; and back again on the way down.
(tests/test_numbers_never_given_twice.py shows what it is for; tests/test_migrations.py
that a database upgraded to it and a fresh one say the same.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import text

from store import migrate
from store.db import make_engine


def _next_id(conn: Any, table: str, values: str) -> int:
    """The id SQLite gives a row of ``table`` inserted without one."""
    return int(conn.exec_driver_sql(f"INSERT INTO {table} {values} RETURNING id").scalar())


_TICKET = (
    "(subject, requester, requester_name, state, priority, created_at, updated_at)"
    " VALUES ('u', 'c@x.test', '', 'new', 'normal', '2026-01-02', '2026-01-02')"
)
_INBOX = (
    "(source, source_ref, envelope_to, raw_sha256, size, received_at, state, reason, error,"
    " attempts, bulk, untrusted_peer) VALUES ('smtp', '', '[]', :sha, 1, '2026-01-02',"
    " 'done', '', '', 1, 0, 0)"
)


def test_0030_gives_no_erased_number_again_on_an_existing_sqlite_database(
    tmp_path: Path,
) -> None:
    """An SQLite database from before 0030: its tickets, inbox rows and action runs are
    copied into tables that never give a number twice, every row and reference kept;
    the tickets go on after the legacy ones too (numbers given before 0005), and going
    back to 0029 keeps every row."""
    engine = make_engine(f"sqlite:///{tmp_path}/old.db")
    migrate.upgrade(engine, "0029")
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE installation SET legacy_tickets_upto = 5")
        conn.exec_driver_sql(
            "INSERT INTO tickets (id, subject, requester, requester_name, state, priority,"
            " created_at, updated_at, merged_into_id) VALUES (6, 's', 'a@x.test', '',"
            " 'open', 'normal', '2026-01-01', '2026-01-01', NULL), (7, 't', 'b@x.test', '',"
            " 'closed', 'normal', '2026-01-01', '2026-01-01', 6)"
        )
        conn.exec_driver_sql(
            "INSERT INTO participants (ticket_id, email, role) VALUES (7, 'b@x.test', 'requester')"
        )
        for n in (1, 2):
            conn.execute(text(f"INSERT INTO inbox {_INBOX}"), {"sha": f"{n:064d}"})
            conn.execute(text("INSERT INTO inbox_raw (inbox_id, raw) VALUES (:n, x'00')"), {"n": n})
        conn.exec_driver_sql(
            "INSERT INTO action_runs (id, ticket_id, entry_id, action_type, trigger,"
            " triggered_by, idempotency_key, document, input_sha256, state, attempts,"
            " last_error, output, output_cut, created_at) VALUES (3, 7, 'account', 'command',"
            " 'fields_complete', 'b@x.test', 'k', '', '', 'pending', 0, '', '', 0, '2026-01-01')"
        )
    migrate.upgrade(engine)
    with engine.begin() as conn:
        rows = conn.exec_driver_sql("SELECT id, merged_into_id FROM tickets ORDER BY id").all()
        assert [tuple(r) for r in rows] == [(6, None), (7, 6)]
        assert conn.exec_driver_sql("SELECT ticket_id FROM participants").scalar() == 7
        assert conn.exec_driver_sql("SELECT count(*) FROM inbox_raw").scalar() == 2
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
        # the newest of each erased, as requesters forget and retention erase them
        conn.exec_driver_sql("DELETE FROM action_runs")
        conn.exec_driver_sql("DELETE FROM participants")
        conn.exec_driver_sql("UPDATE tickets SET merged_into_id = NULL")
        conn.exec_driver_sql("DELETE FROM tickets WHERE id = 7")
        conn.exec_driver_sql("DELETE FROM inbox WHERE id = 2")
        assert _next_id(conn, "tickets", _TICKET) == 8
        inbox = text(f"INSERT INTO inbox {_INBOX} RETURNING id")
        assert conn.execute(inbox, {"sha": "3" * 64}).scalar() == 3
        run = _next_id(
            conn,
            "action_runs",
            "(ticket_id, entry_id, action_type, trigger, triggered_by, idempotency_key,"
            " document, input_sha256, state, attempts, last_error, output, output_cut,"
            " created_at) VALUES (6, 'account', 'command', 'fields_complete', 'a@x.test',"
            " 'k2', '', '', 'pending', 0, '', '', 0, '2026-01-02')",
        )
        assert run == 4
        conn.exec_driver_sql("DELETE FROM tickets WHERE id = 8")
    migrate.downgrade(engine, "0029")
    with engine.connect() as conn:
        said = conn.exec_driver_sql("SELECT group_concat(sql) FROM sqlite_master").scalar()
        assert "AUTOINCREMENT" not in said.upper()
        assert [r[0] for r in conn.exec_driver_sql("SELECT id FROM tickets")] == [6]
        assert conn.exec_driver_sql("SELECT count(*) FROM inbox").scalar() == 2
        assert conn.exec_driver_sql("SELECT count(*) FROM action_runs").scalar() == 1
    migrate.upgrade(engine)
    with engine.begin() as conn:  # up again: after the highest id there (the rest is lost)
        assert _next_id(conn, "tickets", _TICKET) == 7
    engine.dispose()


def test_0030_on_a_database_whose_tickets_are_all_legacy_or_none(tmp_path: Path) -> None:
    """No ticket left (every one erased) but numbers given before 0005: the next goes on
    after them; a database that never had a ticket starts at 1."""
    for upto, first in ((4, 5), (0, 1)):
        engine = make_engine(f"sqlite:///{tmp_path}/legacy{upto}.db")
        migrate.upgrade(engine, "0029")
        with engine.begin() as conn:
            conn.execute(text("UPDATE installation SET legacy_tickets_upto = :u"), {"u": upto})
        migrate.upgrade(engine)
        with engine.begin() as conn:
            assert _next_id(conn, "tickets", _TICKET) == first
        engine.dispose()
