"""``actions retry`` and a worker's claim at the same moment, on PostgreSQL, where the
command line and the daemon's worker really run side by side: the worker has claimed
the run (it is ``running``, not committed yet) when the operator retries it. The retry
must decide on the run as the claim leaves it (running: refused), not on the ``pending``
it read before: set back to pending, the run would be claimed again and run twice at
once. (SQLite serialises writers at BEGIN, so there the retry waits for the claim.)"""

from __future__ import annotations

import argparse
import threading
from datetime import timedelta
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App
from gateway.runtime.cli.actions import cmd_actions_retry
from gateway.runtime.cli.common import EX_DATAERR
from store import action_runs
from store.db import transaction
from tests.support.actions import action_app, argv_yaml, runs, script
from tests.support.databases import postgres_only
from tests.support.mails import mail
from tests.support.pipeline import deliver, show
from tests.support.waiting import PATIENCE, eventually

ANSWER = """
    import sys
    sys.stdin.read()
    print('{"account": "taro"}')
"""

_BLOCKED_BY = text(
    "SELECT count(*) FROM pg_stat_activity WHERE CAST(:pid AS integer) = ANY(pg_blocking_pids(pid))"
)


def _waits_behind(app: App, holder: Session) -> bool:
    """Whether a backend waits for a lock ``holder``'s transaction holds (looked at in a
    session of its own each time, and only behind ``holder``)."""
    pid = holder.execute(text("SELECT pg_backend_pid()")).scalar_one()
    with app.sessions() as s:
        return bool(s.execute(_BLOCKED_BY, {"pid": pid}).scalar())


@postgres_only
def test_a_retry_while_a_worker_claims_the_run_does_not_queue_it_twice(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    argv = script(tmp_path, "answer.py", ANSWER)
    app = action_app(settings, clock, tmp_path, f"type: command\nargv: {argv_yaml(argv)}\n")
    try:
        ticket_id = deliver(app, mail(subject="account", body="User ID: taro\n")).ticket_id or 0
        [queued] = runs(app)
        assert queued["state"] == "pending"
        answers: list[int] = []
        retry = threading.Thread(
            target=lambda: answers.append(
                cmd_actions_retry(argparse.Namespace(id=queued["id"]), app.settings)
            )
        )
        with transaction(app.sessions) as claim:  # the worker claims it, not committed yet
            claimed = action_runs.claim_next(claim, clock.now(), lambda _: timedelta(minutes=1))
            assert claimed is not None
            retry.start()
            held_up = eventually(lambda: _waits_behind(app, claim) or not retry.is_alive())
            assert held_up
        retry.join(PATIENCE)
        assert answers == [EX_DATAERR]  # running: only a failed or waiting run is retried
        [row] = runs(app)
        assert (row["state"], row["attempts"]) == ("running", 1)
        kinds = [e["kind"] for e in show(app, ticket_id)["events"]]
        assert "action-retry" not in kinds
    finally:
        app.close()
