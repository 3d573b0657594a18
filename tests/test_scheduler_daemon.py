"""The scheduler inside ``ticket-gateway run``: a digest missed while the daemon was
down goes out once at start, and a restart does not send it again."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.config.load import load_settings
from gateway.core.clock import FakeClock
from gateway.runtime import daemon
from gateway.scheduling.rules import Job
from store import jobs
from store.db import transaction
from tests.sched_helpers import CATALOG, make_app, open_ticket, outbox
from tests.test_smtp import free_port

MONDAY_10_JST = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def _config(tmp_path: Path) -> Path:
    (tmp_path / "catalog.yaml").write_text(CATALOG, encoding="utf-8")
    path = tmp_path / "gateway.toml"
    path.write_text(
        '[gateway]\naddress = "support@example.test"\ndata_dir = "var"\n'
        f'[database]\nurl = "sqlite:///{tmp_path}/gateway.db"\n'
        f'[smtp]\nport = {free_port()}\n[catalog]\npath = "catalog.yaml"\n'
        '[[members]]\nemail = "ops@example.test"\nlocale = "en"\n'
        '[[members]]\nemail = "ops2@example.test"\nlocale = "ja"\n'
        '[[members]]\nemail = "boss@example.test"\nrole = "manager"\n'
        '[schedule]\ndigest = "mon 09:00"\n', encoding="utf-8")
    return path


def _run_once(config: Path) -> None:
    """Start the daemon on the fake Monday, let the scheduler pass, stop it."""
    ready, stop = threading.Event(), threading.Event()
    settings = load_settings(config)
    thread = threading.Thread(target=lambda: daemon.run(
        settings, FakeClock(MONDAY_10_JST), ready=ready, stop=stop))
    thread.start()
    try:
        assert ready.wait(5)
        app = make_app(settings, FakeClock(MONDAY_10_JST))
        try:
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                with transaction(app.sessions) as s:
                    if jobs.runs(s, Job.DIGEST):
                        break
                time.sleep(0.05)
        finally:
            app.close()
    finally:
        stop.set()
        thread.join(daemon.STOP_BOUND + 1)
    assert not thread.is_alive()


def test_missed_digest_sent_once_at_start_and_not_again_after_restart(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TICKET_GATEWAY_SECRET", "daemon-test-secret-0123456789")
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
