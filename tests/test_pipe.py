"""``ingest -`` while a daemon runs: the stdlib fast path stores the same row the ORM would."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.model import InboxState
from gateway.receive import pipe
from gateway.runtime.app import App
from store import inbox
from store.db import transaction
from store.models import InboxRaw, InboxRow
from tests.support.config import KEY
from tests.support.mails import mail
from tests.support.pipeline import all_tickets

COLUMNS = (
    "source",
    "source_ref",
    "envelope_from",
    "envelope_to",
    "raw",
    "raw_sha256",
    "size",
    "received_at",
    "state",
    "reason",
    "error",
    "attempts",
    "next_attempt_at",
    "processed_at",
    "ticket_id",
    "message_id",
)


@pytest.fixture
def sqlite_db(db_url: str) -> str:
    path = pipe.sqlite_path(db_url)
    if path is None:
        pytest.skip("the pipe fast path is for SQLite")
    return path


def test_quick_row_equals_orm_row(app: App, sqlite_db: str, clock: FakeClock) -> None:
    raw_a, raw_b = mail(subject="a"), mail(subject="b")
    stored = pipe.quick_accept(sqlite_db, raw_a, source_ref="-", now=clock.now())
    assert stored is not None and stored[1] is False
    quick_id = stored[0]
    with transaction(app.sessions) as s:
        orm_id = inbox.accept(s, raw_b, source="ingest", source_ref="-", now=clock.now()).inbox_id
    with transaction(app.sessions) as s:
        quick, orm = s.get(InboxRow, quick_id), s.get(InboxRow, orm_id)
        assert quick is not None and orm is not None
        for col in COLUMNS:
            if col not in ("raw", "raw_sha256", "size", "message_id"):
                assert getattr(quick, col) == getattr(orm, col), col
        stored_a, stored_b = s.get(InboxRaw, quick_id), s.get(InboxRaw, orm_id)
        assert stored_a is not None and stored_a.raw == raw_a  # the bytes beside the row
        assert stored_b is not None and stored_b.raw == raw_b
        assert quick.message_id and quick.received_at == clock.now()
    assert pipe.quick_accept(sqlite_db, raw_a, source_ref="-", now=clock.now()) == (quick_id, True)
    outcomes = app.runner.process_pending()
    assert [o.state for o in outcomes] == [InboxState.DONE, InboxState.DONE]


def test_not_current_schema_takes_full_path(tmp_path: Path, clock: FakeClock) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    assert pipe.quick_accept(str(empty), mail(), source_ref="-", now=clock.now()) is None
    assert (
        pipe.quick_accept(str(tmp_path / "missing.db"), mail(), source_ref="-", now=clock.now())
        is None
    )


_VANISH: list[str] = []  # paths the audit hook removes as they are opened


def _vanish_on_open(event: str, args: tuple[object, ...]) -> None:
    """Python's audit event for every open (no patching): the lock file goes away
    between the look and the open, as when a daemon's data_dir is cleaned up."""
    if event == "open" and _VANISH and str(args[0]) in _VANISH:
        os.unlink(_VANISH.pop())


sys.addaudithook(_vanish_on_open)


def test_asking_whether_a_daemon_runs_never_creates_its_lock(tmp_path: Path) -> None:
    """``daemon_running`` opened the lock with mode "a+": a lock gone between its
    ``exists()`` and the open was made again, ``0666 & ~umask``, for all to read
    under umask 000. A lock that is not there now means no daemon, and no file."""
    pipe.hold_daemon_lock(tmp_path).close()  # a daemon ran here and stopped
    lock = pipe.lock_path(tmp_path)
    old = os.umask(0)
    _VANISH.append(str(lock))
    try:
        assert not pipe.daemon_running(tmp_path)
    finally:
        os.umask(old)
        _VANISH.clear()
    assert not lock.exists()


def test_daemon_lock(tmp_path: Path) -> None:
    assert not pipe.daemon_running(tmp_path)
    held = pipe.hold_daemon_lock(tmp_path)
    try:
        assert pipe.daemon_running(tmp_path)
        with pytest.raises(OSError):
            pipe.hold_daemon_lock(tmp_path)  # a second daemon on the same data_dir
    finally:
        held.close()
    assert not pipe.daemon_running(tmp_path)


