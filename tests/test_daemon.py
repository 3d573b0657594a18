"""``ticket-gateway run``: mail sent to the listener becomes a ticket; SIGTERM stops
it gracefully within the bound; a database that is down at start is waited for.

In-process (``daemon.run`` in a thread with a ``stop`` event) where we can,
and the real console script in a subprocess for signals and the no-config start.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import smtplib
import socket
import sqlite3
import subprocess
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gateway.receive import pipe
from gateway.runtime import daemon
from gateway.runtime.cli import main as cli
from tests.support.config import SECRET_ENV, write_config
from tests.support.daemon import (
    clean_env,
    console_script,
    daemon_thread,
    wait_for_port,
)
from tests.support.mails import mail
from tests.support.ports import free_port
from tests.support.waiting import PATIENCE, eventually


def _tickets(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, Any]]:
    capsys.readouterr()
    assert cli.main([*args, "tickets", "list", "--json"]) == 0
    result: list[dict[str, Any]] = json.loads(capsys.readouterr().out)
    return result


def test_mail_sent_to_the_daemon_shows_up_in_tickets_list(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    port = free_port()
    config = write_config(tmp_path, port=port, locale="en")
    with daemon_thread(config) as (ready, stop, result):
        assert ready.wait(30)
        with smtplib.SMTP("127.0.0.1", port) as client:
            client.sendmail(
                "alice@customer.test", ["support@example.test"], mail(subject="Daemon ticket")
            )
        tickets = eventually(lambda: _tickets(capsys, "--config", str(config)))
        assert [t["subject"] for t in tickets] == ["Daemon ticket"]
        assert tickets[0]["requester"] == "alice@customer.test"
        assert pipe.daemon_running(tmp_path / "var")  # `ingest -` may hand rows to us
        assert cli.main(["--config", str(config), "run"]) == cli.EX_CONFIG  # one per data_dir
        stop.set()  # daemon_thread waits for the end (STOP_BOUND, and PATIENCE for a slow machine)
    assert result == [0]
    assert not pipe.daemon_running(tmp_path / "var")


def test_database_down_at_start_is_retried_not_a_crash(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    blocker = tmp_path / "down.db"
    blocker.mkdir()  # SQLite cannot open a folder: "unable to open database file"
    port = free_port()
    config = write_config(tmp_path, port=port, url=f"sqlite:///{blocker}", locale="en")
    with (
        caplog.at_level(logging.ERROR, logger="gateway.daemon"),
        daemon_thread(config) as (ready, _stop, result),
    ):
        assert eventually(lambda: "database unavailable at start" in caplog.text)
        assert not ready.is_set()
        blocker.rmdir()  # the database comes back
        assert ready.wait(30)
        with smtplib.SMTP("127.0.0.1", port) as client:
            assert client.noop()[0] == 250
    assert result == [0]


def test_port_in_use_is_a_config_error_naming_smtp_port(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    with socket.create_server(("127.0.0.1", 0)) as taken:
        config = write_config(tmp_path, port=taken.getsockname()[1], locale="en")
        assert cli.main(["--config", str(config), "run"]) == cli.EX_CONFIG


def test_a_socket_path_that_cannot_be_bound_names_smtp_host(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An LMTP socket (``host`` a path) in a folder that does not exist: the error named
    ``[smtp.port]``, a key the operator had not even set, instead of ``[smtp.host]``."""
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    socket_path = tmp_path / "missing" / "lmtp.sock"
    config = write_config(
        tmp_path, locale="en", extra=f'[smtp]\nlmtp = true\nhost = "{socket_path}"\n'
    )
    assert cli.main(["--config", str(config), "run"]) == cli.EX_CONFIG
    err = capsys.readouterr().err
    assert f"[smtp.host] cannot listen on {socket_path}: no such file or folder" in err


# ---------------------------------------------------------------- the real command


def test_sigterm_lets_the_session_in_flight_finish_and_exits_0(tmp_path: Path) -> None:
    port = free_port()
    config = write_config(tmp_path, port=port, locale="en")
    proc = subprocess.Popen(
        [console_script(), "--config", str(config), "run"],
        env=clean_env(**SECRET_ENV),
        stderr=subprocess.PIPE,
    )
    try:
        wait_for_port(port, proc)
        client = smtplib.SMTP("127.0.0.1", port)
        client.ehlo()
        client.mail("alice@customer.test")
        client.rcpt("support@example.test")
        proc.send_signal(signal.SIGTERM)

        def refused() -> bool:
            try:
                smtplib.SMTP("127.0.0.1", port).quit()
            except smtplib.SMTPConnectError as exc:
                return exc.smtp_code == 421
            return False

        assert eventually(refused)
        assert client.data(mail(subject="In flight"))[0] == 250
        client.close()
        # exits 0 once the session is done, not at the session timeout (90 s) nor later
        assert proc.wait(daemon.STOP_BOUND + PATIENCE) == 0
    finally:
        proc.kill()
        proc.wait()
        assert proc.stderr is not None
        proc.stderr.close()
    out = subprocess.run(
        [console_script(), "--config", str(config), "inbox", "list", "--json"],
        env=clean_env(**SECRET_ENV),
        capture_output=True,
        check=True,
    )
    assert len(json.loads(out.stdout)) == 1


