"""A number a person saw is never given to another row: on SQLite and PostgreSQL alike.

SQLite gave a table's next row the highest id there plus one, so once the newest ticket
was erased (``requesters forget``, ``[retention] closed_tickets``) the next request got
its number: the erased person's reply address for it, its ``[#N]`` tag, an old
``/tickets/N`` link or a ``tickets show N`` in a script then named someone else's
ticket. The same went for the inbox rows (``inbox list``/``inbox retry``) and the
catalog action runs (``actions show``). PostgreSQL's sequences never go back.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from gateway.config.load import load_settings
from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App, build
from gateway.tickets import erasure
from store.db import transaction
from store.models import ActionRun, InboxRow, Message, Ticket
from tests.support.actions import action_app
from tests.support.app import reply_address
from tests.support.cli import run
from tests.support.config import write_config
from tests.support.mails import mail
from tests.support.pipeline import deliver, show

ALICE, BOB, CAROL = "alice@customer.test", "bob@customer.test", "carol@customer.test"
NOW = datetime.now(UTC)


def _highest(app: App) -> tuple[int, int]:
    """The highest ticket and inbox numbers there now."""
    with transaction(app.sessions) as s:
        return (
            s.scalar(select(func.max(Ticket.id))) or 0,
            s.scalar(select(func.max(InboxRow.id))) or 0,
        )


def test_the_number_of_a_forgotten_newest_ticket_is_not_given_again(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Bob's #1, Alice's #2; Alice is forgotten; Carol's request is #3, its mail a new
    inbox number, and Alice's answer to the address she got for #2 lands nowhere near
    Carol's ticket."""
    config = write_config(tmp_path, url=db_url, secret_file=True)
    app = build(load_settings(config), FakeClock(NOW))
    try:
        assert deliver(app, mail("Printer jams", sender=BOB)).ticket_id == 1
        assert deliver(app, mail("VPN down", sender=ALICE)).ticket_id == 2
        hers = reply_address(app, 2, ALICE)  # in the acknowledgement she got
        given = _highest(app)
    finally:
        app.close()
    assert run(config, "requesters", "forget", ALICE, capsys=capsys).code == 0
    app = build(load_settings(config), FakeClock(NOW))
    try:
        assert _highest(app)[0] == 1  # her ticket, and her mail, the newest, went
        carols = deliver(app, mail("Keyboard dead", "It does not type.\n", sender=CAROL))
        assert carols.ticket_id == given[0] + 1
        assert _highest(app)[1] == given[1] + 1
        late = mail("Re: VPN down", "Is there news?\n", sender=ALICE, to=hers)
        answered = deliver(app, late, envelope_to=(hers,))
        assert answered.ticket_id != carols.ticket_id
        on_carols = show(app, carols.ticket_id)["messages"]
        assert [m["from"] for m in on_carols if m["direction"] == "in"] == [CAROL]
        with transaction(app.sessions) as s:
            found = s.scalars(select(Message.ticket_id).where(Message.from_addr == ALICE))
            assert carols.ticket_id not in set(found)
    finally:
        app.close()


def test_the_number_of_a_newest_ticket_erased_by_retention_is_not_given_again(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(
        tmp_path, url=db_url, secret_file=True, extra='[retention]\nclosed_tickets = "730d"\n'
    )
    app = build(load_settings(config), FakeClock(NOW - timedelta(days=800)))
    try:
        assert deliver(app, mail("Printer jams", sender=BOB)).ticket_id == 1
        assert deliver(app, mail("VPN down", sender=ALICE)).ticket_id == 2
        with transaction(app.sessions) as s:
            done = s.get(Ticket, 2)
            assert done is not None
            done.state, done.close_reason = "closed", "resolved"
            done.closed_at = NOW - timedelta(days=731)
    finally:
        app.close()
    ran = run(config, "sweep", capsys=capsys)
    assert ran.code == 0 and "1 closed ticket erased" in ran.out
    app = build(load_settings(config), FakeClock(NOW))
    try:
        assert _highest(app)[0] == 1
        assert deliver(app, mail("Keyboard dead", sender=CAROL)).ticket_id == 3
    finally:
        app.close()


def test_the_number_of_a_forgotten_newest_action_run_is_not_given_again(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    """``actions show N`` (and a note or chat message naming run N) stays the run it was."""
    app = action_app(settings, clock, tmp_path, 'type: command\nargv: ["true"]\n')
    try:
        for who in (BOB, ALICE):
            deliver(app, mail("account please", "User ID: someone\n", sender=who))
        with transaction(app.sessions) as s:
            assert list(s.scalars(select(ActionRun.id).order_by(ActionRun.id))) == [1, 2]
            erasure.forget(s, ALICE, clock.now(), actor="cli:test", key=b"k" * 32)
        deliver(app, mail("account please", "User ID: carol\n", sender=CAROL))
        with transaction(app.sessions) as s:
            assert list(s.scalars(select(ActionRun.id).order_by(ActionRun.id))) == [1, 3]
    finally:
        app.close()
