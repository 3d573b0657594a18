"""The runner wakes the sender after each pass of a drain, not after the last row.

Issue #18's daemon bench showed it: 2 000 mails arrived in three seconds, the runner
drained them for six more, and not one acknowledgement left until the sender's own
poll came round, because the sender was only woken when the whole backlog was done.
Here the runner's second pass waits (a while, then gives up) for the first pass's
acknowledgement to be sent: it is, with the sender's poll far away, only because
the first pass woke it. Real app, real sender (the maildir transport), real database.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import func, select

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runner.rows import RowOutcome
from gateway.runner.runner import Runner
from gateway.runtime.app import App, build
from gateway.runtime.background import workers
from gateway.runtime.nudges import Nudges, Tuning, stop_workers
from store import inbox
from store.db import transaction
from store.models import OutboxRow
from tests.support.mails import mail
from tests.support.waiting import PATIENCE, eventually


@dataclass
class _Watched:
    """The real runner, whose passes after the first wait until some mail was sent."""

    runner: Runner
    sessions: Any
    sent_before_pass: list[int] = field(default_factory=list)

    def process_pending(self, limit: int | None = None) -> list[RowOutcome]:
        passes = len(self.sent_before_pass)
        # a later pass waits (up to PATIENCE) for the first pass's mail to be sent
        deadline = time.monotonic() + (PATIENCE if passes else 0)
        while True:
            sent = self._sent()
            if sent or time.monotonic() >= deadline:
                break
            time.sleep(0.05)
        self.sent_before_pass.append(sent)
        return self.runner.process_pending(limit)

    def _sent(self) -> int:
        with transaction(self.sessions) as s:
            count: int = s.scalar(
                select(func.count()).select_from(OutboxRow).where(OutboxRow.state == "sent")
            )
        return count

    def __getattr__(self, name: str) -> Any:
        return getattr(self.runner, name)


def test_mail_a_pass_queued_is_sent_while_the_rest_is_drained(settings: Settings) -> None:
    built = build(settings, FakeClock())
    try:
        _drain_with_a_patient_runner(built)
    finally:
        built.close()


def _drain_with_a_patient_runner(app: App) -> None:
    with transaction(app.sessions) as s:
        for n in range(6):
            raw = mail(subject=f"Printer {n} jams", sender=f"user{n}@customer.test")
            inbox.accept(s, raw, source="smtp", now=app.clock.now())
    watched = _Watched(app.runner, app.sessions)
    app = replace(app, runner=watched)  # type: ignore[arg-type]
    nudges = Nudges()
    tuning = Tuning(poll_interval=600.0, send_interval=600.0, runner_batch=2)
    found = [w for w in workers(app, nudges, tuning) if w.name in ("runner", "sender")]
    for worker in found:
        worker.start()
    try:
        nudges.inbox.set()
        eventually(lambda: len(watched.sent_before_pass) >= 4, timeout=3 * PATIENCE)
    finally:
        stop_workers(found, nudges, time.monotonic() + 10)
    assert watched.sent_before_pass[0] == 0  # nothing was sent before the first pass
    assert watched.sent_before_pass[1] > 0, "the first pass's mail waited for the drain's end"