def test_console_pipe_queues_while_daemon_runs(
    app: App, settings: Settings, sqlite_db: str, tmp_path: Path
) -> None:
    cfg = tmp_path / "gateway.toml"
    (tmp_path / "secret.key").write_text(KEY)
    cfg.write_text(
        f'[gateway]\nsecret_file = "secret.key"\ndata_dir = "{settings.gateway.data_dir}"\n'
        f'[database]\nurl = "{settings.database.url}"\n'
    )
    exe = shutil.which("ticket-gateway", path=str(Path(sys.executable).parent))
    assert exe
    env = {k: v for k, v in os.environ.items() if not k.startswith("TICKET_GATEWAY_")}
    held = pipe.hold_daemon_lock(settings.gateway.data_dir)
    try:
        done = subprocess.run(
            [exe, "--config", str(cfg), "ingest", "-"],
            input=mail(),
            capture_output=True,
            env=env,
            timeout=60,
            check=False,
        )
        bad = subprocess.run(
            [exe, "--config", str(cfg), "ingest"],
            input=b"\x89PNG\r\n",
            capture_output=True,
            env=env,
            timeout=60,
            check=False,
        )
    finally:
        held.close()
    assert done.returncode == 0, done.stderr
    assert b"queued for the running daemon" in done.stdout
    assert bad.returncode == 65
    with transaction(app.sessions) as s:
        assert s.scalars(select(InboxRow.state)).all() == ["pending"]
    app.runner.process_pending()  # what the daemon's runner does next
    assert len(all_tickets(app)) == 1


def test_sqlite_writer_dedupes_like_the_orm(app: App, sqlite_db: str, clock: FakeClock) -> None:
    """Same bytes, or (where asked) the same Message-ID, are stored once — in one batch too."""
    from store.accept.contract import RESEND, Incoming
    from store.accept.sqlite import SqliteInbox

    first = mail(message_id="<same@customer.test>", body="one\n")
    resent = mail(message_id="<same@customer.test>", body="one, via another relay\n")
    other = mail(message_id="<other@customer.test>")
    batch = [
        Incoming(first, "smtp"),
        Incoming(first, "smtp"),
        Incoming(resent, "smtp"),
        Incoming(other, "smtp", envelope_to=("support@example.test",)),
    ]
    box = SqliteInbox(sqlite_db)
    try:
        direct = box.accept_many(batch, now=clock.now(), rule=RESEND)
        again = box.accept_many([Incoming(resent, "smtp")], now=clock.now(), rule=RESEND)
        bytes_only = box.accept_many([Incoming(resent, "smtp")], now=clock.now())
    finally:
        box.close()
    assert [(a.duplicate, a.inbox_id) for a in direct] == [
        (False, direct[0].inbox_id),
        (True, direct[0].inbox_id),
        (True, direct[0].inbox_id),
        (False, direct[3].inbox_id),
    ]
    assert again[0].duplicate and again[0].inbox_id == direct[0].inbox_id
    assert not bytes_only[0].duplicate  # without the RESEND rule other bytes are a new row
    with transaction(app.sessions) as s:
        row = s.get(InboxRow, direct[3].inbox_id)
        assert row is not None and row.envelope_to == ["support@example.test"]
        assert row.message_id == "other@customer.test" and row.source == "smtp"


@pytest.mark.parametrize(
    ("toml", "env"),
    [
        (None, {}),  # no config at all: the built-in defaults, ./var
        ("", {}),
        ('[gateway]\ndata_dir = "state"\n', {}),  # relative to the config file
        ('[gateway]\ndata_dir = "/ABS/state"\n', {}),
        ('[database]\nurl = "sqlite:///elsewhere/gw.db"\n', {}),
        ('[gateway]\ndata_dir = "d"\n[database]\nurl = "sqlite:////ABS/x.db"\n', {}),
        ("", {"TICKET_GATEWAY_DATABASE_URL": "sqlite:////ABS/env.db"}),
    ],
)
def test_pipe_target_agrees_with_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, toml: str | None, env: dict[str, str]
) -> None:
    """The pipe reads a few keys without gateway.settings; it must read them the same way
    (with or without a daemon: whether one runs decides only who processes the row)."""
    from gateway.config.load import load_settings
    from gateway.config.locate import locate_config

    monkeypatch.chdir(tmp_path)
    for key in ("TICKET_GATEWAY_CONFIG", "TICKET_GATEWAY_DATABASE_URL", "TICKET_GATEWAY_SECRET"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("TICKET_GATEWAY_SECRET", KEY)
    for key, value in env.items():
        monkeypatch.setenv(key, value.replace("/ABS", str(tmp_path)))
    conf = tmp_path / "etc" / "gateway.toml"
    argv = ["ingest", "-"]
    if toml is not None:
        conf.parent.mkdir()
        conf.write_text(toml.replace("/ABS", str(tmp_path)), encoding="utf-8")
        argv = ["--config", str(conf), *argv]
    settings = load_settings(locate_config(str(conf) if toml is not None else None))
    target = pipe.pipe_target(argv, os.environ)
    assert target is not None
    assert target.db_path == pipe.sqlite_path(settings.database.url)
    assert target.data_dir == settings.gateway.data_dir
    # the drainer it may start reads the same file (or, like it, none)
    assert (target.config and target.config.resolve()) == (
        conf.resolve() if toml is not None else None
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["-v", "ingest", "-"],
        ["ingest", "a.eml"],
        ["tickets", "list"],
        ["--config"],
        ["ingest", "-", "-"],
    ],
)
def test_pipe_target_leaves_everything_else_to_the_cli(argv: list[str]) -> None:
    assert pipe.pipe_target(argv, {}) is None
