"""0031: on SQLite the messages, attachments, ticket events, outbox and chat outbox rows
of a database made before it are copied into tables that never give a number twice
(AUTOINCREMENT), every row, reference and search trigger kept, numbered on after the
highest given (and after the numbers other rows still name); and back again on the way
down. (tests/test_ids_never_given_twice.py shows what it is for; tests/test_migrations.py
that a database upgraded to it and a fresh one say the same.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, text

from store import migrate
from store.db import make_engine, session_factory, transaction
from store.search import matching_tickets

TABLES = ("messages", "attachments", "ticket_events", "outbox", "chat_outbox")
_TICKET = (
    "INSERT INTO tickets (id, subject, requester, requester_name, state, priority,"
    " created_at, updated_at) VALUES (:id, 's', 'a@x.test', '', 'open', 'normal',"
    " '2026-01-01', '2026-01-01')"
)
_OUTBOX = (
    "INSERT INTO outbox (id, idempotency_key, ticket_id, kind, message_id, envelope_from,"
    " recipients, recipient, raw, state, attempts, last_error, created_at) VALUES (:id,"
    " :key, :t, 'ack', :mid, 'support@x.test', '[]', 'a@x.test', x'00', 'sent', 1, '',"
    " '2026-01-01')"
)
_MESSAGE = (
    "INSERT INTO messages (id, ticket_id, outbox_id, direction, message_id, in_reply_to,"
    ' "references", from_addr, from_name, "to", cc, subject, text, new_text, kind, defects,'
    " created_at) VALUES (:id, :t, :o, :dir, :mid, '', '', 'a@x.test', 'Ann', '[]', '[]',"
    " :subject, 'words', 'words', 'request', '[]', '2026-01-01')"
)
_ATTACHMENT = (
    "INSERT INTO attachments (id, message_id, filename, original_filename, content_type,"
    " size, sha256) VALUES (:id, :m, :name, '', 'application/pdf', 1, '')"
)
_EVENT = (
    "INSERT INTO ticket_events (id, ticket_id, at, actor, channel, kind, old, new, detail)"
    " VALUES (:id, :t, '2026-01-01', 'ops@x.test', 'cli', 'state', 'new', 'open', '{}')"
)
_CHAT = (
    "INSERT INTO chat_outbox (id, idempotency_key, ticket_id, target, kind, channel, payload,"
    " state, attempts, last_error, result, created_at) VALUES (:id, :key, :t, 'slack', 'card',"
    " 'C1', '{}', 'sent', 1, '', '', '2026-01-01')"
)


def _next_ids(conn: Connection) -> dict[str, int]:
    """The id SQLite gives a new row of each table (the rows are taken back after)."""
    given: dict[str, int] = {}
    with conn.begin_nested() as trial:
        given["outbox"] = _insert(conn, _OUTBOX, key="probe", t=6, mid="<probe@x>")
        given["messages"] = _insert(
            conn, _MESSAGE, t=6, o=None, dir="in", mid="<m-probe@x>", subject="probe"
        )
        given["attachments"] = _insert(conn, _ATTACHMENT, m=given["messages"], name="p.pdf")
        given["ticket_events"] = _insert(conn, _EVENT, t=6)
        given["chat_outbox"] = _insert(conn, _CHAT, key="probe", t=6)
        trial.rollback()
    return given


def _insert(conn: Connection, sql: str, **values: Any) -> int:
    """A row with no id of its own (NULL): the one SQLite gives it."""
    return int(conn.execute(text(sql + " RETURNING id"), {"id": None, **values}).scalar_one())


def _fill(engine: Engine) -> None:
    """Two tickets; on the newer, a mail in and our answer out, a file, events, a chat
    card; a returned-mail claim naming outbox row 9 and a status mail naming event 12,
    both erased since; then the newest row of each table erased."""
    with engine.begin() as conn:
        for tid in (6, 7):
            conn.execute(text(_TICKET), {"id": tid})
        conn.execute(text(_OUTBOX), {"id": 3, "key": "ack:7", "t": 7, "mid": "<a3@x>"})
        conn.execute(text(_OUTBOX), {"id": 4, "key": "status:7:12", "t": 7, "mid": "<a4@x>"})
        conn.execute(text(_OUTBOX), {"id": 5, "key": "new:7", "t": 7, "mid": "<a5@x>"})
        for mid, out, way, subject in ((1, None, "in", "printer jams"), (2, 3, "out", "re"),
                                       (3, None, "in", "gone")):  # fmt: skip
            values = {"id": mid, "t": 7, "o": out, "dir": way, "mid": f"<m{mid}@x>"}
            conn.execute(text(_MESSAGE), {**values, "subject": subject})
        conn.execute(text(_ATTACHMENT), {"id": 1, "m": 1, "name": "scan.pdf"})
        conn.execute(text(_ATTACHMENT), {"id": 2, "m": 3, "name": "gone.pdf"})
        for eid in (1, 2, 3):
            conn.execute(text(_EVENT), {"id": eid, "t": 7})
        conn.execute(text(_CHAT), {"id": 1, "key": "card:7", "t": 7})
        conn.execute(text(_CHAT), {"id": 2, "key": "card:6", "t": 6})
        conn.exec_driver_sql(
            "INSERT INTO job_runs (job, period, ran_at, ticket_id, detail) VALUES"
            " ('mail-returned', '9', '2026-01-01', 7, '{}')"
        )
        # the newest of each erased, as requesters forget and retention erase them
        conn.exec_driver_sql("DELETE FROM attachments WHERE id = 2")
        conn.exec_driver_sql("DELETE FROM messages WHERE id = 3")
        conn.exec_driver_sql("DELETE FROM ticket_events WHERE id = 3")
        conn.exec_driver_sql("DELETE FROM outbox WHERE id = 5")
        conn.exec_driver_sql("DELETE FROM chat_outbox WHERE id = 2")


def _autoincrement(conn: Connection) -> set[str]:
    said = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
    return {str(r[0]) for r in said if "AUTOINCREMENT" in str(r[1] or "").upper()}


def _found(engine: Engine, query: str) -> list[int] | None:
    with transaction(session_factory(engine)) as s:
        return matching_tickets(s, query)


def test_0031_gives_no_erased_number_again_on_an_existing_sqlite_database(
    tmp_path: Path,
) -> None:
    """An SQLite database from before 0031: the five tables are copied into tables that
    never give a number twice, every row and reference kept, the search index and its
    triggers too; the numbers go on after the highest left, and after the numbers other
    rows still name; going back to 0030 keeps every row and the search."""
    engine = make_engine(f"sqlite:///{tmp_path}/old.db")
    migrate.upgrade(engine, "0030")
    _fill(engine)
    with engine.connect() as conn:
        before = _next_ids(conn)
        triggers = conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
        ).all()
    assert before == {  # SQLite before 0031: the erased numbers again
        "outbox": 5, "messages": 3, "attachments": 2, "ticket_events": 3, "chat_outbox": 2
    }  # fmt: skip
    migrate.upgrade(engine)
    with engine.connect() as conn:
        assert set(TABLES) <= _autoincrement(conn)
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
        assert (
            conn.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
            ).all()
            == triggers
        )
        rows = conn.exec_driver_sql("SELECT id, outbox_id FROM messages ORDER BY id").all()
        assert [tuple(r) for r in rows] == [(1, None), (2, 3)]
        assert conn.exec_driver_sql("SELECT id, message_id FROM attachments").all() == [(1, 1)]
        assert [r[0] for r in conn.exec_driver_sql("SELECT id FROM outbox ORDER BY id")] == [3, 4]
        # the outbox after the claim's 9, the events after the status mail's 12
        assert _next_ids(conn) == {
            "outbox": 10, "messages": 3, "attachments": 2, "ticket_events": 13, "chat_outbox": 2
        }  # fmt: skip
    assert _found(engine, "printer") == [7] and _found(engine, "scan.pdf") == [7]
    with engine.begin() as conn:  # the triggers work: a new mail is found, a gone one not
        _insert(conn, _MESSAGE, t=6, o=None, dir="in", mid="<m9@x>", subject="keyboard dead")
        conn.exec_driver_sql("DELETE FROM attachments")
        conn.exec_driver_sql("DELETE FROM messages WHERE id = 1")
    assert _found(engine, "keyboard") == [6]
    assert _found(engine, "printer") == [] and _found(engine, "scan.pdf") == []
    migrate.downgrade(engine, "0030")
    with engine.connect() as conn:
        assert _autoincrement(conn) == {"tickets", "inbox", "action_runs"}
        assert (
            conn.exec_driver_sql(
                "SELECT name FROM sqlite_sequence WHERE name IN ('messages', 'outbox')"
            ).all()
            == []
        )
        assert [r[0] for r in conn.exec_driver_sql("SELECT id FROM messages ORDER BY id")] == [2, 3]
        assert conn.exec_driver_sql("SELECT count(*) FROM ticket_events").scalar() == 2
        assert conn.exec_driver_sql("SELECT count(*) FROM chat_outbox").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    assert _found(engine, "keyboard") == [6]
    migrate.upgrade(engine)
    with engine.connect() as conn:  # up again: after the highest there (the rest is lost)
        assert _next_ids(conn)["messages"] == 4
    assert _found(engine, "keyboard") == [6]
    engine.dispose()


def test_0031_on_a_database_without_rows_starts_at_one(tmp_path: Path) -> None:
    """A database that never had a mail: every table's first number is 1 after it."""
    engine = make_engine(f"sqlite:///{tmp_path}/empty.db")
    migrate.upgrade(engine, "0030")
    with engine.begin() as conn:
        conn.execute(text(_TICKET), {"id": 6})
    migrate.upgrade(engine)
    with engine.connect() as conn:
        assert set(_next_ids(conn).values()) == {1}
    engine.dispose()
