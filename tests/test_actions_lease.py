"""A claimed run's lease covers the longest its attempt can take, by construction.

A command action past its timeout gets SIGTERM, SIGKILL after ``KILL_GRACE``, and then
one ``SETTLE_GRACE`` for it to be reaped and its pipes read; the lease was the timeout
+ ``KILL_GRACE`` + ``lease_grace``, so with a short ``lease_grace`` another worker could
claim the run while the first still ran it. The numbers are read from the code here
(the phases :func:`gateway.actions.command.run_command` waits through), never repeated,
and the lease is seen as the store keeps it: on the injected clock, the run is not due
again a second before it runs out, and is due once it has.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from gateway.actions import command
from gateway.actions.outcome import Step
from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from tests.support.actions import RECORDER, action_app, argv_yaml, drain, script, worker
from tests.support.mails import mail
from tests.support.pipeline import deliver

TIMEOUT = timedelta(seconds=10)
SECOND = timedelta(seconds=1)


def test_the_phases_after_the_timeout_make_the_overrun() -> None:
    """Everything run_command may wait through past its timeout, phase by phase."""
    phases = {
        "SIGTERM, then SIGKILL after this grace": command.KILL_GRACE,
        "reaped and its pipes read, one grace in all": command.SETTLE_GRACE,
    }
    assert all(seconds > 0 for seconds in phases.values())
    assert sum(phases.values()) == command.OVERRUN


def test_the_lease_lasts_the_timeout_the_overrun_and_the_grace(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    log = tmp_path / "runs.jsonl"
    argv = [*script(tmp_path, "record.py", RECORDER), str(log)]
    action = f"type: command\nargv: {argv_yaml(argv)}\ntimeout: 10s\nretries: 0"
    app = action_app(settings, clock, tmp_path, action)
    worst = TIMEOUT + timedelta(seconds=command.KILL_GRACE + command.SETTLE_GRACE)
    lease = worst + app.settings.actions.lease_grace
    try:
        deliver(app, mail(subject="account", body="User ID: taro\n"))
        assert worker(app).claim() is not None  # this worker runs it (or dies)
        clock.advance(lease - SECOND)
        assert drain(app) == []  # still its: nobody else runs it beside it
        clock.advance(SECOND)
        [again] = drain(app)
        assert (again.step, again.attempt) == (Step.SUCCEEDED, 2)
    finally:
        app.close()
