"""What a year of outgoing mail costs the database: a sent mail's bytes are kept
``[outbound] keep_sent`` after sending, then emptied, so an answer relayed with a file
to five people stops costing five base64 copies of it; the file itself stays on the
ticket (the member's mail holds it), and nothing that can still be sent loses a byte."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import bindparam, func, select, text
from sqlalchemy.orm import sessionmaker

from gateway.config.load import load_settings
from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.outbound.sender import Sender
from gateway.pipeline.parse.attachment_data import stored_file
from gateway.runtime.app import App, build
from gateway.runtime.cli.main import main
from gateway.scheduling import scheduler
from store import migrate, outbox, ticket_query
from store.db import make_engine, transaction
from store.models import InboxRaw, OutboxRow, UTCDateTime
from tests.support.app import MEMBERS, reply_address
from tests.support.config import members_toml, write_config
from tests.support.mails import mail
from tests.support.pipeline import deliver, show
from tests.support.scheduling import make_app

OPS = "ops@example.test"
WATCHERS = [f"watcher{i}@customer.test" for i in range(1, 5)]
FILE = bytes(range(256)) * 1200  # 300 KB, binary: a byte lost shows
DAY = timedelta(days=1)


def _answer_with_a_file_to_five(app: App) -> int:
    out = deliver(app, mail(subject="VPN down", message_id="<r-1@customer.test>"))
    tid = out.ticket_id
    assert tid is not None
    msg = EmailMessage()
    msg["From"] = f"Ops One <{OPS}>"
    msg["To"] = reply_address(app, tid, OPS)
    msg["Subject"] = f"Re: [#{tid}] VPN down"
    msg["Message-ID"] = "<ops-1@example.test>"
    adds = "".join(f"/cc add {w}\n" for w in WATCHERS)
    msg.set_content(f"{adds}\nThe guide is attached.\n")
    msg.add_attachment(FILE, maintype="application", subtype="pdf", filename="guide.pdf")
    deliver(app, bytes(msg))
    return tid


def _stored(app: App) -> tuple[int, int]:
    """(bytes the outbox keeps, bytes the inbox keeps)."""
    with transaction(app.sessions) as s:
        out = s.scalar(select(func.sum(func.length(OutboxRow.raw))))
        inb = s.scalar(select(func.sum(func.length(InboxRaw.raw))))
    return int(out or 0), int(inb or 0)


def _outgoing_file(app: App, tid: int) -> bytes | None:
    """The relayed file as ``tickets attachment`` saves it from the requester's copy."""
    numbers = [
        n
        for n, (m, a) in enumerate(
            ((m, a) for m in show(app, tid)["messages"] for a in m["attachments"]), start=1
        )
        if m["direction"] == "out" and a["filename"] == "guide.pdf"
    ]
    assert numbers
    with transaction(app.sessions) as s:
        found = ticket_query.numbered_attachment(s, tid, numbers[0])
    assert found is not None
    return stored_file(found.source, found.raw, found.sha256)


def test_a_file_relayed_to_five_costs_one_copy_once_the_mails_are_old(
    team: App, clock: FakeClock
) -> None:
    tid = _answer_with_a_file_to_five(team)
    assert Sender.configured(team.settings.outbound, clock, team.sessions).drain().sent
    sent_bytes, inbox_bytes = _stored(team)
    assert sent_bytes > 5 * len(FILE) * 4 // 3  # five base64 copies while kept
    assert _outgoing_file(team, tid) == FILE

    clock.advance(30 * DAY - timedelta(minutes=1))  # not yet keep_sent (30d) old
    deliver(team, mail(subject="printer", message_id="<r-2@customer.test>"))  # ack pending
    scheduler.tick(team)
    assert _stored(team)[0] >= sent_bytes

    clock.advance(2 * DAY)
    scheduler.tick(team)
    kept, inbox_after = _stored(team)
    assert inbox_after >= inbox_bytes  # the member's mail, and the file in it, stay
    assert kept < len(FILE) // 10  # only the pending acknowledgement's bytes remain
    with transaction(team.sessions) as s:
        rows = list(s.scalars(select(OutboxRow).order_by(OutboxRow.id)))
        for row in rows:
            if row.state == outbox.SENT:
                assert row.raw == b"" and row.raw_dropped_at == clock.now()
                assert row.message_id and row.recipients and row.sent_at is not None
            else:  # not sent yet: every byte stays for the send and any re-send
                assert row.raw.startswith(b"From:") or b"Message-ID:" in row.raw
    # the page and the command line still have the answer's words and its file
    out = [m for m in show(team, tid)["messages"] if m.get("kind") == "ops_reply"]
    assert len(out) == 5 and all("The guide is attached." in m["text"] for m in out)
    assert _outgoing_file(team, tid) == FILE


