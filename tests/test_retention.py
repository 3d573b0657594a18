"""``[retention] closed_tickets``: a closed ticket kept past the team's policy is erased
whole by the scheduler's pass (and ``sweep``'s), on SQLite and PostgreSQL; an open
ticket, or one closed more recently, stays; each batch leaves an audit row naming no
one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from gateway.config.load import load_settings
from gateway.core.clock import FakeClock
from gateway.core.errors import ConfigError, TransientError
from gateway.runtime.app import build
from store.db import transaction
from store.models import Erasure, InboxRow, Message, Ticket
from tests.support.cli import run
from tests.support.config import write_config
from tests.support.databases import postgres_only
from tests.support.mails import mail
from tests.support.pipeline import deliver

NOW = datetime.now(UTC)


def _config(tmp_path: Path, url: str, value: str = '"730d"') -> Path:
    return write_config(
        tmp_path, url=url, secret_file=True, extra=f"[retention]\nclosed_tickets = {value}\n"
    )


def test_closed_past_the_policy_goes_the_rest_stays(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, db_url)
    app = build(load_settings(config), FakeClock(NOW - timedelta(days=800)))
    try:
        ids = [
            deliver(app, mail(f"Request {n}", sender=f"p{n}@customer.test", date=NOW)).ticket_id
            for n in range(3)
        ]
        old, recent, still_open = ids
        with transaction(app.sessions) as s:
            for tid, closed in (
                (old, NOW - timedelta(days=731)),
                (recent, NOW - timedelta(days=10)),
            ):
                s.execute(
                    update(Ticket)
                    .where(Ticket.id == tid)
                    .values(state="closed", close_reason="resolved", closed_at=closed)
                )
    finally:
        app.close()
    assert run(config, "send", capsys=capsys).code == 0
    maildir = tmp_path / "var" / "outbound" / "new"
    assert len(list(maildir.iterdir())) == 3
    dry = run(config, "sweep", "--dry-run", capsys=capsys)
    assert dry.code == 0 and "1 closed ticket would be erased" in dry.out
    ran = run(config, "sweep", capsys=capsys)
    assert ran.code == 0 and "1 closed ticket erased ([retention])" in ran.out
    app = build(load_settings(config))
    try:
        with transaction(app.sessions) as s:
            assert sorted(s.scalars(select(Ticket.id))) == [recent, still_open]
            assert old not in set(s.scalars(select(Message.ticket_id)))
            assert old not in set(s.scalars(select(InboxRow.ticket_id)))
            [audit] = s.scalars(select(Erasure))
            assert audit.actor == "retention" and audit.subject == ""
            assert audit.counts["tickets"] == 1 and audit.counts["inbox_rows"] == 1
    finally:
        app.close()
    left = [p.read_bytes() for p in maildir.iterdir()]
    assert len(left) == 2 and not any(b"Request 0" in raw for raw in left)
    assert "erased" not in run(config, "sweep", capsys=capsys).out  # nothing more is due


@pytest.mark.parametrize(
    ("value", "problem"),
    [('"12h"', "at least 1d"), ('"soon"', "not a duration"), ("true", "not a duration")],
)
def test_a_policy_that_is_none_is_refused(tmp_path: Path, value: str, problem: str) -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings(_config(tmp_path, f"sqlite:///{tmp_path}/gateway.db", value))
    assert refused.value.key == "retention.closed_tickets" and problem in str(refused.value.message)


def test_a_policy_shorter_than_the_reopen_window_is_refused(tmp_path: Path) -> None:
    """A reply within ``reopen_window`` (14 days unless set) reopens its closed ticket:
    "7d" erased it a week after the close, and the requester's reply in the second week
    found no ticket to reopen, though the check said the reopen window was kept."""
    url = f"sqlite:///{tmp_path}/gateway.db"
    with pytest.raises(ConfigError) as refused:
        load_settings(_config(tmp_path, url, '"7d"'))
    said = str(refused.value.message)
    assert refused.value.key == "retention.closed_tickets"
    assert "14d" in said and "reopen_window" in said, said
    config = _config(tmp_path, url, '"7d"')  # the window made shorter: the period fits
    text = config.read_text().replace("[gateway]\n", '[gateway]\nreopen_window = "3d"\n', 1)
    config.write_text(text)
    assert load_settings(config).retention.closed_tickets == timedelta(days=7)


def test_forever_and_absent_keep_everything(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/gateway.db"
    assert load_settings(_config(tmp_path, url, '"forever"')).retention.closed_tickets is None
    kept = load_settings(_config(tmp_path, url, '"730d"')).retention.closed_tickets
    assert kept == timedelta(days=730)
    assert load_settings(write_config(tmp_path, url=url)).retention.closed_tickets is None


def test_the_daemons_pass_erases_too(db_url: str, tmp_path: Path) -> None:
    """The scheduler's own pass (``tick``), at the clock's now, not only ``sweep``."""
    from gateway.scheduling import scheduler

    clock = FakeClock(NOW)
    app = build(load_settings(_config(tmp_path, db_url, '"30d"')), clock)
    try:
        tid = deliver(app, mail("Old request", date=NOW)).ticket_id
        with transaction(app.sessions) as s:
            s.execute(
                update(Ticket)
                .where(Ticket.id == tid)
                .values(state="closed", close_reason="resolved", closed_at=NOW)
            )
        scheduler.tick(app)
        with transaction(app.sessions) as s:
            assert s.get(Ticket, tid) is not None  # closed today: kept
        clock.advance(timedelta(days=31))
        scheduler.tick(app)
        with transaction(app.sessions) as s:
            assert s.get(Ticket, tid) is None
            assert [e.actor for e in s.scalars(select(Erasure))] == ["retention"]
    finally:
        app.close()


@postgres_only  # SQLite's writer takes its lock at BEGIN: nothing commits in between
def test_a_ticket_reopened_while_the_pass_runs_is_not_erased(db_url: str, tmp_path: Path) -> None:
    """On PostgreSQL the pass read the tickets closed long enough ago, then deleted them
    statements later: a member who reopened one in between (the page's Reopen, a reply
    taking it up) saw it gone, with the words just added. The pass now locks what it
    erases as it reads it (a ticket being changed is left for the next pass), so a
    reopen either commits first and the ticket is not taken, or waits for the erasure."""
    from sqlalchemy.exc import OperationalError

    from gateway.scheduling import retention as retention_pass
    from store import erasure as erasure_query

    clock = FakeClock(NOW)
    app = build(load_settings(_config(tmp_path, db_url, '"30d"')), clock)
    try:
        tid = deliver(app, mail("Old request", date=NOW)).ticket_id
        with transaction(app.sessions) as s:
            s.execute(
                update(Ticket)
                .where(Ticket.id == tid)
                .values(state="closed", close_reason="resolved", closed_at=NOW)
            )
        clock.advance(timedelta(days=31))
        reopened: list[bool] = []
        real = erasure_query.expired

        def member_reopens_meanwhile(session: Any, *args: Any, **kwargs: Any) -> list[int]:
            due = real(session, *args, **kwargs)  # the pass has read the ticket as closed
            if not kwargs.get("to_erase", True):  # its look before the lists are read
                return due
            try:
                with transaction(app.sessions, wait=timedelta(seconds=1)) as other:
                    other.execute(update(Ticket).where(Ticket.id == tid).values(state="open"))
                reopened.append(True)
            except (TransientError, OperationalError):  # waits for the erasure: serialised
                reopened.append(False)
            return due

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(erasure_query, "expired", member_reopens_meanwhile)
            retention_pass.drop_closed(app.sessions, app.settings, clock.now())
        with transaction(app.sessions) as s:
            kept = s.get(Ticket, tid)
            assert reopened == [kept is not None]  # reopened: kept; erased: never reopened
            assert kept is None or kept.state == "open"
    finally:
        app.close()


def test_a_ticket_merged_into_one_still_open_stays(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A merge closes the ticket merged away (its mail moves to the target): closed
    past the policy while the target is still open, it was erased, and its requester's
    next reply to its address, which went to the open target, opened a new ticket. Its
    row is the way to the target: it stays as long as the target (an open ticket is
    never erased)."""
    from tests.support.app import reply_address

    config = _config(tmp_path, db_url)
    app = build(load_settings(config), FakeClock(NOW - timedelta(days=800)))
    try:
        target = deliver(app, mail("Printer jam", sender="bob@customer.test", date=NOW)).ticket_id
        source = deliver(app, mail("Printer 4", sender="carol@customer.test", date=NOW)).ticket_id
        assert target and source
    finally:
        app.close()
    assert run(config, "tickets", "merge", str(source), str(target), capsys=capsys).code == 0
    app = build(load_settings(config))
    try:
        with transaction(app.sessions) as s:
            s.execute(
                update(Ticket)
                .where(Ticket.id == source)
                .values(closed_at=NOW - timedelta(days=731))
            )
    finally:
        app.close()
    run(config, "sweep", capsys=capsys)
    app = build(load_settings(config))
    try:
        with transaction(app.sessions) as s:
            assert sorted(s.scalars(select(Ticket.id))) == sorted([target, source])
        to = reply_address(app, source, "carol@customer.test")
        again = mail("Re: Printer 4", "Still jammed.\n", sender="carol@customer.test", to=to)
        assert deliver(app, again).ticket_id == target
    finally:
        app.close()


