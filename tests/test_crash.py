"""Nothing lost when the daemon dies mid-burst: SIGKILL while 200 messages arrive
over SMTP, then a restart; and SIGTERM during a burst exits 0 with nothing half
written. The real console script in a subprocess on SQLite, clients in threads.

Every message that got ``250`` must be in the inbox exactly once (the commit
comes before the answer); senders whose session was cut retry, as MTAs do,
and still nothing is stored twice (the content hash); and every mail the
processing queued is in the outbound maildir after the restart.
"""

from __future__ import annotations

import signal
import smtplib
import sqlite3
import subprocess
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from email import message_from_bytes
from pathlib import Path

from gateway.runtime import daemon
from tests.support.config import SECRET_ENV, write_config
from tests.support.daemon import clean_env, console_script, wait_for_port
from tests.support.mails import mail
from tests.support.ports import free_port
from tests.support.waiting import PATIENCE, eventually

MESSAGES, CLIENTS = 200, 8
NOW = datetime.now(UTC)  # the daemon runs on the real clock


def _raw(n: int) -> bytes:
    return mail(
        subject=f"burst {n}",
        message_id=f"<burst-{n}@c.test>",
        sender=f"s{n}@customer.test",
        date=NOW,
    )


class Burst:
    """CLIENTS threads delivering MESSAGES; ``acked`` holds what got 250."""

    def __init__(self, port: int, numbers: list[int], on_ack: Callable[[int], None]) -> None:
        self.port, self.on_ack = port, on_ack
        self.acked: set[int] = set()
        self._lock = threading.Lock()
        chunks = [numbers[i::CLIENTS] for i in range(CLIENTS)]
        self.threads = [threading.Thread(target=self._client, args=(c,)) for c in chunks]

    def run(self) -> set[int]:
        for t in self.threads:
            t.start()
        for t in self.threads:
            t.join(60)
        return self.acked

    def _client(self, numbers: list[int]) -> None:
        client: smtplib.SMTP | None = None
        for n in numbers:
            try:
                if client is None:
                    client = smtplib.SMTP("127.0.0.1", self.port, timeout=10)
                client.sendmail(f"s{n}@customer.test", ["support@example.test"], _raw(n))
            except (OSError, smtplib.SMTPException):
                client = None  # cut or refused: this one was not acknowledged
                continue
            with self._lock:
                self.acked.add(n)
                count = len(self.acked)
            self.on_ack(count)
        if client is not None:
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                client.close()


def _start(config: Path, port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [console_script(), "--config", str(config), "run"],
        env=clean_env(**SECRET_ENV),
        stderr=subprocess.DEVNULL,
    )
    wait_for_port(port, proc)
    return proc


def _inbox(db: Path) -> dict[str, int]:
    """Message-ID → how many inbox rows carry it."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT message_id, count(*) FROM inbox GROUP BY message_id")
        return {str(mid): n for mid, n in rows}


def _settled(db: Path) -> bool:
    with sqlite3.connect(db) as conn:
        pending = conn.execute("SELECT count(*) FROM inbox WHERE state = 'pending'").fetchone()
        unsent = conn.execute(  # due now: a row the killed sender had leased waits for
            "SELECT count(*) FROM outbox WHERE state = 'pending' AND "  # its lease to expire
            "(next_attempt_at IS NULL OR next_attempt_at <= datetime('now'))"
        ).fetchone()
    return bool(pending[0] == 0 and unsent[0] == 0)


def _finish_and_check(tmp_path: Path, config: Path, port: int, acked: set[int]) -> None:
    """Restart, let the senders retry what was not acknowledged, and check everything."""
    db = tmp_path / "gateway.db"
    stored = _inbox(db)
    assert all(stored.get(f"burst-{n}@c.test") == 1 for n in acked)  # 250 → stored once
    proc = _start(config, port)
    try:
        Burst(port, [n for n in range(MESSAGES) if n not in acked], lambda _n: None).run()
        assert eventually(lambda: _settled(db), 120, interval=0.1)  # returns once settled
        stored = _inbox(db)
        assert stored == {f"burst-{n}@c.test": 1 for n in range(MESSAGES)}
        with sqlite3.connect(db) as conn:
            tickets = conn.execute("SELECT count(*) FROM tickets").fetchone()[0]
            done = conn.execute("SELECT count(*) FROM inbox WHERE state = 'done'").fetchone()[0]
            queued = {r[0] for r in conn.execute("SELECT message_id FROM outbox")}
            leased = {
                r[0] for r in conn.execute("SELECT message_id FROM outbox WHERE state = 'pending'")
            }
            acks = conn.execute(
                "SELECT count(*) FROM outbox WHERE kind = 'acknowledgement'"
            ).fetchone()[0]
        assert tickets == done == MESSAGES and acks == MESSAGES  # nothing half-written
        folder = tmp_path / "var" / "outbound" / "new"
        sent = {
            str(message_from_bytes(f.read_bytes())["Message-ID"]).strip("<>")
            for f in folder.iterdir()
        }
        # no mail lost from the outbox: sent, or (claimed by the killed sender) still
        # pending and sent when its lease expires, at most store.outbox.LEASE later
        assert queued <= sent | leased and len(leased) <= 20  # one sender batch at most
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(daemon.STOP_BOUND + PATIENCE) == 0
    finally:
        proc.kill()
        proc.wait()


def test_sigkill_during_a_burst_loses_nothing_and_stores_nothing_twice(tmp_path: Path) -> None:
    port = free_port()
    config = write_config(tmp_path, port=port, locale="en")
    proc = _start(config, port)
    try:

        def kill_midway(count: int) -> None:
            if count == MESSAGES // 3 and proc.poll() is None:
                proc.kill()

        acked = Burst(port, list(range(MESSAGES)), kill_midway).run()
        assert proc.wait(PATIENCE) == -signal.SIGKILL
    finally:
        proc.kill()
        proc.wait()
    assert MESSAGES // 3 <= len(acked) < MESSAGES
    _finish_and_check(tmp_path, config, port, acked)


def test_sigterm_during_a_burst_exits_0_with_nothing_half_written(tmp_path: Path) -> None:
    port = free_port()
    config = write_config(tmp_path, port=port, locale="en")
    proc = _start(config, port)
    try:

        def term_midway(count: int) -> None:
            if count == MESSAGES // 3:
                proc.send_signal(signal.SIGTERM)

        acked = Burst(port, list(range(MESSAGES)), term_midway).run()
        assert proc.wait(daemon.STOP_BOUND + PATIENCE) == 0  # a bound, not a hang
    finally:
        proc.kill()
        proc.wait()
    _finish_and_check(tmp_path, config, port, acked)
