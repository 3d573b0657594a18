"""``ticket-gateway db copy URL``: a team that outgrew SQLite takes its tickets along.

A database filled through the real pipeline (mails with attachments, a member's answer,
a customer's reply, a merge, a catalog action run, an erasure) is copied into an empty
one, SQLite or PostgreSQL, and compared table by table; then the gateway goes on there:
a reply to an address sent before the move files on its ticket, new tickets are
numbered after the copied ones, and the search finds what it found before. A target
with tables, a source behind the schema, and a row the target refuses leave the target
as it was.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, func, inspect, select, text

from gateway.config.settings import CatalogSettings, DatabaseSettings, GatewaySettings, Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App, build
from gateway.tickets import erasure
from store import search
from store.db import make_engine, transaction
from store.db_copy import copy_database
from store.models import (
    AttachmentRow,
    Base,
    Message,
    OutboxRow,
    Ticket,
    TicketEvent,
    table_of,
)
from store.revision import HEAD
from tests.conftest import pg_schema, postgres_reachable
from tests.support.actions import RECORDER, action_app, argv_yaml, drain, script
from tests.support.app import PLAIN_CATALOG, SECRET, reply_address
from tests.support.cli import run
from tests.support.config import SECRET_ENV, write_config
from tests.support.mails import mail
from tests.support.pipeline import deliver

EX_DATAERR, EX_CANTCREAT, EX_CONFIG = 65, 73, 78
ALICE, BOB = "alice@customer.test", "bob@customer.test"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database to copy into: an SQLite file not made yet, or a new schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/moved/gateway.db"
        return
    if not postgres_reachable():
        pytest.skip("PostgreSQL not reachable")
    with pg_schema() as url:
        yield url


@pytest.fixture
def config(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The CLI's config, on the database ``settings`` names (the source)."""
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    return write_config(tmp_path, url=str(settings.database.url))


def with_file(subject: str, sender: str, filename: str, data: bytes) -> bytes:
    """A request with one attachment, as a mail client sends it."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, "support@example.test", subject
    msg["Message-ID"] = make_msgid(domain="customer.test")
    msg["Date"] = "Sun, 01 Mar 2026 09:00:00 +0000"
    msg.set_content("Please see the file.\nUser ID: taro.yamada\n")
    msg.add_attachment(data, maintype="application", subtype="pdf", filename=filename)
    return bytes(msg)


def member_mail(app: App, ticket_id: int, member: str, body: str) -> bytes:
    to = reply_address(app, ticket_id, member)
    return mail(subject=f"Re: [#{ticket_id}] x", body=body, sender=member, to=to)


def filled(settings: Settings, clock: FakeClock, tmp_path: Path) -> tuple[App, str]:
    """The source gateway with a bit of everything in it, through the real pipeline;
    and a reply address sent to Alice for ticket #1 before the move."""
    argv = [*script(tmp_path, "recorder.py", RECORDER), str(tmp_path / "runs.log")]
    app = action_app(settings, clock, tmp_path, f"type: command\nargv: {argv_yaml(argv)}\n")
    pdf = b"%PDF-1.4 " + bytes(range(256)) * 40
    first = deliver(app, with_file("account for VPN 接続", f"Alice <{ALICE}>", "見積書.pdf", pdf))
    assert first.ticket_id == 1
    drain(app)  # the account entry's action runs (its sheet is complete)
    assert (
        deliver(app, with_file("Printer jams", f"Bob Builder <{BOB}>", "jam.pdf", pdf)).ticket_id
        == 2
    )
    deliver(app, member_mail(app, 1, "ops@example.test", "We are on it.\n"))  # an answer out
    sent = reply_address(app, 1, ALICE)
    deliver(app, mail(subject="thanks", body="Still broken.\n", sender=ALICE, to=sent))
    assert deliver(app, mail("Keyboard dead", sender="carol@customer.test")).ticket_id == 3
    assert deliver(app, mail("Keyboard broken", sender="dave@customer.test")).ticket_id == 4
    # merged into a later ticket: its row refers to one copied after it
    deliver(app, member_mail(app, 3, "ops@example.test", "/merge #4\n"))
    with transaction(app.sessions) as s:  # Bob asked to be forgotten
        erasure.forget(s, BOB, clock.now(), actor="cli:test", key=b"k" * 32)
    clock.advance(timedelta(minutes=1))
    return app, sent


