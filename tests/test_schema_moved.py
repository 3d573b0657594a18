"""A schema upgraded under a running daemon: another instance of a newer release (the
same PostgreSQL database, or a second process on one SQLite file) ran ``db upgrade``
or its start-up migration while this older one ran on.

Start-up refused such a database (tests/test_schema_newer.py), but one left running went
on writing with its old idea of the tables. Now the running daemon asks the database's
revision once per interval (one tiny query, no Alembic): once it moved, the listener
answers 421 (451 to a DATA under way), the pages 503, nothing more is processed, and
``run`` exits 78 naming both revisions, as a start would. ``ingest -`` from an old
release exits 75 (an MTA bounces on 78) and stores nothing.

Two releases are simulated by stamping a revision this code does not know into
``alembic_version``, where :func:`store.migrate.current_revision` reads it.
"""

from __future__ import annotations

import os
import smtplib
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import event, select, text

from gateway.config.load import load_settings
from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.errors import ConfigError, TransientError
from gateway.core.sqlite_url import sqlite_path
from gateway.receive.imap import ImapPoller
from gateway.runtime import background, daemon, drain, drain_lock
from gateway.runtime.app import App
from gateway.runtime.reader import schema_moved
from gateway.runtime.schema_watch import SchemaWatch
from store import inbox
from store.db import make_engine, transaction
from store.models import InboxRow
from store.revision import HEAD
from tests.support.config import SECRET_ENV, write_config
from tests.support.daemon import clean_env, console_script, wait_for_port
from tests.support.dovecot import Dovecot
from tests.support.mails import mail
from tests.support.ports import free_port
from tests.support.waiting import PATIENCE, eventually
from tests.support.web import rig

EX_CONFIG, EX_TEMPFAIL = 78, 75
NEWER = "9001"


def _stamp(url: str, revision: str) -> None:
    """What a newer release's ``db upgrade`` leaves in the version table."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": revision})
    engine.dispose()


def _subjects(url: str) -> list[str]:
    """The inbox rows' subjects, read with plain SQL (this release refuses the schema)."""
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT raw FROM inbox_raw ORDER BY inbox_id")).scalars().all()
    engine.dispose()
    return [
        next(line for line in bytes(r).decode().splitlines() if line.startswith("Subject: "))
        for r in rows
    ]


def _refused_at_connect(port: int) -> bool:
    try:
        smtplib.SMTP("127.0.0.1", port, timeout=5).quit()
    except smtplib.SMTPConnectError as exc:
        return exc.smtp_code == 421
    except OSError:  # gone already: it stopped
        return True
    return False


