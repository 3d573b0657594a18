"""The leavers' open tickets are looked for by the daemon's first pass only
(gateway.scheduling.left_work): its team is surely the configuration file's then. A
later pass's may be older than the file (a newcomer added, the daemon not restarted,
a ticket given to them from the command line), and would tell the managers a false
story that no claim takes back.

The loop took "the first pass" to be the first that went through whole: when anything
after the leavers' transaction failed in it (the digest, an alert, the retention
erasure; a database blip), every later pass looked for leavers again, with the team of
the start, until one pass went through. The look is spent once its transaction
committed, whatever fails after it.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from gateway.config.settings import ScheduleSettings, Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import build
from gateway.scheduling import left_work, retention, scheduler
from tests.support.app import MEMBERS


def test_a_first_pass_that_fails_after_the_leavers_were_looked_for_does_not_look_again(
    settings: Settings, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    quick = ScheduleSettings(digest="off", sweep_interval=timedelta(milliseconds=50))
    app = build(replace(settings, members=MEMBERS, schedule=quick), clock)
    looks: list[datetime] = []
    real_tell = left_work.tell

    def counted_tell(session: Any, ctx: Any, now: datetime, report: Any) -> None:
        looks.append(now)
        real_tell(session, ctx, now, report)

    failures: list[datetime] = []

    def retention_fails_once(sessions: Any, kept: Settings, now: datetime) -> int:
        if not failures:  # the first pass's last step: a bug, or the database gone
            failures.append(now)
            raise RuntimeError("the erasure failed")
        return 0

    monkeypatch.setattr(left_work, "tell", counted_tell)  # the module scheduler calls
    monkeypatch.setattr(retention, "drop_closed", retention_fails_once)
    stop, passes = threading.Event(), [0]

    def before_pass() -> bool:  # the loop asks it before each pass: three passes
        passes[0] += 1
        if passes[0] >= 3:
            stop.set()
        return False

    worker = threading.Thread(
        target=scheduler.loop, args=(app, stop), kwargs={"moved": before_pass}
    )
    try:
        worker.start()
        worker.join(timeout=60)
        assert not worker.is_alive()
    finally:
        app.close()
    assert len(failures) == 1 and passes[0] >= 3
    assert len(looks) == 1, looks  # the first pass's look only
