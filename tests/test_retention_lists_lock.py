"""``[retention]`` beside a running daemon, with ``[outbound] keep_sent = "forever"``:
the pass read every sent list of an erased ticket's lifetime (its bytes, its MIME
parsed) inside its write transaction, a batch of tickets at a time. On SQLite that is
the database's one write lock: a ticket open for months under a team's daily digests
has thousands, and the daemon's listener could not commit a mail, nor its runner file
one, until the batch ended (``requesters forget`` read them outside the lock already).
The lists are now read before each batch's transaction, in read-only units; in it, only
those sent since, and a list read before is dropped only for a ticket still erased.

Measured by the lock, as tests/test_requesters_forget_lock.py measures the erasure's:
a second writer asks for the write lock while the pass reads the lists, and its wait
is what is measured; the reading is made to last until that writer wrote."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from gateway.config.load import load_settings
from gateway.config.retention import RetentionSettings
from gateway.config.settings import Settings
from gateway.runtime.app import App, build
from gateway.scheduling import retention
from gateway.tickets import erasure_lists
from store import erasure as find
from store.db import transaction
from store.models import OutboxRow, Ticket
from tests.support.config import write_config
from tests.support.databases import sqlite_only
from tests.support.mails import mail
from tests.support.other_writer import OtherWriter
from tests.support.pipeline import deliver

LISTS = 180  # daily digests sent while the ticket was open (290 to 111 days ago)
BOUND = 0.5  # seconds: the longest the other writer may wait for the lock
HELD = 3.0  # seconds the reading is made to last, waiting for the other writer
NOW = datetime.now(UTC)


def _digest(n: int, lines: list[str]) -> bytes:
    msg = EmailMessage()
    msg["From"] = "support@example.test"
    msg["To"] = "ops@example.test"
    msg["Subject"] = f"Daily digest {n}"
    msg["Message-ID"] = f"<digest-{n}@example.test>"
    msg.set_content("Your open tickets:\n\n" + "\n".join(lines) + "\n")
    return msg.as_bytes()


def _closed_long_ago(app: App, subject: str, sender: str) -> int:
    """A ticket opened 300 days ago and closed 100 days ago."""
    tid = deliver(app, mail(subject, sender=sender, message_id=f"<{subject}@c.test>")).ticket_id
    assert tid is not None
    with transaction(app.sessions) as s:
        s.execute(
            update(Ticket)
            .where(Ticket.id == tid)
            .values(
                state="closed",
                close_reason="resolved",
                created_at=NOW - timedelta(days=300),
                closed_at=NOW - timedelta(days=100),
            )
        )
    return tid


def _lists(app: App, tickets: list[int]) -> None:
    """A digest a day while they were open, each listing them."""
    with transaction(app.sessions) as s:
        for n in range(LISTS):
            sent = NOW - timedelta(days=290 - n)
            lines = [f"  [#{tid}] a request, from a customer" for tid in tickets]
            s.add(
                OutboxRow(
                    idempotency_key=f"digest-{n}",
                    ticket_id=None,
                    kind="weekly_digest",
                    message_id=f"digest-{n}@example.test",
                    envelope_from="support@example.test",
                    recipients=["ops@example.test"],
                    recipient="ops@example.test",
                    raw=_digest(n, lines),
                    state="sent",
                    created_at=sent,
                    sent_at=sent,
                )
            )


def _kept(settings: Settings) -> Settings:
    return replace(settings, retention=RetentionSettings(closed_tickets=timedelta(days=30)))


def _raw(app: App) -> dict[str, bytes]:
    with transaction(app.sessions) as s:
        rows = s.execute(select(OutboxRow.idempotency_key, OutboxRow.raw)).all()
    return {k: bytes(r) for k, r in rows if k.startswith("digest-")}


@sqlite_only  # PostgreSQL has no database-wide write lock: its writers lock rows
def test_another_writer_is_not_held_while_the_pass_reads_the_lists(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_config(
        tmp_path, url=db_url, secret_file=True, extra='[outbound]\nkeep_sent = "forever"\n'
    )
    settings = _kept(load_settings(config))
    app = build(settings)
    try:
        tid = _closed_long_ago(app, "Zanzibar VPN down", "alice@customer.test")
        _lists(app, [tid])
    finally:
        app.close()
    other = OtherWriter(db_url.removeprefix("sqlite:///"), HELD)
    real = find.raw_of
    read: list[int] = []

    def reading(session: Any, ids: Any) -> Iterator[tuple[int, bytes]]:
        other.during_read()  # the first lists' bytes read: the other writer asks now
        for oid, raw in real(session, ids):
            read.append(oid)
            yield oid, raw

    monkeypatch.setattr(find, "raw_of", reading)
    app = build(settings)
    try:
        with other.running():
            assert retention.drop_closed(app.sessions, settings, NOW) == 1
        assert len(read) >= LISTS  # the lists were read, while the other writer asked
        assert len(other.waited) == 1 and other.waited[0] < BOUND, other.waited
        assert other.wrote() == 1
        raw = _raw(app)
        assert len(raw) == LISTS and all(r == b"" for r in raw.values())  # all named it
    finally:
        other.close()
        app.close()


def test_a_ticket_reopened_after_the_lists_were_read_keeps_them(
    app: App, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between the read of the lists and the pass's transaction, a reply reopens one of
    the two tickets: it is not erased, and the lists that name it alone keep their bytes;
    those naming the other (erased) lose them."""
    settings = _kept(settings)
    one = _closed_long_ago(app, "Zanzibar VPN down", "alice@customer.test")
    two = _closed_long_ago(app, "Printer jam", "bob@customer.test")
    _lists(app, [two])  # digest-0 … name the second only
    with transaction(app.sessions) as s:
        s.add(
            OutboxRow(
                idempotency_key="digest-both",
                kind="weekly_digest",
                message_id="digest-both@example.test",
                envelope_from="support@example.test",
                recipients=["ops@example.test"],
                recipient="ops@example.test",
                raw=_digest(999, [f"  [#{one}] a", f"  [#{two}] b"]),
                state="sent",
                created_at=NOW - timedelta(days=150),
                sent_at=NOW - timedelta(days=150),
            )
        )
    real = erasure_lists.listing

    def then_a_reply_reopens(*args: Any) -> Any:
        found = real(*args)
        with transaction(app.sessions) as s:
            s.execute(update(Ticket).where(Ticket.id == two).values(state="open", closed_at=None))
        return found

    monkeypatch.setattr(erasure_lists, "listing", then_a_reply_reopens)
    assert retention.drop_closed(app.sessions, settings, NOW) == 1
    raw = _raw(app)
    assert raw.pop("digest-both") == b""  # it named the erased one too
    assert all(r != b"" for r in raw.values())  # the reopened one's: kept
