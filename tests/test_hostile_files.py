"""Issue #14, findings 4, 11 and 12: secrets, files and logs that give nothing away.

* 4: ``TICKET_GATEWAY_SECRET`` took one byte, or the placeholder of
  ``systemd/environment.example``, with which anyone can mint member tokens;
* 11: from a shell with ``umask 022`` the database was 0644, readable by every
  local user (all mail, every reply token);
* 12: the INFO line logged ``to=support+1-<token>@…``, a member's credential.
"""

from __future__ import annotations

import json
import logging
import os
import smtplib
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from gateway.config.load import load_settings
from gateway.core import tokens
from gateway.core.clock import FakeClock
from gateway.core.errors import ConfigError
from gateway.runtime import daemon, logs
from gateway.runtime.app import build
from tests.support.cli import run
from tests.support.config import SECRET_ENV, daemon_running, with_database, write_config  # noqa: F401
from tests.support.mails import mail
from tests.support.pipeline import deliver
from tests.support.ports import free_port
from tests.support.waiting import PATIENCE, eventually

EXAMPLE_ENV = Path(__file__).parents[1] / "systemd" / "environment.example"


def _placeholder() -> str:
    for line in EXAMPLE_ENV.read_text().splitlines():
        if line.startswith("TICKET_GATEWAY_SECRET="):
            return line.split("=", 1)[1]
    raise AssertionError("environment.example names no secret")


# ------------------------------------------------------------------- finding 4


@pytest.mark.parametrize("value", ["x", "0123456789abcde", "short-secret"])
def test_a_short_secret_from_the_environment_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("TICKET_GATEWAY_SECRET", value)
    with pytest.raises(ConfigError) as caught:
        load_settings(write_config(tmp_path)).gateway.reply_key()
    assert caught.value.key == "TICKET_GATEWAY_SECRET" and "16 bytes" in caught.value.problem


@pytest.mark.parametrize("content", [b"", b"abc\n"])
def test_a_generated_secret_that_is_too_short_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes
) -> None:
    """``<data_dir>/secret`` emptied (a crash or a full disk while it was made, a
    ``touch``) was used as it was: reply tokens keyed by nothing, which anyone can make.
    The rule of 16 bytes holds for it as for every other source."""
    monkeypatch.delenv("TICKET_GATEWAY_SECRET", raising=False)
    config = write_config(tmp_path)
    (tmp_path / "var").mkdir(mode=0o700)
    (tmp_path / "var" / "secret").write_bytes(content)
    with pytest.raises(ConfigError) as caught:
        load_settings(config).gateway.reply_key()
    assert (caught.value.path, caught.value.key) == (str(config), "gateway.data_dir")
    assert str(tmp_path / "var" / "secret") in caught.value.problem
    assert "16 bytes" in caught.value.problem


