"""``requesters forget`` beside a running daemon, with ``[outbound] keep_sent =
"forever"``: the sent digests and lists pile up, and the erasure read every one of them
(its bytes, its MIME parsed) inside its write transaction. On SQLite that is the
database's one write lock, held for seconds: the daemon's listener could not commit a
mail, nor its runner file one, until the erasure ended. The lists are now read before
the transaction, in read-only units; in it only the rows to change are written.

Measured by the lock: a second writer (its own connection, as the daemon's are) asks for
the write lock while the erasure is reading the lists, and its wait for the lock is what
is measured, not how long anything took in all. The reading is made to last (the first
list read waits for that writer, up to a few seconds), so a read under the lock shows
as that wait, whatever the machine's speed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from gateway.config.load import load_settings
from gateway.pipeline import erasure_rules
from gateway.runtime.app import build
from store.db import transaction
from store.models import OutboxRow
from tests.support.cli import run
from tests.support.config import write_config
from tests.support.databases import sqlite_only
from tests.support.mails import mail
from tests.support.other_writer import OtherWriter
from tests.support.pipeline import deliver

ALICE = "alice@customer.test"
LISTS = 300  # sent digests the outbox keeps
BOUND = 0.5  # seconds: the longest the other writer may wait for the lock
HELD = 3.0  # seconds the reading is made to last, waiting for the other writer


def _digest(n: int, lines: list[str]) -> bytes:
    msg = EmailMessage()
    msg["From"] = "support@example.test"
    msg["To"] = f"ops{n}@example.test"
    msg["Subject"] = f"Weekly digest {n}"
    msg["Message-ID"] = f"<digest-{n}@example.test>"
    msg.set_content("Your open tickets:\n\n" + "\n".join(lines) + "\n")
    return msg.as_bytes()


@sqlite_only  # PostgreSQL has no database-wide write lock: its writers lock rows
def test_another_writer_is_not_held_while_the_lists_are_read(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_config(
        tmp_path, url=db_url, secret_file=True, extra='[outbound]\nkeep_sent = "forever"\n'
    )
    app = build(load_settings(config))
    sent = datetime.now(UTC) - timedelta(days=2)
    try:
        hers = deliver(app, mail("Zanzibar VPN down", sender=ALICE)).ticket_id
        bobs = deliver(app, mail("Printer jam", sender="bob@customer.test")).ticket_id
        with transaction(app.sessions) as s:
            for n in range(LISTS):
                lines = [f"  [#{bobs}] Printer jam, from bob@customer.test"]
                if n % 10 == 0:
                    lines.append(f"  [#{hers}] Zanzibar VPN down, from {ALICE}")
                s.add(
                    OutboxRow(
                        idempotency_key=f"digest-{n}",
                        ticket_id=None,
                        kind="weekly_digest",
                        message_id=f"digest-{n}@example.test",
                        envelope_from="support@example.test",
                        recipients=[f"ops{n}@example.test"],
                        recipient=f"ops{n}@example.test",
                        raw=_digest(n, lines),
                        state="sent",
                        created_at=sent,
                        sent_at=sent,
                    )
                )
    finally:
        app.close()
    other = OtherWriter(db_url.removeprefix("sqlite:///"), HELD)
    real = erasure_rules.mail_names

    def reading(raw: bytes, *args: Any) -> bool:
        other.during_read()  # the first list read: the other writer asks now
        return real(raw, *args)

    monkeypatch.setattr(erasure_rules, "mail_names", reading)
    try:
        with other.running():
            ran = run(config, "requesters", "forget", ALICE, capsys=capsys)
        assert ran.code == 0, ran.err
        assert len(other.waited) == 1 and other.waited[0] < BOUND, other.waited
        assert other.wrote() == 1
    finally:
        other.close()
    app = build(load_settings(config))
    try:
        with transaction(app.sessions) as s:
            rows = s.execute(select(OutboxRow.idempotency_key, OutboxRow.raw)).all()
    finally:
        app.close()
    digests = {k: bytes(r) for k, r in rows if k.startswith("digest-")}
    assert len(digests) == LISTS
    for key, raw in digests.items():
        named = int(key.removeprefix("digest-")) % 10 == 0
        assert (raw == b"") == named, key  # hers dropped, the others' kept


def test_a_list_sent_after_the_lists_were_read_is_read_in_the_erasure(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between the read of the lists and the erasure's transaction, the daemon's sender
    marks a digest sent that lists her, and her new request is filed and listed: both
    are read in the transaction (the lists sent since the read began), and dropped."""
    from gateway.tickets import erasure_lists

    config = write_config(
        tmp_path, url=db_url, secret_file=True, extra='[outbound]\nkeep_sent = "forever"\n'
    )
    app = build(load_settings(config))
    try:
        hers = deliver(app, mail("Zanzibar VPN down", sender=ALICE)).ticket_id
        real = erasure_lists.scan

        def then_the_daemon_sends(*args: Any) -> Any:
            found = real(*args)
            late = deliver(app, mail("Zanzibar again", sender=ALICE, message_id="<z2@c.test>"))
            now = datetime.now(UTC)
            with transaction(app.sessions) as s:
                for n, tid in ((1, hers), (2, late.ticket_id)):
                    s.add(
                        OutboxRow(
                            idempotency_key=f"late-{n}",
                            kind="weekly_digest",
                            message_id=f"late-{n}@example.test",
                            envelope_from="support@example.test",
                            recipients=["ops@example.test"],
                            recipient="ops@example.test",
                            raw=_digest(n, [f"  [#{tid}] Zanzibar, from a customer"]),
                            state="sent",
                            created_at=now,
                            sent_at=now,
                        )
                    )
            return found

        monkeypatch.setattr(erasure_lists, "scan", then_the_daemon_sends)
        ran = run(config, "requesters", "forget", ALICE, capsys=capsys)
        assert ran.code == 0, ran.err
        with transaction(app.sessions) as s:
            stmt = select(OutboxRow.idempotency_key, OutboxRow.raw)
            late_rows = {k: bytes(r) for k, r in s.execute(stmt) if k.startswith("late-")}
        assert late_rows == {"late-1": b"", "late-2": b""}
    finally:
        app.close()
