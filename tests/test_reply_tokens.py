"""Reply addresses are bound to the database that issued them (issue #13).

The HMAC of a reply token covers a random id made with the database
(``installation``, migration 0005), so moving from SQLite to PostgreSQL with the
same secret — where ticket numbers start again at 1 — cannot turn an old address
into a key to somebody else's ticket. A database upgraded from before the id keeps
its existing tickets' addresses working.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import text

from gateway.config.settings import DatabaseSettings, Settings
from gateway.core import tokens
from gateway.core.clock import FakeClock
from gateway.runtime.app import build
from store import migrate
from store.db import make_engine, transaction
from store.installation import reply_keys
from store.models import OutboxRow
from tests.support.app import SECRET, reply_address
from tests.support.databases import postgres_only, sqlite_only
from tests.support.mails import mail
from tests.support.pipeline import deliver, header_of, outbox, show


def _reply_to(row: OutboxRow) -> str:
    return header_of(row, "Reply-To").split("<")[-1].rstrip(">")


@postgres_only
def test_an_address_issued_under_sqlite_does_not_verify_after_the_move_to_postgres(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    lite = build(
        replace(settings, database=DatabaseSettings(f"sqlite:///{tmp_path}/old.db")), clock
    )
    try:
        deliver(lite, mail(subject="VPN", sender="Alice <alice@customer.test>"))
        [ack] = outbox(lite, "acknowledgement")
        old_address = _reply_to(ack)
        assert old_address.startswith("support+1-")
    finally:
        lite.close()

    pg = build(settings, clock)  # PostgreSQL, the same secret, ticket numbers from 1 again
    try:
        deliver(pg, mail(subject="Printer", sender="Bob <bob@other.test>"))
        assert show(pg, 1)["requester"] == "bob@other.test"
        with transaction(pg.sessions) as s:
            keys = reply_keys(s, SECRET)
        token = tokens.parse_reply_address(old_address, "support@example.test")
        assert token is not None
        assert tokens.token_issued_to(keys, token, ["alice@customer.test"]) is None
        # Alice answers the old address with /close: it is not Bob's ticket #1
        out = deliver(
            pg,
            mail(
                subject="Re: [#1] VPN",
                body="/close\n",
                sender="alice@customer.test",
                to=old_address,
            ),
        )
        assert out.ticket_id != 1
        assert show(pg, 1)["state"] == "new"
        # what PostgreSQL issues works there
        mine = reply_address(pg, 1, "bob@other.test")
        out = deliver(pg, mail(subject="x", body="more\n", sender="bob@other.test", to=mine))
        assert out.ticket_id == 1 and "token" in out.reason
    finally:
        pg.close()


@pytest.mark.parametrize("db_url", ["sqlite", "postgres"], indirect=True)
def test_each_database_has_its_own_id(settings: Settings, clock: FakeClock) -> None:
    ids = set()
    for _ in range(2):
        app = build(settings, clock)
        with transaction(app.sessions) as s:
            ids.add(reply_keys(s, SECRET).current)
        app.close()
    assert len(ids) == 1  # the same database keeps its id across starts


@sqlite_only
def test_an_upgraded_database_keeps_its_old_tickets_addresses(
    settings: Settings, clock: FakeClock
) -> None:
    engine = make_engine(settings.database.url)
    migrate.upgrade(engine, "0004")
    with engine.begin() as conn:  # a ticket answered before the id existed
        conn.execute(
            text(
                "INSERT INTO tickets (id, subject, requester, requester_name, state, created_at,"
                " updated_at) VALUES (7, 'old', 'alice@customer.test', '', 'open',"
                " '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO participants (ticket_id, email, role)"
                " VALUES (7, 'alice@customer.test', 'requester')"
            )
        )
    engine.dispose()
    app = build(settings, clock)  # migrates to 0005
    try:
        unbound = tokens.ReplyKeys(SECRET)  # how 0004 made addresses: the bare secret
        old = tokens.reply_address("support@example.test", unbound, 7, "alice@customer.test")
        out = deliver(app, mail(subject="x", body="still broken\n", to=old))
        assert out.ticket_id == 7 and "token" in out.reason
        new_id = deliver(app, mail(subject="New one", sender="bob@other.test")).ticket_id
        assert new_id is not None and new_id > 7
        stale = tokens.reply_address("support@example.test", unbound, new_id, "bob@other.test")
        out = deliver(app, mail(subject="y", body="z\n", sender="bob@other.test", to=stale))
        assert out.ticket_id != new_id  # a new ticket's address is bound to the database
        bound = reply_address(app, new_id, "bob@other.test")
        assert bound != stale
    finally:
        app.close()
