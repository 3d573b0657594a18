"""``ingest -`` without a daemon: the pipe stores and exits 0, a detached drainer processes.

The real console script in subprocesses (its drainers are real detached processes
too) on real SQLite; the one race that timing cannot reach — a row committed just
as a drainer leaves — is driven in-process through the drainer's own hook.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gateway.config.load import load_settings
from gateway.core.clock import FakeClock
from gateway.receive import pipe
from gateway.runtime import drain, drain_lock
from gateway.runtime.app import App, build
from tests.support.config import SECRET_ENV, write_config
from tests.support.daemon import clean_env, console_script
from tests.support.dumps import ask, reporting_env
from tests.support.mails import mail
from tests.support.pipeline import all_tickets
from tests.support.waiting import eventually

BACKGROUND = b"processed in the background"
LONG = ("--linger", "120")  # a drainer that would stay far longer than any test waits


@dataclass(frozen=True, slots=True)
class Site:
    """An installation with a current schema and no daemon: config, database, data_dir."""

    config: Path
    db: Path
    data_dir: Path

    def pipe(
        self, raw: bytes, linger: str = "0.3", umask: int = -1, lang: str = "C.UTF-8"
    ) -> subprocess.CompletedProcess[bytes]:
        """``ticket-gateway --config … ingest -`` as an MTA runs it: stdin in, exit code out."""
        return subprocess.run(
            [console_script(), "--config", str(self.config), "ingest", "-"],
            input=raw,
            capture_output=True,
            env=clean_env(**SECRET_ENV, **{drain.LINGER_ENV: linger}, LANG=lang),
            timeout=60,
            check=False,
            umask=umask,
        )

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        con = sqlite3.connect(self.db)
        try:
            return list(con.execute(sql))
        finally:
            con.close()

    def states(self) -> list[str]:
        return [str(s) for (s,) in self.query("SELECT state FROM inbox ORDER BY id")]

    def tickets(self) -> int:
        return int(self.query("SELECT count(*) FROM tickets")[0][0])

    def drained(self, rows: int) -> bool:
        """Every one of ``rows`` rows processed, and no drainer left holding the lock."""
        return self.states() == ["done"] * rows and not drain_lock.drain_running(self.data_dir)

    def log(self) -> str:
        path = drain_lock.log_path(self.data_dir)
        return path.read_text(encoding="utf-8") if path.exists() else ""


@pytest.fixture
def sqlite_db(db_url: str) -> str:
    """The database file; the drainer (like the pipe's fast path) is for SQLite."""
    path = pipe.sqlite_path(db_url)
    if path is None:
        pytest.skip("the drainer is for SQLite")
    return path


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    config = write_config(tmp_path)
    settings = load_settings(config)
    build(settings).close()  # the schema, as an installed gateway has it
    data_dir = settings.gateway.data_dir
    yield Site(config, tmp_path / "gateway.db", data_dir)
    # nothing of ours outlives the test: its drainers leave after their linger
    assert eventually(lambda: not drain_lock.drain_running(data_dir), timeout=30)


def test_cold_pipe_stores_exits_and_a_drainer_makes_the_ticket(site: Site) -> None:
    done = site.pipe(mail(subject="Printer on fire"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == b"-: stored as inbox #1, " + BACKGROUND
    assert eventually(lambda: site.drained(1), timeout=30), (site.states(), site.log())
    assert site.tickets() == 1
    again = site.pipe(mail(subject="Printer on fire", message_id="<x@customer.test>"))
    assert again.returncode == 0 and b"inbox #2" in again.stdout
    assert eventually(lambda: site.drained(2), timeout=30), site.log()
    assert "holding the drain lock" in site.log()


def test_the_drainer_sends_the_acknowledgement(site: Site) -> None:
    """Without a daemon nobody else would: the drainer sends the mail its rows queued
    (here to the default maildir), before it leaves."""
    now = datetime.now(UTC)  # a request of today gets its acknowledgement (an old one not)
    done = site.pipe(mail(subject="Printer on fire", date=now))
    assert done.returncode == 0, done.stderr
    assert eventually(lambda: site.drained(1), timeout=30), (site.states(), site.log())
    assert site.query("SELECT kind, state FROM outbox") == [("acknowledgement", "sent")]
    [written] = (site.data_dir / "outbound" / "new").iterdir()
    assert b"Subject: [#1] " in written.read_bytes()
    assert "1 mail sent, 0 to retry later, 0 failed" in site.log()


def test_the_cold_pipe_says_its_line_in_the_readers_language(site: Site) -> None:
    done = site.pipe(mail(), lang="ja_JP.UTF-8")
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode() == "-: 受信箱 #1 に保存しました。バックグラウンドで処理します\n"
    assert eventually(lambda: site.drained(1), timeout=30), site.log()


def _holds(log: str) -> list[str]:
    """The drainers' lock events in the order they were written: "take" is logged just
    after a drainer has the lock, "release" just before it lets go."""
    events = []
    for line in log.splitlines():
        if "holding the drain lock" in line or "draining again" in line:
            events.append("take")
        elif "releasing the drain lock" in line:
            events.append("release")
    return events


def test_bursts_of_pipes_have_one_drainer_at_a_time_and_lose_no_row(site: Site) -> None:
    """Waves of concurrent pipes, each wave as soon as the last one has exited, with
    linger 0: drainers leave as soon as they see nothing new, so pipes keep arriving
    while one is leaving — the moment a wakeup could be lost."""
    waves, width = 8, 3
    env = clean_env(**SECRET_ENV, **{drain.LINGER_ENV: "0"})
    for wave in range(waves):
        procs = [
            subprocess.Popen(
                [console_script(), "--config", str(site.config), "ingest", "-"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
            )
            for _ in range(width)
        ]
        said = [p.communicate(mail(subject=f"burst {wave}.{i}"), 60) for i, p in enumerate(procs)]
        assert [p.returncode for p in procs] == [0] * width, [err for _, err in said]
        assert all(BACKGROUND in out for out, _ in said)
    n = waves * width
    assert eventually(lambda: site.drained(n), timeout=60), (site.states(), site.log())
    assert site.tickets() == n
    events = _holds(site.log())
    assert events and events == ["take", "release"] * (len(events) // 2), events


def test_a_row_committed_as_the_drainer_leaves_is_processed(
    sqlite_db: str, app: App, clock: FakeClock
) -> None:
    """The drainer has looked for rows for the last time and is about to release the
    lock; a pipe commits and finds the lock held, so it relies on this drainer."""
    db_path = sqlite_db
    data_dir = app.settings.gateway.data_dir
    held = drain_lock.open_lock(data_dir)
    assert drain_lock.try_lock(held)
    late: list[int] = []

    def a_pipe_arrives() -> None:
        if late:
            return
        stored = pipe.quick_accept(
            db_path, mail(subject="just in time"), source_ref="-", now=clock.now()
        )
        assert stored is not None
        late.append(stored[0])
        other = drain_lock.open_lock(data_dir)  # what the pipe does after its commit
        try:
            assert not drain_lock.try_lock(other)  # held: it exits, relying on us
        finally:
            os.close(other)

    due = drain.DueRows(db_path)
    try:
        processed = drain.drain(app, held, due, linger=0, poll=0, before_release=a_pipe_arrives)
    finally:
        due.close()
        os.close(held)
    assert late and processed == 1
    assert [t["subject"] for t in all_tickets(app)] == ["just in time"]
    assert not drain_lock.drain_running(data_dir)


def test_a_running_daemon_takes_precedence(site: Site) -> None:
    held = pipe.hold_daemon_lock(site.data_dir)
    try:
        done = site.pipe(mail())
    finally:
        held.close()
    assert done.returncode == 0, done.stderr
    assert b"queued for the running daemon" in done.stdout
    assert site.states() == ["pending"]  # the daemon's runner takes it from here
    assert not drain_lock.lock_path(site.data_dir).exists()  # no drainer was even tried


def test_a_drainer_leaves_to_a_daemon_that_starts(site: Site) -> None:
    """``run`` takes its own lock while a drainer lingers; the drainer then leaves."""
    log = drain_lock.log_path(site.data_dir)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as err:
        lingering = subprocess.Popen(
            [sys.executable, "-P", "-m", drain.__name__, "--config", str(site.config), *LONG],
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=clean_env(**SECRET_ENV),
        )
    try:
        assert eventually(lambda: "holding the drain lock" in site.log(), timeout=30)
        assert drain_lock.drain_running(site.data_dir)
        held = pipe.hold_daemon_lock(site.data_dir)  # the daemon's lock is not in the way
        try:
            assert eventually(lambda: lingering.poll() is not None, timeout=30), site.log()
        finally:
            held.close()
        assert lingering.returncode == 0, site.log()
    finally:
        if lingering.poll() is None:
            lingering.kill()
            lingering.wait()


def test_two_runners_on_the_same_rows_make_each_ticket_once(
    sqlite_db: str, app: App, clock: FakeClock
) -> None:
    """A daemon that starts while a drainer works: both claim rows, each row once
    (on SQLite every transaction begins IMMEDIATE and the claim re-reads the state)."""
    for i in range(8):
        pipe.quick_accept(sqlite_db, mail(subject=f"shared {i}"), source_ref="-", now=clock.now())
    other = build(app.settings, clock)
    try:
        threads = [threading.Thread(target=a.runner.process_pending) for a in (app, other)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        other.close()
    assert sorted(t["subject"] for t in all_tickets(app)) == [f"shared {i}" for i in range(8)]


def test_schema_not_current_takes_the_full_path(tmp_path: Path) -> None:
    config = write_config(tmp_path)  # a database nobody has created yet
    done = subprocess.run(
        [console_script(), "--config", str(config), "ingest", "-"],
        input=mail(),
        capture_output=True,
        env=clean_env(**SECRET_ENV),
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert b"stored as inbox #1: done, ticket #1" in done.stdout  # processed before exit
    assert not drain_lock.lock_path(tmp_path / "var").exists()
    # README "Delivering from Postfix by pipe": the full path queues the acknowledgement
    # and sends nothing; `send` (cron) or the next piped message's drainer sends it
    con = sqlite3.connect(tmp_path / "gateway.db")
    try:
        assert list(con.execute("SELECT kind, state FROM outbox")) == [
            ("acknowledgement", "pending")
        ]
    finally:
        con.close()


def test_not_mail_is_65_and_stores_nothing(site: Site) -> None:
    bad = site.pipe(b"\x89PNG\r\n\x1a\n" + bytes(64))
    assert bad.returncode == 65
    assert b"not an e-mail message" in bad.stdout
    assert site.states() == []
    assert not drain_lock.lock_path(site.data_dir).exists()


def test_drain_files_are_private_whatever_the_umask(site: Site) -> None:
    done = site.pipe(mail(), umask=0)
    assert done.returncode == 0, done.stderr
    assert eventually(lambda: site.drained(1), timeout=30), site.log()
    for path in (drain_lock.lock_path(site.data_dir), drain_lock.log_path(site.data_dir)):
        assert path.stat().st_mode & 0o777 == 0o600, path


def test_a_drainer_that_cannot_start_leaves_the_row_pending(site: Site) -> None:
    """The pipe still exits 0 (the row is stored) and says why on stderr; the next
    piped message's drainer processes both."""
    drain_lock.log_path(site.data_dir).mkdir(parents=True)  # its stderr cannot be opened
    first = site.pipe(mail(subject="first"))
    assert first.returncode == 0
    assert BACKGROUND in first.stdout
    assert b"cannot start the background runner" in first.stderr
    assert site.states() == ["pending"]
    assert not drain_lock.drain_running(site.data_dir)  # the lock is not left held
    drain_lock.log_path(site.data_dir).rmdir()
    second = site.pipe(mail(subject="second"))
    assert second.returncode == 0 and not second.stderr, second.stderr
    assert eventually(lambda: site.drained(2), timeout=30), site.log()


def test_a_config_slip_the_pipe_does_not_read_stores_and_waits_for_the_fix(site: Site) -> None:
    """README "Delivering from Postfix by pipe": on SQLite the pipe reads only the keys
    that say where to store, so a slip elsewhere in the config (here ``[smtp] port``)
    neither bounces nor defers the mail: it is stored (exit 0, nothing on stderr), the
    drainer says the problem in ``drain.log`` and leaves the row pending, and once the
    file is fixed the next piped message's drainer processes both."""
    good = site.config.read_text(encoding="utf-8")
    site.config.write_text(good + '[smtp]\nport = "abc"\n', encoding="utf-8")
    first = site.pipe(mail(subject="while the config is broken"))
    assert first.returncode == 0, first.stderr
    assert BACKGROUND in first.stdout and not first.stderr, first.stderr
    assert eventually(lambda: not drain_lock.drain_running(site.data_dir), timeout=30)
    assert site.states() == ["pending"]
    assert "configuration error" in site.log() and "[smtp.port]" in site.log(), site.log()
    site.config.write_text(good, encoding="utf-8")
    second = site.pipe(mail(subject="after the fix"))
    assert second.returncode == 0, second.stderr
    assert eventually(lambda: site.drained(2), timeout=30), site.log()


def test_the_drainer_is_not_dumpable(site: Site, tmp_path: Path) -> None:
    """As the daemon's processes (tests/test_no_dumps.py): a command action run by the
    drainer cannot read its environment."""
    seen = tmp_path / "reports"
    seen.mkdir()
    log = drain_lock.log_path(site.data_dir)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as err:
        drainer = subprocess.Popen(
            [sys.executable, "-P", "-m", drain.__name__, "--config", str(site.config), *LONG],
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=reporting_env(seen, clean_env(**SECRET_ENV)),
        )
    try:
        assert eventually(lambda: "holding the drain lock" in site.log(), timeout=30)
        [(dumpable, _command)] = ask(seen, [drainer.pid]).values()
    finally:
        drainer.kill()
        drainer.wait()
    assert not dumpable


def test_a_pipe_after_the_fix_relies_on_a_drainer_still_leaving_on_the_mistake(
    site: Site, sqlite_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The drainer has read the broken config and is on its way out, the lock still
    held; the config is mended and a pipe commits, finds the lock held and exits,
    relying on that drainer. It reads the config once more after releasing the lock,
    so the row is processed, not left for a next message that may never come (seen in
    CI: the drainer, niced, had not exited when the next pipe ran)."""
    good = site.config.read_text(encoding="utf-8")
    site.config.write_text(good + '[smtp]\nport = "abc"\n', encoding="utf-8")
    held = drain_lock.open_lock(site.data_dir)
    assert drain_lock.try_lock(held)  # handed over by the pipe that started it
    reads: list[str] = []
    real = drain._settings

    def read_then_a_pipe_arrives(config: str | None) -> Any:
        reads.append(site.config.read_text(encoding="utf-8"))
        try:
            return real(config)
        finally:
            if len(reads) == 1:  # between the failed read and the drainer's exit
                site.config.write_text(good, encoding="utf-8")
                stored = pipe.quick_accept(
                    sqlite_db, mail(subject="after the fix"), source_ref="-", now=datetime.now(UTC)
                )
                assert stored is not None
                other = drain_lock.open_lock(site.data_dir)
                try:
                    assert not drain_lock.try_lock(other)  # held: the pipe exits
                finally:
                    os.close(other)

    monkeypatch.setattr(drain, "_settings", read_then_a_pipe_arrives)
    try:
        code = drain._run(
            drain.Options(str(site.config), held, linger=0), FakeClock(datetime.now(UTC))
        )
    finally:
        os.close(held)
    assert code == drain.EX_OK and len(reads) == 2
    assert site.drained(1) and site.tickets() == 1, site.log()


def test_a_mistake_still_there_after_the_release_is_78_and_said_once(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    """Not mended by the second read: the drainer leaves with 78, the lock free for the
    next pipe's drainer, and the mistake said once in drain.log."""
    good = site.config.read_text(encoding="utf-8")
    site.config.write_text(good + '[smtp]\nport = "abc"\n', encoding="utf-8")
    held = drain_lock.open_lock(site.data_dir)
    assert drain_lock.try_lock(held)
    try:
        with caplog.at_level("ERROR", logger="gateway.drain"):
            code = drain._run(
                drain.Options(str(site.config), held, linger=0), FakeClock(datetime.now(UTC))
            )
        assert code == drain.EX_CONFIG
        assert not drain_lock.drain_running(site.data_dir)
    finally:
        os.close(held)
    said = [r.getMessage() for r in caplog.records if "[smtp.port]" in r.getMessage()]
    assert len(said) == 1, said
