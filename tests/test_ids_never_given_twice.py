"""Every number that leaves the database is never given to another row, on SQLite as on
PostgreSQL (tests/test_numbers_never_given_twice.py has the tickets, inbox rows and
action runs; this file the rest).

SQLite numbers a table's new row after the highest id still there, so once the newest
rows were erased (``requesters forget``, ``[retention] closed_tickets``) the next rows
got their numbers: a file's download link (``/tickets/N/attachments/ID``) served a
later file, the board's one-minute cache key (the highest event and message ids)
named an older board that still showed the erased ticket, a ticket page's "changed
since you looked" check (events after the one it was drawn with) missed a colleague's
change, and an outbox row's number (log lines, ``status --json``, the claim that its
bounce was told) named another mail.
"""

from __future__ import annotations

import re
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.model import TicketState
from gateway.runtime.app import App
from gateway.tickets import erasure
from gateway.tickets.changes import assign, change_state
from gateway.web.ticket_conflict import UNDOES
from store import seen, ticket_query
from store.db import transaction
from store.models import AttachmentRow, Message, OutboxRow, Ticket, TicketEvent
from tests.support.app import reply_address
from tests.support.pipeline import deliver
from tests.support.web import rig, sign_in

ALICE, BOB, CAROL = "alice@customer.test", "bob@customer.test", "carol@customer.test"
OPS, COLLEAGUE = "ops@example.test", "ops2@example.test"
NUMBERED = (Message, AttachmentRow, TicketEvent, OutboxRow)


def with_file(
    subject: str, sender: str, data: bytes, *, to: str = "support@example.test", cc: str = ""
) -> bytes:
    """A mail with one file, as a mail client sends it."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    if cc:
        msg["Cc"] = cc
    msg["Message-ID"] = make_msgid(domain="customer.test")
    msg["Date"] = "Sun, 01 Mar 2026 09:00:00 +0000"
    msg.set_content("Please see the file.\n")
    msg.add_attachment(data, maintype="application", subtype="pdf", filename="scan.pdf")
    return bytes(msg)


def _highest(app: App) -> dict[str, int]:
    """The highest id of each numbered table there now."""
    with transaction(app.sessions) as s:
        return {m.__tablename__: s.scalar(select(func.max(m.id))) or 0 for m in NUMBERED}


def _forget(app: App, clock: FakeClock, address: str) -> None:
    """``requesters forget address``, as the CLI runs it."""
    with transaction(app.sessions) as s:
        erasure.forget(s, address, clock.now(), actor="cli:test", key=b"k" * 32)


def test_the_numbers_of_a_forgotten_newest_ticket_s_rows_are_not_given_again(
    settings: Settings, clock: FakeClock
) -> None:
    """Alice's ticket, the newest, with its mails, file, history and outgoing mail, is
    forgotten; Carol's like it is numbered after every row Alice's had, in each table.
    The board looked at before, within the same minute, shows Carol's ticket and not
    Alice's any more (its cache key, the highest event and message ids, is new)."""

    async def board(client: TestClient[Any, Any]) -> str:
        await sign_in(client, r, OPS, lands="/board")
        return await (await client.get("/board")).text()

    with rig(settings, clock) as r:
        deliver(r.app, with_file("Printer jams", BOB, b"bob's scan"))
        deliver(r.app, with_file("VPN down", ALICE, b"alice's scan"))
        given = _highest(r.app)
        with transaction(r.app.sessions) as s:
            board_then = ticket_query.data_version(s)
        assert "VPN down" in r.serve(board)
        _forget(r.app, clock, ALICE)
        deliver(r.app, with_file("Keyboard dead", CAROL, b"carol's scan"))
        now = _highest(r.app)
        assert {t: n for t, n in now.items() if n <= given[t]} == {}, given
        with transaction(r.app.sessions) as s:
            board_now = ticket_query.data_version(s)
        assert board_now[0] > board_then[0] and board_now[1] > board_then[1]
        shown = r.serve(board)
        assert "Keyboard dead" in shown and "VPN down" not in shown


def _page(html: str, ticket_id: int) -> tuple[list[str], int]:
    """A ticket page's download links, and the event its view ends at (its ``seen``)."""
    links = re.findall(rf'href="(/tickets/{ticket_id}/attachments/\d+)"', html)
    view = re.search(r'name="seen" value="(\d+)"', html)
    assert view is not None
    return links, int(view.group(1))


def test_an_erased_file_s_link_never_serves_a_later_file_nor_hides_a_change(
    settings: Settings, clock: FakeClock
) -> None:
    """Bob asks with Alice on Cc; the ticket waits for him; Alice answers on it with a
    file of hers (her answer reopens it). A member's page of the ticket, drawn then,
    links her file. Alice is forgotten: her mail, file and reopening go. Bob sends a new
    file and a colleague takes the ticket: the old link answers 404, never with Bob's
    new file, and the page's "changed since you looked" check sees the colleague's
    change (a press of "Assign to me" would undo it unknowingly)."""
    with rig(settings, clock) as r:
        tid = deliver(r.app, with_file("Printer jams", BOB, b"bob's scan", cc=ALICE)).ticket_id
        assert tid is not None
        with transaction(r.app.sessions) as s:
            ticket = s.get(Ticket, tid)
            assert ticket is not None
            change_state(s, ticket, TicketState.PENDING, clock.now(), actor=OPS, channel="web")
        hers = reply_address(r.app, tid, ALICE)
        answer = with_file("Re: Printer jams", ALICE, b"alice's photo", to=hers)
        deliver(r.app, answer, envelope_to=(hers,))

        async def look(client: TestClient[Any, Any]) -> tuple[list[str], int]:
            await sign_in(client, r, OPS)
            return _page(await (await client.get(f"/tickets/{tid}")).text(), tid)

        (_bobs, alices), view = r.serve(look)
        _forget(r.app, clock, ALICE)
        bobs = reply_address(r.app, tid, BOB)
        again = with_file("Re: Printer jams", BOB, b"bob's new scan", to=bobs)
        deliver(r.app, again, envelope_to=(bobs,))
        with transaction(r.app.sessions) as s:
            ticket = s.get(Ticket, tid)
            assert ticket is not None
            assign(s, ticket, COLLEAGUE, clock.now(), actor=COLLEAGUE, channel="web")

        async def fetch(client: TestClient[Any, Any]) -> tuple[int, bytes]:
            await sign_in(client, r, OPS)
            got = await client.get(alices, allow_redirects=False)
            return got.status, await got.read()

        status, body = r.serve(fetch)
        assert b"bob's new scan" not in body
        assert status == 404
        with transaction(r.app.sessions) as s:
            missed = seen.changed_since(s, tid, view, UNDOES["assign"], OPS)
            assert [(e.kind, e.actor) for e in missed] == [("assign", COLLEAGUE)]