def test_a_running_daemon_stops_with_78_when_a_newer_release_upgrades_the_schema(
    db_url: str, tmp_path: Path
) -> None:
    port = free_port()
    config = write_config(tmp_path, url=db_url, port=port, locale="en")
    proc = subprocess.Popen(
        [console_script(), "--config", str(config), "run"],
        env=clean_env(**SECRET_ENV),
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_port(port, proc)
        with smtplib.SMTP("127.0.0.1", port) as client:
            client.sendmail("a@customer.test", ["support@example.test"], mail(subject="Before"))
        in_flight = smtplib.SMTP("127.0.0.1", port)
        in_flight.ehlo()
        in_flight.mail("b@customer.test")
        in_flight.rcpt("support@example.test")
        _stamp(db_url, NEWER)
        assert eventually(lambda: _refused_at_connect(port), timeout=daemon.SCHEMA_INTERVAL + 10)
        code, _ = in_flight.data(mail(subject="Under way"))
        assert code == 451  # its sender retries; nothing of it was stored
        in_flight.close()
        assert proc.wait(daemon.STOP_BOUND + PATIENCE) == EX_CONFIG
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    assert proc.stderr is not None
    err = proc.stderr.read()
    proc.stderr.close()
    assert "Traceback" not in err, err
    assert f"schema {NEWER}" in err and HEAD in err and "upgrade ticket-gateway" in err, err
    assert _subjects(db_url) == ["Subject: Before"]  # the one answered 250 is kept
    status = subprocess.run(
        [console_script(), "--config", str(config), "status"],
        env=clean_env(**SECRET_ENV),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert status.returncode == EX_CONFIG and f"schema {NEWER}" in status.stderr, status


def test_with_the_processing_loops_as_threads_run_raises_the_configuration_error(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``[gateway] runner_process = false``: one process; ``run`` ends with what the
    CLI turns into exit 78, within the interval and the stop bound."""
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(daemon, "SCHEMA_INTERVAL", 0.5)
    port = free_port()
    config = write_config(tmp_path, url=db_url, port=port, locale="en")
    text_ = config.read_text().replace("[gateway]\n", "[gateway]\nrunner_process = false\n")
    config.write_text(text_)
    ready, raised = threading.Event(), []

    def serve() -> None:
        try:
            daemon.run(load_settings(config), ready=ready)
        except ConfigError as exc:
            raised.append(exc)

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        assert ready.wait(30)
        with smtplib.SMTP("127.0.0.1", port) as client:
            client.sendmail("a@customer.test", ["support@example.test"], mail(subject="Kept"))
        _stamp(db_url, NEWER)
        thread.join(0.5 + daemon.STOP_BOUND + PATIENCE)
        assert not thread.is_alive()
    finally:
        _stamp(db_url, HEAD)
        thread.join(daemon.STOP_BOUND + PATIENCE)
    [exc] = raised
    assert exc.key == "database.url" and NEWER in exc.problem and HEAD in exc.problem
    assert _subjects(db_url) == ["Subject: Kept"]


def test_the_runner_processes_nothing_once_the_schema_moved(app: App, db_url: str) -> None:
    watch = SchemaWatch(app.engine, interval=0.0)
    with transaction(app.sessions) as s:
        inbox.accept(s, mail(subject="Waits"), source="smtp", now=app.clock.now())
    _stamp(db_url, NEWER)
    try:
        assert not background.drain_pending(app, threading.Event(), 20, watch=watch)
        with transaction(app.sessions) as s:
            assert s.scalars(select(InboxRow.state)).all() == ["pending"]  # for the new release
        assert watch.moved() == NEWER
        _stamp(db_url, HEAD)  # once moved, moved: the daemon is on its way out
        assert watch.moved() == NEWER
    finally:
        _stamp(db_url, HEAD)


def test_the_imap_poller_leaves_the_mail_on_the_server_once_the_schema_moved(
    app: App, db_url: str, dovecot: Dovecot
) -> None:
    user = dovecot.add_user()
    with dovecot.client(user) as c:
        c.append("INBOX", mail(subject="Stays"))
    watch = SchemaWatch(app.engine, interval=0.0)
    account = dovecot.account(user)
    poller = ImapPoller(account, app.settings, app.sessions, app.clock, gate=watch.refuse)
    _stamp(db_url, NEWER)
    try:
        with pytest.raises(TransientError):
            poller.poll_once()
    finally:
        poller.close()
        _stamp(db_url, HEAD)
    assert _subjects(db_url) == []
    with dovecot.client(user) as c:
        c.select_folder("INBOX", readonly=True)
        assert len(c.search("ALL")) == 1  # neither moved nor flagged away: read later


def test_a_drainer_of_an_older_release_leaves_the_rows_pending(app: App, db_url: str) -> None:
    """The pipe's drainer (SQLite, no daemon) is a running instance too: a burst keeps it
    alive while a newer release may upgrade the file."""
    db_path = sqlite_path(db_url)
    if db_path is None:
        pytest.skip("the drainer is for SQLite")
    with transaction(app.sessions) as s:
        inbox.accept(s, mail(subject="Piped"), source="ingest", now=app.clock.now())
    _stamp(db_url, NEWER)
    held = drain_lock.open_lock(app.settings.gateway.data_dir)
    assert drain_lock.try_lock(held)
    due = drain.DueRows(db_path)
    try:
        watch = SchemaWatch(app.engine, interval=0.0)
        assert drain.drain(app, held, due, linger=0, poll=0, watch=watch) == 0
    finally:
        due.close()
        os.close(held)
        _stamp(db_url, HEAD)
    with transaction(app.sessions) as s:
        assert s.scalars(select(InboxRow.state)).all() == ["pending"]


def test_a_known_revision_under_a_running_daemon_asks_for_the_matching_release(
    settings: Settings,
) -> None:
    """Not newer: an older release's ``db downgrade`` ran meanwhile."""
    said = schema_moved(settings, "0019").problem
    assert "now at schema 0019" in said and HEAD in said, said
    assert "newer than" in schema_moved(settings, NEWER).problem


def test_the_revision_is_asked_once_per_interval_not_per_look(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/gateway.db")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
        conn.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": HEAD})
    asked: list[str] = []
    event.listen(
        engine,
        "before_cursor_execute",
        lambda *a: asked.append(a[2]) if a[2].startswith("SELECT version_num") else None,
    )
    now = [0.0]
    watch = SchemaWatch(engine, interval=5.0, monotonic=lambda: now[0])
    for _ in range(1000):
        assert watch.moved() is None
    assert len(asked) == 1, asked
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": NEWER})
    assert watch.moved() is None  # not yet asked again
    now[0] = 5.0
    assert watch.moved() == NEWER
    assert len(asked) == 2, asked
    with pytest.raises(TransientError):
        watch.refuse()
    engine.dispose()


def test_the_pages_answer_503_once_the_schema_moved(
    settings: Settings, clock: FakeClock, db_url: str
) -> None:
    url = db_url
    with rig(settings, clock) as r:
        watch = SchemaWatch(r.app.engine, interval=0.0)
        r.ctx.gate = lambda: watch.refuse(ask=False)  # as the daemon wires it

        async def look(client: TestClient[Any, Any]) -> tuple[int, int]:
            before = (await client.get("/sign-in")).status
            _stamp(url, NEWER)
            assert watch.moved() == NEWER  # the daemon's main thread asks, not the page
            return before, (await client.get("/sign-in")).status

        assert r.serve(look) == (200, 503)
        _stamp(url, HEAD)


def test_ingest_from_the_mta_pipe_exits_75_on_a_newer_schema(db_url: str, tmp_path: Path) -> None:
    config = write_config(tmp_path, url=db_url)
    env = clean_env(**SECRET_ENV)
    first = subprocess.run(
        [console_script(), "--config", str(config), "ingest", "-"],
        input=mail(subject="First"),
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert first.returncode == 0, first
    _stamp(db_url, NEWER)
    piped = subprocess.run(
        [console_script(), "--config", str(config), "ingest", "-"],
        input=mail(subject="Second"),
        env=env,
        capture_output=True,
        timeout=120,
    )
    err = piped.stderr.decode()
    assert piped.returncode == EX_TEMPFAIL, err  # 78 is a bounce for Postfix: the mail waits
    assert f"schema {NEWER}" in err and "upgrade ticket-gateway" in err, err
    assert "Traceback" not in err, err
    assert _subjects(db_url) == ["Subject: First"]


def test_the_watch_brings_no_alembic_into_the_daemon() -> None:
    probe = (
        "import sys\n"
        "import gateway.runtime.daemon, gateway.runtime.processing_child\n"
        "import gateway.runtime.schema_watch, gateway.runtime.drain\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "[]", out.stdout


def test_a_daemon_stopped_for_the_schema_is_not_restarted_by_systemd() -> None:
    unit = (Path(__file__).parents[1] / "systemd" / "ticket-gateway.service").read_text()
    prevented = [
        line.split("=", 1)[1].split()
        for line in unit.splitlines()
        if line.startswith("RestartPreventExitStatus=")
    ]
    assert prevented and "78" in prevented[-1], prevented