def test_a_generated_secret_is_never_seen_half_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It is written beside and linked into place, so the name only ever holds a whole
    key (a reader racing the first start, or a crash, never finds it empty)."""
    monkeypatch.delenv("TICKET_GATEWAY_SECRET", raising=False)
    secret = load_settings(write_config(tmp_path)).gateway.secret
    assert len(secret) >= 32 and (tmp_path / "var" / "secret").read_bytes() == secret
    assert sorted(p.name for p in (tmp_path / "var").iterdir()) == ["secret"]


@pytest.mark.parametrize("umask", [0o000, 0o022, 0o277], ids=lambda m: f"umask{m:03o}")
def test_a_generated_secret_is_private_even_over_a_draft_left_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, umask: int
) -> None:
    """The draft a start writes before linking it into place was opened with O_TRUNC:
    one left behind (a crash, a reused pid; whoever made it, with whatever mode) kept
    its mode, so the key made in it was 0644 for all to read. The draft is now always
    a new file, 0600 whatever the umask, and so is the key."""
    monkeypatch.delenv("TICKET_GATEWAY_SECRET", raising=False)
    config = write_config(tmp_path)
    (tmp_path / "var").mkdir(mode=0o700)
    stale = tmp_path / "var" / f".secret.{os.getpid()}"
    stale.write_text("left behind")
    stale.chmod(0o644)
    old = os.umask(umask)
    try:
        secret = load_settings(config).gateway.secret
    finally:
        os.umask(old)
    key = tmp_path / "var" / "secret"
    assert key.read_bytes() == secret and stat.S_IMODE(key.stat().st_mode) == 0o600
    assert sorted(p.name for p in (tmp_path / "var").iterdir()) == ["secret"]


@pytest.mark.parametrize("source", ["environment", "file"])
def test_the_example_placeholder_is_refused_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str
) -> None:
    placeholder = _placeholder()
    assert len(placeholder) >= 16  # long enough: only its name gives it away
    if source == "environment":
        monkeypatch.setenv("TICKET_GATEWAY_SECRET", placeholder)
        config = write_config(tmp_path)
    else:
        monkeypatch.delenv("TICKET_GATEWAY_SECRET", raising=False)
        config = write_config(tmp_path, secret_file=True)
        (tmp_path / "secret.key").write_text(placeholder + "\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(config).gateway.reply_key()
    assert "placeholder" in caught.value.problem


@pytest.mark.usefixtures("daemon_running")  # status is about the secret file here
def test_status_warns_about_a_secret_file_others_may_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("TICKET_GATEWAY_SECRET", raising=False)
    config = with_database(write_config(tmp_path, secret_file=True, locale="en"))
    key = tmp_path / "secret.key"
    key.chmod(0o644)
    code, out, _ = run(config, "status", capsys=capsys)
    assert code == 0 and f"warning: the secret file {key} can be read by other users" in out
    assert "(mode 0644)" in out and f"chmod 600 {key}" in out
    code, out, _ = run(config, "status", "--json", capsys=capsys)
    assert json.loads(out)["warnings"] and code == 0
    key.chmod(0o600)
    code, out, _ = run(config, "status", capsys=capsys)
    assert "warning" not in out


# ------------------------------------------------------------------ finding 11


@contextmanager
def umask(mask: int) -> Iterator[None]:
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_database_var_and_maildir_are_private_whatever_the_umask(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: FakeClock
) -> None:
    monkeypatch.delenv("TICKET_GATEWAY_SECRET", raising=False)
    (tmp_path / "gateway.toml").write_text('[gateway]\ndata_dir = "var"\nlocale = "en"\n')
    with umask(0o022):
        settings = load_settings(tmp_path / "gateway.toml")  # generates var/secret
        app = build(settings, clock)
        try:
            deliver(app, mail())
            from gateway.outbound.sender import Sender
            from gateway.outbound.transport import transport_for

            Sender(
                settings.outbound, app.clock, app.sessions, lambda: transport_for(settings.outbound)
            ).drain(lambda: False)
        finally:
            app.close()
    var = tmp_path / "var"
    assert _mode(var) == 0o700
    assert _mode(var / "secret") == 0o600
    for name in ("gateway.db", "gateway.db-wal", "gateway.db-shm"):
        if (var / name).exists() or name == "gateway.db":
            assert _mode(var / name) == 0o600, name
    outbound = var / "outbound"
    assert _mode(outbound) == 0o700 and _mode(outbound / "new") == 0o700
    sent = list((outbound / "new").iterdir())
    assert sent and all(_mode(f) == 0o600 for f in sent)


def test_folders_made_with_their_parents_are_private_under_umask_000(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: FakeClock
) -> None:
    """A data folder, database folder or maildir named a few levels deep: the parents
    made on the way were 0777 under ``umask 000`` (``mkdir -p`` takes no mode), so any
    local user could rename the private folder away and put one of their own, with a
    secret they know, in its place."""
    monkeypatch.delenv("TICKET_GATEWAY_SECRET", raising=False)
    (tmp_path / "gateway.toml").write_text(
        '[gateway]\ndata_dir = "var/deep/er"\nlocale = "en"\n'
        '[database]\nurl = "sqlite:///db/a/gateway.db"\n'
        '[outbound]\nmaildir = "mail/spool/outbound"\n'
    )
    with umask(0o000):
        settings = load_settings(tmp_path / "gateway.toml")
        app = build(settings, clock)
        try:
            deliver(app, mail())
            from gateway.outbound.maildir import prepare

            prepare(settings.outbound.maildir)
            from gateway.receive.pipe import hold_daemon_lock

            hold_daemon_lock(tmp_path / "lock" / "here").close()
        finally:
            app.close()
    made = [p for p in tmp_path.rglob("*") if p.name != "gateway.toml"]
    assert {p.relative_to(tmp_path).parts[0] for p in made} >= {"var", "db", "mail", "lock"}
    open_to_others = {str(p.relative_to(tmp_path)): oct(_mode(p)) for p in made if _mode(p) & 0o077}
    assert open_to_others == {}


def test_the_daemon_lock_is_private_whatever_the_umask(tmp_path: Path) -> None:
    """``run``'s lock beside the database, like the pipe's drain.lock: it was 0666 under
    a umask of 000, in a data folder an operator may have made 0755 themselves."""
    from gateway.receive.pipe import hold_daemon_lock, lock_path

    with umask(0o000):
        held = hold_daemon_lock(tmp_path / "var")
    try:
        assert _mode(lock_path(tmp_path / "var")) == 0o600
    finally:
        held.close()


# ------------------------------------------------------------------ finding 12


def test_reply_tokens_are_masked_in_every_log_line() -> None:
    token = tokens.make_token(b"k" * 32, 42, "ops@example.test")
    address = f"support+42-{token}@example.test"
    record = logging.LogRecord(
        "gateway.receive.smtp", logging.INFO, __file__, 1, "stored to=%s", (address,), None
    )
    record.envelope_to = [address]  # a structured field (JSON logs) carries it too
    for fmt in ("text", "json"):
        root = logging.getLogger(f"t-{fmt}")
        handler = logging.StreamHandler()
        root.addHandler(handler)
        try:
            logs.use_format(fmt, root)
            line = handler.format(record)
        finally:
            root.removeHandler(handler)
        assert token not in line and "support+42-…@example.test" in line, line


def test_the_daemon_never_logs_a_members_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    port = free_port()
    settings = load_settings(write_config(tmp_path, port=port, locale="en"))
    token = tokens.make_token(settings.gateway.secret, 1, "ops@example.test")
    stop, ready = threading.Event(), threading.Event()
    seen: list[str] = []
    root = logging.getLogger()
    handler = logging.StreamHandler()  # stderr, as the CLI sets it up
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    smtp_log = logging.getLogger("gateway.receive.smtp")
    smtp_log.setLevel(logging.DEBUG)  # its line per stored message, with the envelope
    thread = threading.Thread(
        target=daemon.run, args=(settings,), kwargs={"stop": stop, "ready": ready}
    )
    thread.start()
    try:
        assert ready.wait(30)
        logs.use_format("text")
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.sendmail(
                "ops@example.test", [f"support+1-{token}@example.test"], mail(subject="token")
            )
        assert eventually(lambda: "stored inbox=" in _collect(capfd, seen))
        assert eventually(lambda: "ingest inbox=" in _collect(capfd, seen))
    finally:
        stop.set()
        thread.join(daemon.STOP_BOUND + PATIENCE)
        root.removeHandler(handler)
        smtp_log.setLevel(logging.NOTSET)
    logged = _collect(capfd, seen)
    assert "support+1-…@example.test" in logged and token not in logged


def _collect(capfd: pytest.CaptureFixture[str], seen: list[str]) -> str:
    seen.append(capfd.readouterr().err)
    return "".join(seen)