def test_a_ticket_merged_into_one_closed_but_kept_stays_with_it(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The target closed after the merge: it is kept for the policy's period from its
    own close, and a reply to it reopens it (reopen_window) or opens a ticket linked to
    it. The ticket merged into it was erased at once (its merge was long past the
    policy), so its requester's reply to its address, which reached the target through
    it, opened a new ticket that knew nothing of either. It stays as long as the target."""
    from tests.support.app import reply_address

    config = _config(tmp_path, db_url)
    app = build(load_settings(config), FakeClock(NOW - timedelta(days=800)))
    try:
        target = deliver(app, mail("Printer jam", sender="bob@customer.test", date=NOW)).ticket_id
        source = deliver(app, mail("Printer 4", sender="carol@customer.test", date=NOW)).ticket_id
        assert target and source
    finally:
        app.close()
    assert run(config, "tickets", "merge", str(source), str(target), capsys=capsys).code == 0
    app = build(load_settings(config))
    try:
        with transaction(app.sessions) as s:
            s.execute(
                update(Ticket)
                .where(Ticket.id == source)
                .values(closed_at=NOW - timedelta(days=731))
            )
            s.execute(  # solved after a long while, closed yesterday
                update(Ticket)
                .where(Ticket.id == target)
                .values(state="closed", close_reason="resolved", closed_at=NOW - timedelta(days=1))
            )
    finally:
        app.close()
    run(config, "sweep", capsys=capsys)
    app = build(load_settings(config))
    try:
        with transaction(app.sessions) as s:
            assert sorted(s.scalars(select(Ticket.id))) == sorted([target, source])
        to = reply_address(app, source, "carol@customer.test")
        again = mail("Re: Printer 4", "Still jammed.\n", sender="carol@customer.test", to=to)
        assert deliver(app, again).ticket_id == target
    finally:
        app.close()
