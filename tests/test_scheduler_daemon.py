"""The scheduler inside ``ticket-gateway run``: a digest missed while the daemon was
down goes out once at start, and a restart does not send it again."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.config.load import load_settings
from gateway.core.clock import FakeClock
from gateway.runtime import daemon
from gateway.scheduling.rules import Job
from store import jobs
from store.db import transaction
from tests.support.app import MEMBERS
from tests.support.config import SECRET_ENV, members_toml, write_config
from tests.support.pipeline import outbox
from tests.support.ports import free_port
from tests.support.scheduling import CATALOG, make_app, open_ticket
from tests.support.waiting import PATIENCE, eventually

MONDAY_10_JST = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def _config(tmp_path: Path) -> Path:
    (tmp_path / "catalog.yaml").write_text(CATALOG, encoding="utf-8")
    return write_config(
        tmp_path,
        port=free_port(),
        extra='[catalog]\npath = "catalog.yaml"\n'
        + members_toml(MEMBERS)
        + '[schedule]\ndigest = "mon 09:00"\n',
    )


def _run_once(config: Path) -> None:
    """Start the daemon on the fake Monday, let the scheduler pass, stop it."""
    ready, stop = threading.Event(), threading.Event()
    settings = load_settings(config)
    thread = threading.Thread(
        target=lambda: daemon.run(settings, FakeClock(MONDAY_10_JST), ready=ready, stop=stop)
    )
    thread.start()
    try:
        assert ready.wait(30)
        app = make_app(settings, FakeClock(MONDAY_10_JST))
        try:

            def digest_ran() -> bool:
                with transaction(app.sessions) as s:
                    return bool(jobs.runs(s, Job.DIGEST))

            # the first pass runs at start; on a loaded machine that may take seconds
            assert eventually(digest_ran), "the scheduler's first pass did not run"
        finally:
            app.close()
    finally:
        stop.set()
        thread.join(daemon.STOP_BOUND + PATIENCE)
    assert not thread.is_alive()


def test_missed_digest_sent_once_at_start_and_not_again_after_restart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    config = _config(tmp_path)
    seed = make_app(load_settings(config), FakeClock(datetime(2026, 2, 27, tzinfo=UTC)))
    try:
        open_ticket(seed, "Purchase: a projector", key="d-1")
    finally:
        seed.close()
    _run_once(config)  # Monday 10:00 JST: the 09:00 digest was missed while down
    _run_once(config)  # a restart
    check = make_app(load_settings(config), FakeClock(MONDAY_10_JST))
    try:
        assert [r.recipients for r in outbox(check, "weekly_digest")] == [["ops2@example.test"]]
        assert len(outbox(check, "weekly_summary")) == 1
    finally:
        check.close()
