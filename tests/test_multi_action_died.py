"""A catalog action's worker dies on one instance after claiming a run (killed, its
machine gone): the other instance's worker leaves the run alone while the lease runs,
then runs it once, with the same idempotency key; a claim cut before its commit (the
connection ended) is taken by the other at once. Never skipped, never run twice by
two live workers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.errors import TransientError
from gateway.runtime.app import App, build
from store import action_runs
from tests.support.actions import RECORDER, action_app, argv_yaml, drain, recorded, runs, script
from tests.support.databases import postgres_only
from tests.support.mails import mail
from tests.support.pipeline import deliver


@pytest.fixture
def pair(settings: Settings, clock: FakeClock, tmp_path: Path) -> Iterator[tuple[App, App, Path]]:
    log = tmp_path / "runs.jsonl"
    argv = [*script(tmp_path, "record.py", RECORDER), str(log)]
    first = action_app(settings, clock, tmp_path, f"type: command\nargv: {argv_yaml(argv)}\n")
    second = build(first.settings, clock)
    yield first, second, log
    first.close()
    second.close()


def _request(app: App) -> int:
    out = deliver(app, mail(subject="New account", body="User ID: taro\n"))
    assert out.ticket_id
    assert len(runs(app)) == 1
    return out.ticket_id


@postgres_only
def test_a_run_claimed_by_a_worker_that_died_runs_once_after_its_lease(
    pair: tuple[App, App, Path], clock: FakeClock
) -> None:
    first, second, log = pair
    _request(first)
    from gateway.actions.worker import ActionWorker

    dead = ActionWorker(first.settings, first.clock, first.sessions, first.catalog)
    taken = dead.claim()  # … and never heard of again
    assert taken is not None
    assert drain(second) == [] and recorded(log) == []  # the lease is the dead one's
    clock.advance(dead._lease(taken.entry_id) + first.settings.actions.lease_grace)
    for _ in range(3):
        drain(second)
    assert len(recorded(log)) == 1
    [run] = runs(second)
    assert run["state"] == "succeeded", run


@postgres_only
def test_a_claim_cut_before_its_commit_is_run_by_the_other_at_once(
    pair: tuple[App, App, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second, log = pair
    _request(first)
    claim = action_runs.claim_next

    def claim_then_cut(session: Any, *args: Any, **kw: Any) -> Any:
        due = claim(session, *args, **kw)
        pid = session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
        url = first.engine.url.render_as_string(hide_password=False)
        killer = create_engine(url, poolclass=NullPool)
        with killer.connect() as c:
            c.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
            c.commit()
        killer.dispose()
        return due

    monkeypatch.setattr(action_runs, "claim_next", claim_then_cut)
    with pytest.raises(TransientError):
        drain(first)
    monkeypatch.undo()
    assert recorded(log) == []
    drain(second)
    assert len(recorded(log)) == 1
    assert [r["state"] for r in runs(second)] == ["succeeded"]