def _command_line(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")[:-1]
    except OSError:  # it ended meanwhile
        return []


def test_the_command_runs_the_daemon_without_docstrings_in_the_same_process(
    tmp_path: Path,
) -> None:
    """``run`` becomes ``python -OO -m gateway run`` in its own process (its PID is the
    one systemd started and watches), and its processing child is started so too: the
    docstrings stay out of the daemon's 200 MB (issue #18)."""
    port = free_port()
    config = write_config(tmp_path, port=port, locale="en")
    proc = subprocess.Popen(
        [console_script(), "--config", str(config), "run"],
        env=clean_env(**SECRET_ENV),
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, proc)
        line = _command_line(proc.pid)
        assert line[1:5] == ["-P", "-OO", "-m", "gateway"], line
        assert line[5:] == ["--config", str(config), "run"], line

        def children() -> list[list[str]]:
            # each thread's children: the child is started by one of the daemon's threads
            tasks = Path(f"/proc/{proc.pid}/task").glob("*/children")
            return [_command_line(int(pid)) for t in tasks for pid in t.read_text().split()]

        child = eventually(
            lambda: [c for c in children() if "gateway.runtime.processing" in c] or None
        )
        assert child[0][1:3] == ["-P", "-OO"], child
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(daemon.STOP_BOUND + PATIENCE) == 0
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_to_the_whole_group_is_a_quiet_stop(tmp_path: Path, sig: signal.Signals) -> None:
    """systemd's stop (SIGTERM to every process of the unit) and Ctrl-C in a terminal
    (SIGINT to the foreground group) reach the processing child as well as the daemon;
    the child, being idle, ends first. That is the service stopping, not a crash: no
    error and no traceback in the log, and exit 0."""
    port = free_port()
    # the pages on too, as in the built-in defaults: their stop widens the window in
    # which the child is gone and the daemon's workers were not yet told to stop
    extra = f'[web]\nport = {free_port()}\nbase_url = "http://127.0.0.1"\n'
    config = write_config(tmp_path, port=port, locale="en", extra=extra)
    proc = subprocess.Popen(
        [console_script(), "--config", str(config), "run"],
        env=clean_env(**SECRET_ENV),
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a group of its own, as a unit's cgroup or a terminal's job
    )
    try:
        wait_for_port(port, proc)
        with smtplib.SMTP("127.0.0.1", port) as client:
            client.sendmail("a@customer.test", ["support@example.test"], mail(subject="Hi"))
        # the child has worked a row and is idle (a fixed 1.5s was not always enough)
        assert eventually(lambda: _inbox_states(tmp_path) == ["done"])
        os.killpg(proc.pid, sig)
        assert proc.wait(daemon.STOP_BOUND + PATIENCE) == 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.stderr is not None
    log = proc.stderr.read()
    proc.stderr.close()
    assert "ERROR" not in log and "Traceback" not in log, log


def test_run_without_config_listens_on_127_0_0_1_2525(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The quick start: mail on 127.0.0.1:2525 and the pages on 127.0.0.1:8080."""
    for port in (2525, 8080):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                pytest.skip(f"127.0.0.1:{port} is taken on this machine")
    proc = subprocess.Popen(
        [console_script(), "run"], cwd=tmp_path, env=clean_env(), stderr=subprocess.PIPE
    )
    try:
        wait_for_port(2525, proc)
        wait_for_port(8080, proc)
        with urllib.request.urlopen("http://127.0.0.1:8080/", timeout=10) as page:
            assert page.status == 200 and "/new/vpn" in page.read().decode()
        with smtplib.SMTP("127.0.0.1", 2525) as client:
            client.sendmail(
                "bob@customer.test",
                ["support@example.test"],
                mail(subject="No config needed", sender="bob@customer.test"),
            )
        monkeypatch.chdir(tmp_path)
        for key in [k for k in os.environ if k.startswith("TICKET_GATEWAY_")]:
            monkeypatch.delenv(key)
        tickets = eventually(lambda: _tickets(capsys))
        assert [t["subject"] for t in tickets] == ["No config needed"]
        assert (tmp_path / "var" / "gateway.db").exists()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(daemon.STOP_BOUND + PATIENCE) == 0
    finally:
        proc.kill()
        proc.wait()
        assert proc.stderr is not None
        proc.stderr.close()


def test_daemon_sends_the_acknowledgement_into_the_local_maildir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The embedded default: the sender worker drains the outbox into var/outbound."""
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    port = free_port()
    config = write_config(tmp_path, port=port, locale="en")
    new = tmp_path / "var" / "outbound" / "new"
    with daemon_thread(config) as (ready, _stop, result):
        assert ready.wait(30)
        with smtplib.SMTP("127.0.0.1", port) as client:
            client.sendmail(
                "alice@customer.test",
                ["support@example.test"],
                mail(
                    subject="Please acknowledge", message_id="<d-1@c.test>", date=datetime.now(UTC)
                ),
            )  # the daemon's real clock
        # one first answer: the acknowledgement, which also asks for the required fields
        # of the entry the example catalog files this VPN request under
        files = eventually(lambda: sorted(new.glob("*")))
        time.sleep(0.5)  # a second mail would be there by now
        texts = [f.read_text(encoding="utf-8") for f in sorted(new.glob("*"))]
        assert len(files) == len(texts) == 1
        assert all(
            "In-Reply-To: <d-1@c.test>" in t and "Auto-Submitted: auto-replied" in t for t in texts
        )
        assert [t.split("X-Ticket-Gateway: ", 1)[1].split(";")[0].split()[0] for t in texts] == [
            "acknowledgement"
        ]
    assert result == [0]


def test_sighup_reloads_the_catalog_and_refuses_a_broken_one(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.yaml"
    fallback = (
        "  - id: other\n    name: Other\n    fallback: true\n    manager: boss@example.test\n"
    )
    catalog.write_text("entries:\n" + fallback, encoding="utf-8")
    port = free_port()
    config = write_config(tmp_path, port=port, locale="en")
    config.write_text(
        config.read_text(encoding="utf-8") + f'[catalog]\npath = "{catalog}"\n', encoding="utf-8"
    )
    log = tmp_path / "daemon.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [console_script(), "--config", str(config), "run"],
            env=clean_env(**SECRET_ENV),
            stderr=sink,
        )
        try:
            wait_for_port(port, proc)

            def send(subject: str) -> None:
                with smtplib.SMTP("127.0.0.1", port) as client:
                    client.sendmail(
                        "alice@customer.test", ["support@example.test"], mail(subject=subject)
                    )

            def filed() -> list[str]:
                listing = subprocess.run(
                    [console_script(), "--config", str(config), "tickets", "list", "--json"],
                    env=clean_env(**SECRET_ENV),
                    capture_output=True,
                    check=True,
                ).stdout
                return [t["catalog"] for t in json.loads(listing)]

            # processing runs (in the daemon's child) with the first catalog
            send("VPN is down")
            assert eventually(lambda: filed() == ["other"])
            catalog.write_text(
                "entries:\n  - id: vpn\n    name: VPN\n"
                "    keywords: [{regex: '[unclosed'}]\n" + fallback,
                encoding="utf-8",
            )
            proc.send_signal(signal.SIGHUP)
            assert eventually(lambda: b"catalog reload refused" in log.read_bytes())
            # the bad regex, by line: a log record of its own, written just after
            assert eventually(lambda: b"catalog.yaml:4:" in log.read_bytes())
            catalog.write_text(
                "entries:\n  - id: vpn\n    name: VPN\n    keywords: [vpn]\n" + fallback,
                encoding="utf-8",
            )
            proc.send_signal(signal.SIGHUP)
            # the daemon and its processing child each say so
            assert eventually(lambda: log.read_bytes().count(b"catalog reloaded") == 2)
            send("VPN is still down")
            # filed by the reloaded catalog, where the mails are processed
            assert eventually(lambda: filed() == ["other", "vpn"])
            assert b"at the next start" not in log.read_bytes()  # gateway.toml is as it was
            # a changed gateway.toml, with no Slack: not taken, and the log says so
            config.write_text(
                config.read_text(encoding="utf-8") + '[schedule]\ndigest = "tue 09:00"\n',
                encoding="utf-8",
            )
            proc.send_signal(signal.SIGHUP)
            assert eventually(lambda: b"take effect at the next start" in log.read_bytes())
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(daemon.STOP_BOUND + PATIENCE) == 0
        finally:
            proc.kill()
            proc.wait()


def _inbox_states(folder: Path) -> list[str]:
    """The inbox rows' states in the daemon's SQLite database (WAL: read beside it)."""
    with contextlib.closing(sqlite3.connect(folder / "gateway.db")) as db:
        return [str(state) for (state,) in db.execute("SELECT state FROM inbox")]
