"""``status`` says the pages are "listening" only when this gateway answers on the
configured port: it knocked, and took any program that accepted the connection (another
web server, another instance of the gateway left on the port) for the pages."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from gateway.receive import pipe
from gateway.runtime.cli import main as cli
from tests.support.config import SECRET_ENV, write_config
from tests.support.daemon import daemon_thread
from tests.support.ports import free_port
from tests.support.waiting import SERVER_POLL


class _Anything(BaseHTTPRequestHandler):
    """Another program's web server: 200 and a page for every path."""

    def do_GET(self) -> None:
        body = b"<html><body>another program</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def foreign_port() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Anything)
    thread = threading.Thread(target=server.serve_forever, args=(SERVER_POLL,), daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)


def _status(config: Path, capsys: pytest.CaptureFixture[str]) -> tuple[dict[str, object], str]:
    cli.main(["--config", str(config), "status", "--json"])
    web = json.loads(capsys.readouterr().out)["web"]
    cli.main(["--config", str(config), "status"])
    return web, capsys.readouterr().out


@pytest.mark.usefixtures("secret")
def test_another_program_on_the_port_is_not_the_pages(
    tmp_path: Path,
    foreign_port: int,
    capsys: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
) -> None:
    config = write_config(tmp_path, extra=f"[web]\nport = {foreign_port}\n")
    assert cli.main(["--config", str(config), "db", "upgrade"]) == 0
    capsys.readouterr()
    running = pipe.hold_daemon_lock(tmp_path / "var")  # a daemon holds the lock …
    request.addfinalizer(running.close)
    web, out = _status(config, capsys)  # … but its pages are not what answers
    assert web["listening"] is False and web["other"] is True, web
    assert f"web: http://127.0.0.1:{foreign_port}/" in out
    assert "another program answers there, not this gateway" in out, out
    assert "listening" not in out.replace("not answering", ""), out


@pytest.mark.usefixtures("secret")
def test_this_gateways_pages_are_listening(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    config = write_config(tmp_path, port=free_port(), extra=f"[web]\nport = {port}\n")
    with daemon_thread(config) as (ready, _stop, _result):
        assert ready.wait(60)
        web, out = _status(config, capsys)
    assert web["listening"] is True and web["other"] is False, web
    assert f"web: http://127.0.0.1:{port}/ (" in out and "): listening" in out, out
    web, out = _status(config, capsys)  # stopped: nothing answers now
    assert web["listening"] is False and web["other"] is False, web
    assert "not answering (is the daemon running?)" in out, out


def _loopback_name() -> str | None:
    """A name of this machine other than ``localhost`` that resolves to a loopback
    address (its host name, often), or None."""
    import ipaddress
    import socket

    name = socket.gethostname()
    try:
        address = socket.gethostbyname(name)
    except OSError:
        return None
    return name if name != "localhost" and ipaddress.ip_address(address).is_loopback else None


@pytest.mark.usefixtures("secret")
def test_pages_listening_under_a_host_name_that_is_not_their_address(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``[web] host`` a name of this machine, ``base_url`` the name people use: the pages
    answer a ``Host`` of neither (DNS rebinding: gateway.web.hosts), so ``status`` asks
    without one, as HTTP/1.0 may."""
    name = _loopback_name()
    if name is None:
        pytest.skip("this machine's host name does not resolve to a loopback address")
    port = free_port()
    extra = f'[web]\nhost = "{name}"\nport = {port}\nbase_url = "https://help.example.test/"\n'
    config = write_config(tmp_path, port=free_port(), extra=extra)
    with daemon_thread(config) as (ready, _stop, _result):
        assert ready.wait(60)
        web, out = _status(config, capsys)
    assert web["listening"] is True and web["other"] is False, (web, out)


@pytest.mark.usefixtures("secret")
def test_a_port_that_accepts_and_never_answers_is_not_another_program(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A hung daemon (stopped with SIGSTOP, stuck in a loop): the kernel still accepts
    connections on its port, and nothing answers. ``status`` said "another program
    answers there, not this gateway", sending the person on call to look for a program
    that is not there; nothing answered, which is said, and the daemon's hang with it."""
    import socket

    quiet = socket.socket()
    quiet.bind(("127.0.0.1", 0))
    quiet.listen(8)  # the kernel completes the handshake; nobody ever reads
    request.addfinalizer(quiet.close)
    port = quiet.getsockname()[1]
    config = write_config(tmp_path, extra=f"[web]\nport = {port}\n")
    assert cli.main(["--config", str(config), "db", "upgrade"]) == 0
    capsys.readouterr()
    running = pipe.hold_daemon_lock(tmp_path / "var")
    request.addfinalizer(running.close)
    web, out = _status(config, capsys)
    assert web["listening"] is False and web["other"] is None, web
    assert web["silent"] is True, web
    assert "another program" not in out, out
    assert "accepts connections but does not answer (is the daemon hung?)" in out, out
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    cli.main(["--config", str(config), "status"])
    out = capsys.readouterr().out
    assert "接続は受け付けますが応答しません（デーモンが止まっていませんか?）" in out, out
