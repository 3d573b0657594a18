"""A drainer whose reply-token key cannot be read (``[gateway] secret_file`` a folder,
gone, not a file it may read) says so in ``drain.log`` as one line naming the key and
the file, as every configuration error is said, not as a Python traceback; the pipe
still stored the mail (exit 0), the row waits, and once the key is back the next piped
message's drainer processes both."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from gateway.config.load import load_settings
from gateway.runtime import drain, drain_lock
from gateway.runtime.app import build
from tests.support.config import KEY, write_config
from tests.support.daemon import clean_env, console_script
from tests.support.mails import mail
from tests.support.waiting import eventually


def _pipe(config: Path, raw: bytes) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [console_script(), "--config", str(config), "ingest", "-"],
        input=raw,
        capture_output=True,
        env=clean_env(**{drain.LINGER_ENV: "0"}, LANG="C.UTF-8"),  # the key from the file
        timeout=60,
        check=False,
    )


def _states(db: Path) -> list[str]:
    con = sqlite3.connect(db)
    try:
        return [s for (s,) in con.execute("SELECT state FROM inbox ORDER BY id")]
    finally:
        con.close()


@pytest.mark.parametrize("breakage", ["folder", "gone"])
def test_an_unreadable_key_is_one_line_in_drain_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, breakage: str
) -> None:
    monkeypatch.delenv("TICKET_GATEWAY_SECRET", raising=False)
    config = write_config(tmp_path, secret_file=True)
    settings = load_settings(config)
    build(settings).close()  # the schema, as an installed gateway has it
    data_dir, key = settings.gateway.data_dir, tmp_path / "secret.key"
    key.unlink()
    if breakage == "folder":
        key.mkdir()
    first = _pipe(config, mail(subject="while the key is unreadable"))
    assert first.returncode == 0, first.stderr
    assert eventually(lambda: not drain_lock.drain_running(data_dir), timeout=30)
    log = drain_lock.log_path(data_dir).read_text(encoding="utf-8")
    assert "Traceback" not in log, log
    [line] = [x for x in log.splitlines() if "secret_file" in x]
    assert "configuration error" in line and str(key) in line, log
    assert "[gateway.secret_file]" in line, line
    assert _states(tmp_path / "gateway.db") == ["pending"]
    if key.is_dir():
        key.rmdir()
    key.write_text(KEY)
    os.chmod(key, 0o600)
    second = _pipe(config, mail(subject="after the fix"))
    assert second.returncode == 0, second.stderr
    assert eventually(
        lambda: (
            _states(tmp_path / "gateway.db") == ["done", "done"]
            and not drain_lock.drain_running(data_dir)
        ),
        timeout=30,
    ), drain_lock.log_path(data_dir).read_text(encoding="utf-8")


def test_a_drainer_refused_by_a_config_mistake_makes_no_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pipe stores (its fast path reads only where to store); the drainer, stopped by
    a mistake elsewhere in the file, made ``<data_dir>/secret`` before saying it: a key
    made by a process that then did nothing with it. It makes none now; after the fix
    the next drainer makes the key and processes both."""
    monkeypatch.delenv("TICKET_GATEWAY_SECRET", raising=False)
    config = write_config(tmp_path)  # no secret_file: the key is the generated one
    settings = load_settings(config)
    build(settings).close()
    key = settings.gateway.data_dir / "secret"
    key.unlink()  # a database with no ticket yet: a key may be made for it
    good = config.read_text(encoding="utf-8")
    config.write_text(good + '[smtp]\nport = "abc"\n', encoding="utf-8")
    first = _pipe(config, mail(subject="while the config is broken"))
    assert first.returncode == 0, first.stderr
    data_dir = settings.gateway.data_dir
    assert eventually(lambda: not drain_lock.drain_running(data_dir), timeout=30)
    assert "[smtp.port]" in drain_lock.log_path(data_dir).read_text(encoding="utf-8")
    assert not os.path.lexists(key)
    config.write_text(good, encoding="utf-8")
    assert _pipe(config, mail(subject="after the fix")).returncode == 0
    assert eventually(
        lambda: (
            _states(tmp_path / "gateway.db") == ["done", "done"]
            and not drain_lock.drain_running(data_dir)
        ),
        timeout=30,
    ), drain_lock.log_path(data_dir).read_text(encoding="utf-8")
    assert key.is_file()
