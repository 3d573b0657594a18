"""The ingest path's prebuilt lookups answer exactly what SQLAlchemy answers (issue #18).

:mod:`store.fast_query` runs selects and UPDATEs on the driver with the types'
own processors, and :func:`store.tickets.get` loads a ticket with one of them.
Each is checked against Core and the ORM on each database: the same values and
types (aware datetimes, JSON, booleans), the same errors, the same SQL seen by a
statement listener, and a ticket object the ORM cannot tell from one it loaded.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import bindparam, event, inspect, select, update
from sqlalchemy.exc import IntegrityError

from gateway.runtime.app import App
from store import inbox, outbox, ticket_rows, tickets
from store.db import transaction
from store.fast_query import FastQuery, PerLength
from store.models import InboxRow, Ticket, table_of
from tests.support.rows import stored_ticket

TOKYO = timezone(timedelta(hours=9))
INBOX = table_of(InboxRow)
TICKETS = table_of(Ticket)
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=TOKYO)


def _ticket(app: App, subject: str = "VPN 接続できません") -> int:
    with transaction(app.sessions) as s:
        return stored_ticket(s, subject, "ja", NOW).id


def _inbox_row(app: App, bulk: bool) -> int:
    with transaction(app.sessions) as s:
        row = InboxRow(
            source="smtp",
            envelope_from="alice@customer.test",
            envelope_to=["support@example.test", "日本@example.test"],
            raw_sha256=("b" if bulk else "a") * 64,
            size=3,
            received_at=NOW,
            bulk=bulk,
            message_id="<m@customer.test>",
        )
        s.add(row)
        s.flush()
        return row.id


CLAIMLIKE = FastQuery(
    select(
        INBOX.c.id, INBOX.c.envelope_to, INBOX.c.bulk, INBOX.c.received_at, INBOX.c.next_attempt_at
    ).where(INBOX.c.id == bindparam("id"), INBOX.c.state == "pending")
)


@pytest.mark.parametrize("bulk", [False, True])
def test_a_select_answers_what_core_answers_with_the_same_types(app: App, bulk: bool) -> None:
    rid = _inbox_row(app, bulk)
    with transaction(app.sessions) as s:
        fast = CLAIMLIKE.first(s, {"id": rid})
        slow = s.connection().execute(CLAIMLIKE.statement, {"id": rid}).first()
        missing = CLAIMLIKE.first(s, {"id": rid + 1})
    assert fast is not None and slow is not None and missing is None
    assert tuple(fast) == tuple(slow)
    assert fast.envelope_to == ["support@example.test", "日本@example.test"]
    assert fast.bulk is bulk  # a boolean, not SQLite's 0 or 1
    assert fast.received_at == NOW and fast.received_at.tzinfo is not None
    assert fast.next_attempt_at is None
    assert fast._fields == ("id", "envelope_to", "bulk", "received_at", "next_attempt_at")


def test_an_update_with_values_of_its_own_writes_what_core_writes(app: App) -> None:
    """The runner's disposition of a row: the statement's own values (``attempts + 1``,
    the COALESCEs) and a datetime bound through its column's type, on the row it names
    only, as Core writes them."""
    first, second = _inbox_row(app, False), _inbox_row(app, True)
    later = datetime(2026, 3, 2, 2, 0, 30, 500, tzinfo=UTC)
    values = {"state": "done", "reason": "r", "processed_at": later, "ticket": None, "err": None}
    with transaction(app.sessions) as s:
        inbox._DISPOSE.run(s, {"row": first, **values})
        s.connection().execute(inbox._DISPOSE.statement, {"row": second, **values})
        inbox._DISPOSE.run(s, {"row": first, **values})
    with transaction(app.sessions) as s:
        rows = s.execute(
            select(InboxRow.state, InboxRow.attempts, InboxRow.processed_at, InboxRow.ticket_id)
            .where(InboxRow.id.in_([first, second]))
            .order_by(InboxRow.id)
        ).all()
        raw = s.connection().exec_driver_sql("SELECT processed_at FROM inbox ORDER BY id").all()
    assert [tuple(r) for r in rows] == [("done", 2, later, None), ("done", 1, later, None)]
    assert raw[0] == raw[1]  # stored byte for byte as Core stores it


def test_a_union_and_a_count_as_core_gives_them(app: App) -> None:
    tid = _ticket(app)
    with transaction(app.sessions) as s:
        for n, key in enumerate(["ack:1", "ack:2", "notice:1"]):
            kind = key.split(":")[0]
            outbox.enqueue(
                s,
                outbox.NewMail(
                    key, kind, f"o{n}@example.test", "s@example.test", ("Bob@x.test",), b"x", tid
                ),
                NOW,
            )
    with transaction(app.sessions) as s:
        assert outbox.count_recent(s, "bob@x.test", {"ack"}, NOW) == 2
        assert outbox.count_recent(s, "bob@x.test", {"ack", "notice"}, NOW) == 3
        assert outbox.count_recent(s, "bob@x.test", {"notice", "digest"}, NOW) == 1
        assert outbox.count_recent(s, "bob@x.test", set(), NOW) == 0
        assert outbox.count_recent(s, "bob@x.test", {"ack"}, NOW + timedelta(seconds=1)) == 0


def test_a_reply_finds_its_ticket_by_few_or_many_message_ids(app: App) -> None:
    """Up to FAST_ID_LISTS ids run a statement built for that count; more, the
    expanding one; the answer is the same."""
    tid = _ticket(app)
    with transaction(app.sessions) as s:
        outbox.enqueue(
            s,
            outbox.NewMail("ack:1", "ack", "ours@example.test", "s@ex.test", ("a@x",), b"x", tid),
            NOW,
        )
    unknown = [f"u{n}@elsewhere.test" for n in range(tickets.FAST_ID_LISTS + 5)]
    with transaction(app.sessions) as s:
        assert tickets.ticket_for_message_ids(s, ["ours@example.test"]) == tid
        assert tickets.ticket_for_message_ids(s, [*unknown[:3], "ours@example.test"]) == tid
        assert tickets.ticket_for_message_ids(s, [*unknown, "ours@example.test"]) == tid
        assert tickets.ticket_for_message_ids(s, unknown[:2]) is None
        assert tickets.ticket_for_message_ids(s, unknown) is None


def test_statements_whose_sql_depends_on_the_values_are_refused(app: App) -> None:
    expanding = FastQuery(
        select(TICKETS.c.id).where(TICKETS.c.id.in_(bindparam("ids", expanding=True)))
    )
    with pytest.raises(ValueError, match="rendered at execution"), transaction(app.sessions) as s:
        expanding.all(s, {"ids": [1, 2]})


def test_driver_errors_come_as_sqlalchemy_raises_them(app: App) -> None:
    first, second = _inbox_row(app, False), _inbox_row(app, True)
    same_digest = FastQuery(
        update(INBOX).where(INBOX.c.id == bindparam("id")).values(raw_sha256=bindparam("d"))
    )
    with pytest.raises(IntegrityError), transaction(app.sessions) as s:
        same_digest.run(s, {"id": second, "d": "a" * 64})
    with transaction(app.sessions) as s:
        assert CLAIMLIKE.first(s, {"id": first}) is not None  # the rollback left it as it was


def test_a_statement_listener_sees_the_sql_that_runs(app: App) -> None:
    """With a listener (the query-plan test asks the database about each lookup) the
    statement goes through SQLAlchemy, the same SQL, the same answer."""
    rid = _inbox_row(app, False)
    with transaction(app.sessions) as s:
        quiet = CLAIMLIKE.first(s, {"id": rid})
        compiled = " ".join(str(CLAIMLIKE.statement.compile(s.get_bind())).split())
    seen: list[str] = []

    def before(conn: Any, cursor: Any, sql: str, *rest: Any) -> None:
        seen.append(" ".join(sql.split()))

    event.listen(app.engine, "before_cursor_execute", before)
    try:
        with transaction(app.sessions) as s:
            heard = CLAIMLIKE.first(s, {"id": rid})
    finally:
        event.remove(app.engine, "before_cursor_execute", before)
    assert heard is not None and quiet is not None and tuple(heard) == tuple(quiet)
    assert compiled in seen


# ---------------------------------------------------------------- tickets.get


def test_a_ticket_read_fast_is_the_ticket_the_orm_loads(app: App) -> None:
    tid = _ticket(app)
    with transaction(app.sessions) as s:
        fast = tickets.get(s, tid)
        assert fast is not None
        columns = {c.key: getattr(fast, c.key) for c in inspect(Ticket).column_attrs}
        state = inspect(fast)
        assert state.persistent and not state.modified and not s.dirty and not s.new
        assert tickets.get(s, tid) is fast  # the session holds it now
        assert tickets.get(s, tid + 100) is None
    with app.sessions() as s:
        loaded = s.get(Ticket, tid)
        assert loaded is not None
        assert columns == {c.key: getattr(loaded, c.key) for c in inspect(Ticket).column_attrs}
    assert columns["created_at"] == NOW and columns["created_at"].tzinfo is not None


def test_a_ticket_read_fast_changes_and_lazy_loads_as_a_loaded_one(app: App) -> None:
    tid = _ticket(app)
    with transaction(app.sessions) as s:
        ticket_rows.add_participant(s, tid, "bob@customer.test", "cc")
    with transaction(app.sessions) as s:
        ticket = tickets.get(s, tid)
        assert ticket is not None
        assert [p.email for p in ticket.participants] == ["bob@customer.test"]
        ticket.assignee = "ops@example.test"  # an ORM change, flushed at commit
        ticket_rows.set_columns(s, ticket, state="open")
    with transaction(app.sessions) as s:
        row = s.execute(select(Ticket.assignee, Ticket.state).where(Ticket.id == tid)).one()
    assert tuple(row) == ("ops@example.test", "open")


def test_a_ticket_deleted_or_changed_in_the_session_is_the_orms_answer(app: App) -> None:
    tid = _ticket(app)
    with transaction(app.sessions) as s:
        held = s.get(Ticket, tid)
        assert held is not None
        held.subject = "changed here"
        assert tickets.get(s, tid) is held  # not a second object for the same row
        s.expire(held)
        assert tickets.get(s, tid) is held and held.subject == "VPN 接続できません"
    with app.sessions() as s, s.begin():
        s.delete(s.get(Ticket, tid))
        s.flush()
        assert tickets.get(s, tid) is None
        s.rollback()


def test_a_session_that_flushes_first_finds_a_ticket_added_in_it(app: App) -> None:
    """With autoflush on, ``Session.get`` flushes a pending ticket and finds it; so does
    tickets.get (it asks the ORM)."""
    with app.sessions() as s, s.begin():
        s.autoflush = True
        pending = Ticket(id=4242, requester="a@x.test", created_at=NOW, updated_at=NOW)
        s.add(pending)
        assert tickets.get(s, 4242) is pending
        s.rollback()


def test_a_rolled_back_transaction_leaves_a_fast_read_ticket_to_be_read_again(app: App) -> None:
    tid = _ticket(app)
    with app.sessions() as s:
        with s.begin():
            ticket = tickets.get(s, tid)
            assert ticket is not None
            ticket_rows.set_columns(s, ticket, subject="rolled back")
            s.rollback()
        with s.begin():
            assert tickets.get(s, tid) is ticket
            assert ticket.subject == "VPN 接続できません"  # expired by the rollback, read again


def test_a_savepoint_begun_after_the_first_statement_still_takes_its_changes_back(
    app: App,
) -> None:
    """store.db.core keeps the session's connection while its transaction lasts; a
    savepoint begun meanwhile must still be emitted, or rolling it back would leave
    the change in the outer transaction."""
    rid = _inbox_row(app, False)
    stamp = FastQuery(update(INBOX).where(INBOX.c.id == bindparam("id")).values(reason="x"))
    with transaction(app.sessions) as s:
        assert CLAIMLIKE.first(s, {"id": rid}) is not None  # the connection is held now
        try:
            with s.begin_nested():
                stamp.run(s, {"id": rid})
                raise RuntimeError("the rest of this change failed")
        except RuntimeError:
            pass
        with s.begin_nested():
            assert CLAIMLIKE.first(s, {"id": rid}) is not None
        assert CLAIMLIKE.first(s, {"id": rid}) is not None  # after the release, as before
    with transaction(app.sessions) as s:
        assert s.scalar(select(InboxRow.reason).where(InboxRow.id == rid)) == ""


def test_a_new_ticket_gets_the_defaults_core_gives_and_reads_back_as_stored(app: App) -> None:
    """insert_ticket binds every column once: those not given take their default, and
    the object is the row as stored (the time in UTC, as a load gives it)."""
    with transaction(app.sessions) as s:
        made = ticket_rows.insert_ticket(
            s, requester="alice@customer.test", created_at=NOW, updated_at=NOW
        )
        made_columns = {c.key: getattr(made, c.key) for c in inspect(Ticket).column_attrs}
        assert not s.dirty and not s.new and inspect(made).persistent
    assert made_columns["created_at"].utcoffset() == timedelta(0)  # as a load gives it
    with app.sessions() as s:
        loaded = s.get(Ticket, made.id)
        assert loaded is not None
        assert made_columns == {c.key: getattr(loaded, c.key) for c in inspect(Ticket).column_attrs}
    assert (loaded.subject, loaded.state, loaded.priority, loaded.assignee) == (
        "",
        "new",
        "normal",
        None,
    )
    with pytest.raises(TypeError, match="colour"), transaction(app.sessions) as s:
        ticket_rows.insert_ticket(
            s, requester="a@x.test", created_at=NOW, updated_at=NOW, colour="red"
        )


def test_whether_a_ticket_exists_is_what_get_would_say(app: App) -> None:
    tid = _ticket(app)
    with app.sessions() as s, s.begin():
        assert tickets.exists(s, tid) and not tickets.exists(s, tid + 100)
        assert not s.identity_map  # nothing loaded to answer
        s.delete(tickets.get(s, tid))
        s.flush()
        assert not tickets.exists(s, tid)
        s.rollback()


def test_an_id_that_is_not_an_int_is_the_orms_to_read(app: App) -> None:
    """The ORM turns ``"7"`` into the key of ticket 7; the fast path would make a second
    object for a row the session holds."""
    tid = _ticket(app)
    with transaction(app.sessions) as s:
        held = tickets.get(s, tid)
        assert tickets.get(s, str(tid)) is held  # type: ignore[arg-type]
        assert tickets.exists(s, str(tid))  # type: ignore[arg-type]


def test_a_statement_over_a_list_is_built_once_per_length(app: App) -> None:
    first, second = _ticket(app, "one"), _ticket(app, "two")
    listed = PerLength("id", lambda ids: select(TICKETS.c.subject).where(TICKETS.c.id.in_(ids)))
    both, named = listed.query([first, second])
    assert named == {"id0": first, "id1": second}
    assert listed.query([second, first])[0] is both  # the same length: the same statement
    one, _ = listed.query([second])
    assert one is not both
    with transaction(app.sessions) as s:
        assert sorted(both.scalars(s, named)) == ["one", "two"]
        assert one.scalars(s, {"id0": second}) == ["two"]