def test_forever_keeps_every_byte(settings: Settings, clock: FakeClock) -> None:
    kept_settings = replace(
        settings, members=MEMBERS, outbound=replace(settings.outbound, keep_sent=None)
    )
    app = build(kept_settings, clock)
    try:
        _answer_with_a_file_to_five(app)
        assert Sender.configured(app.settings.outbound, clock, app.sessions).drain().sent
        before = _stored(app)[0]
        clock.advance(400 * DAY)
        scheduler.tick(app)
        assert _stored(app)[0] >= before  # (and what the pass queued)
    finally:
        app.close()


def test_a_mail_claimed_but_not_marked_sent_keeps_its_bytes(team: App, clock: FakeClock) -> None:
    """A crash after the relay's 250 and before the mark: the row is still pending, and
    its re-send after the lease is byte for byte, however old it is."""
    deliver(team, mail(subject="VPN down", message_id="<r-1@customer.test>"))
    with transaction(team.sessions) as s:
        due = outbox.claim_due(s, clock.now())[0]
    clock.advance(90 * DAY)
    scheduler.tick(team)
    with transaction(team.sessions) as s:
        [again] = [m for m in outbox.claim_due(s, clock.now()) if m.id == due.id]
    assert again.raw == due.raw and again.message_id == due.message_id


@pytest.mark.fresh_database  # migrates from an older revision
def test_0018_keeps_the_mail_sent_before_it_and_they_are_dropped_once_old(db_url: str) -> None:
    """The upgrade adds a column and an index (no copy of the outbox of a year); the
    mail sent before it is kept until it is ``keep_sent`` old, like any other."""
    engine = make_engine(db_url)
    migrate.upgrade(engine, "0017")
    sent_at = datetime(2026, 1, 5, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO outbox (id, idempotency_key, kind, message_id, envelope_from,"
                " recipients, recipient, raw, state, attempts, created_at, sent_at, last_error)"
                " VALUES (1, 'ack:1', 'acknowledgement', 'm1@x.test', 'support@x.test',"
                " '[\"a@x.test\"]', 'a@x.test', :raw, 'sent', 1, :at, :at, '')"
            ).bindparams(bindparam("at", type_=UTCDateTime())),  # as the models store it
            {"raw": FILE, "at": sent_at},
        )
    assert migrate.ensure_current(engine, sent_at) is True
    sessions = sessionmaker(engine)
    with transaction(sessions) as s:
        assert outbox.drop_sent_raw(s, sent_at, sent_at + DAY) == 0  # not older than that
        assert outbox.drop_sent_raw(s, sent_at + DAY, sent_at + DAY) == 1
    with transaction(sessions) as s:
        row = s.get(OutboxRow, 1)
        assert row is not None and row.raw == b"" and row.message_id == "m1@x.test"
    migrate.downgrade(engine, "0017")
    engine.dispose()


def test_a_site_run_by_cron_drops_them_in_its_sweep(db_url: str, tmp_path: Path) -> None:
    """``ticket-gateway sweep`` (no daemon, cron) drops them too; the real clock reads
    long after this fake one."""
    config = write_config(tmp_path, url=db_url, secret_file=True, extra=members_toml(MEMBERS))
    app = make_app(load_settings(config), FakeClock(datetime(2024, 1, 8, 1, 0, tzinfo=UTC)))
    try:
        tid = _answer_with_a_file_to_five(app)
        assert Sender.configured(app.settings.outbound, app.clock, app.sessions).drain().sent
        assert _stored(app)[0] > 5 * len(FILE)
    finally:
        app.close()
    assert main(["--config", str(config), "sweep"]) == 0
    app = make_app(load_settings(config), FakeClock(datetime(2024, 1, 8, 1, 0, tzinfo=UTC)))
    try:
        assert _stored(app)[0] < len(FILE) // 10
        assert _outgoing_file(app, tid) == FILE
    finally:
        app.close()