def rows_of(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows in key order, each JSON column with whether it is SQL NULL."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            out = {}
            for table in Base.metadata.sorted_tables:
                flags = [c.is_(None) for c in table.c if isinstance(c.type, JSON)]
                stmt = select(*table.c, *flags).order_by(*table.primary_key.columns)
                out[table.name] = [tuple(r) for r in conn.execute(stmt)]
            out["alembic_version"] = [
                tuple(r) for r in conn.execute(text("SELECT version_num FROM alembic_version"))
            ]
            return out
    finally:
        engine.dispose()


def tables_in(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return sorted(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def test_everything_is_copied_and_the_gateway_goes_on_in_the_new_database(
    settings: Settings,
    clock: FakeClock,
    tmp_path: Path,
    config: Path,
    target: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    app, sent_before = filled(settings, clock, tmp_path)
    app.close()
    before = rows_of(str(settings.database.url))
    assert len(before["tickets"]) == 3 and before["erasures"] and before["action_runs"]
    merged = [c.key for c in table_of(Ticket).c].index("merged_into_id")
    assert [t[merged] for t in before["tickets"]] == [None, 4, None]
    with_password = target.replace("postgres@", "postgres:hunter2@")  # trust: not checked
    done = run(config, "db", "copy", with_password, "--json", capsys=capsys)
    assert done.code == 0, done
    said = json.loads(done.out)
    assert "hunter2" not in done.out + done.err
    assert said["tables"] == {
        name: len(rows) for name, rows in before.items() if name != "alembic_version"
    }
    assert said["revision"] == HEAD
    after = rows_of(target)
    for name, rows in before.items():
        assert after[name] == rows, name  # ids, bytes, times, JSON null and SQL NULL alike
    moved = build(replace(app.settings, database=DatabaseSettings(url=target)), clock)
    try:
        # Alice answers the mail she got before the move: its address still proves it
        reply = mail(subject="one more thing", body="It works now.\n", sender=ALICE, to=sent_before)
        assert deliver(moved, reply).ticket_id == 1
        assert deliver(moved, mail("New printer", sender="erin@customer.test")).ticket_id == 5
        with transaction(moved.sessions) as s:
            assert search.matching_tickets(s, "接続") == [1]
            assert search.matching_tickets(s, "見積書") == [1]  # an attachment's name
            assert search.matching_tickets(s, "dave@") == [4]  # a sender
            assert search.matching_tickets(s, "keyboard") == [4]  # the merged one in it
            assert search.matching_tickets(s, "Builder") == []  # erased stays erased
            assert search.matching_tickets(s, "printer") == [5]
    finally:
        moved.close()


def test_a_target_that_holds_tables_is_refused_and_left_as_it_was(
    settings: Settings,
    clock: FakeClock,
    tmp_path: Path,
    config: Path,
    target: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    deliver_one(settings, clock)
    engine = make_engine(target)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"))
            conn.execute(text("INSERT INTO notes (id, body) VALUES (1, 'mine')"))
    finally:
        engine.dispose()
    secret_url = target.replace("postgres@", "postgres:hunter2@")
    done = run(config, "db", "copy", secret_url, capsys=capsys)
    assert done.code == EX_CANTCREAT, done
    assert "holds notes" in done.err and "nothing was copied" in done.err
    assert "hunter2" not in done.err + done.out
    assert tables_in(target) == ["notes"]


def deliver_one(settings: Settings, clock: FakeClock) -> None:
    app = build(settings, clock)
    try:
        deliver(app, mail("VPN down"))
    finally:
        app.close()


def test_a_source_behind_the_schema_is_refused_saying_db_upgrade(
    settings: Settings,
    clock: FakeClock,
    config: Path,
    target: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from store import migrate

    deliver_one(settings, clock)
    engine = make_engine(str(settings.database.url))
    try:
        migrate.downgrade(engine, "0028")
    finally:
        engine.dispose()
    done = run(config, "db", "copy", target, capsys=capsys)
    assert done.code == EX_CONFIG, done
    assert "db upgrade" in done.err
    assert tables_in(target) == []


# a row SQLite kept that a target refuses, with the table it is in
FLAWS = {
    # a reference to a row that is gone, written while SQLite's foreign keys were off
    "dangling": (
        "INSERT INTO attachments (id, message_id, filename, original_filename, "
        "content_type, size, sha256) VALUES (7, 999, 'x.pdf', '', 'application/pdf', 1, '')",
        "attachments",
    ),
    # a text longer than its column: SQLite never checks a VARCHAR's length
    "too long": (f"UPDATE tickets SET requester = '{'a' * 400}@customer.test'", "tickets"),
}


@pytest.mark.parametrize("flaw", sorted(FLAWS))
def test_a_row_the_target_refuses_rolls_the_whole_copy_back(
    tmp_path: Path,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    target: str,
    flaw: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The rows before the refused one were written in the same transaction, and the
    tables too: all of it is gone, and the copy can be run again once it is fixed."""
    if flaw == "too long" and target.startswith("sqlite"):
        pytest.skip("SQLite takes a text of any length")
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    source = tmp_path / "gateway.db"
    config = write_config(tmp_path, url=f"sqlite:///{source}")
    settings = Settings(
        source="<test>",
        gateway=GatewaySettings(secret=SECRET, data_dir=tmp_path / "var"),
        database=DatabaseSettings(url=f"sqlite:///{source}"),
        catalog=CatalogSettings(path=PLAIN_CATALOG),
    )
    deliver_one(settings, clock)
    statement, table = FLAWS[flaw]
    con = sqlite3.connect(source)
    try:
        con.execute("PRAGMA foreign_keys=OFF")
        con.execute(statement)
        con.commit()
    finally:
        con.close()
    done = run(config, "db", "copy", target, capsys=capsys)
    assert done.code == EX_DATAERR, done
    assert f"refused a row of {table}" in done.err and "nothing was written" in done.err
    assert tables_in(target) == []


def test_a_target_that_cannot_be_reached_is_named_masked_and_retried_later(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    config = write_config(tmp_path)
    (tmp_path / "a.eml").write_bytes(mail("VPN"))
    assert run(config, "ingest", str(tmp_path / "a.eml"), capsys=capsys).code == 0
    done = run(config, "db", "copy", "postgresql://tg:hunter2@127.0.0.1:1/tg", capsys=capsys)
    assert done.code == 75, done
    assert "cannot reach postgresql://tg:…@127.0.0.1:1/tg" in done.err
    assert "hunter2" not in done.err + done.out


@pytest.mark.parametrize("erased", [(BOB,), (BOB, ALICE)], ids=["newest", "all"])
def test_the_number_of_an_erased_newest_ticket_is_not_given_out_again(
    settings: Settings, clock: FakeClock, target: str, erased: tuple[str, ...]
) -> None:
    """Neither database gives a number twice, also after the newest ticket (and its mail,
    the newest inbox row) was erased: SQLite's ``sqlite_sequence``, PostgreSQL's
    sequences. The copy's goes on where the source's stood, whichever way it goes (a
    reply to the erased ticket's address must not find a new ticket of that number),
    also when no ticket is left to copy."""
    app = build(settings, clock)
    try:
        deliver(app, mail("VPN down", sender=ALICE))
        assert deliver(app, mail("Printer jams", sender=BOB)).ticket_id == 2
        with transaction(app.sessions) as s:
            for who in erased:
                erasure.forget(s, who, clock.now(), actor="cli:test", key=b"k" * 32)
    finally:
        app.close()
    source, into = make_engine(str(settings.database.url)), make_engine(target)
    try:
        copy_database(source, into, clock)
    finally:
        source.dispose()
        into.dispose()
    moved = build(replace(settings, database=DatabaseSettings(url=target)), clock)
    try:
        carols = deliver(moved, mail("Keyboard", sender="carol@customer.test"))
        assert (carols.ticket_id, carols.inbox_id) == (3, 3)
    finally:
        moved.close()


def test_no_number_of_a_file_mail_event_or_outbox_row_is_given_again_after_a_copy(
    settings: Settings, clock: FakeClock, target: str
) -> None:
    """The messages, files, events and outbox rows never give a number twice either
    (0031): erased with the newest ticket before the copy, their numbers are not given
    to the rows of the next ticket on the target (a download link, the board's cache
    key, a page's "changed since" would name them)."""
    numbered = (Message, AttachmentRow, TicketEvent, OutboxRow)

    def highest(app: App) -> dict[str, int]:
        with transaction(app.sessions) as s:
            return {m.__tablename__: s.scalar(select(func.max(m.id))) or 0 for m in numbered}

    app = build(settings, clock)
    try:
        deliver(app, with_file("Printer", BOB, "bob.pdf", b"%PDF bob"))
        deliver(app, with_file("VPN", ALICE, "alice.pdf", b"%PDF alice"))
        given = highest(app)
        with transaction(app.sessions) as s:
            erasure.forget(s, ALICE, clock.now(), actor="cli:test", key=b"k" * 32)
    finally:
        app.close()
    source, into = make_engine(str(settings.database.url)), make_engine(target)
    try:
        copy_database(source, into, clock)
    finally:
        source.dispose()
        into.dispose()
    moved = build(replace(settings, database=DatabaseSettings(url=target)), clock)
    try:
        deliver(moved, with_file("Keyboard", "carol@customer.test", "carol.pdf", b"%PDF c"))
        now = highest(moved)
    finally:
        moved.close()
    assert {t: n for t, n in now.items() if n <= given[t]} == {}, given
