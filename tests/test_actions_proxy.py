"""Webhook actions through an outgoing HTTP proxy, as a company network makes them go:
a real proxy of our own (tests/support/proxy.py) that alone knows where
``hooks.example.test`` is, in front of a real HTTPS receiver with the suite's certificates.
The proxy is taken from the environment as curl and urllib take it, or from
``[actions] proxy``; https runs in a CONNECT tunnel with the target's certificate checked
against the target's name; the proxy's refusals and silences are a failed connection,
tried again; its password reaches the proxy and nothing else."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from gateway.actions import failures
from gateway.actions.outcome import Step, Verdict
from gateway.actions.webhook import SIGNATURE_HEADER, deliver
from gateway.actions.worker import ActionWorker
from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.os_errors import EAI_SAID
from gateway.core.proxies import ProxySetting
from gateway.runtime.app import App
from tests.support.actions import drain, runs
from tests.support.config import config_error, load_toml
from tests.support.databases import sqlite_only
from tests.support.hooks import HookServer
from tests.support.mails import mail
from tests.support.pipeline import deliver as deliver_mail
from tests.support.pipeline import show
from tests.support.proxy import ProxyServer
from tests.support.smtp import self_signed
from tests.support.waiting import PATIENCE
from tests.test_actions_webhook import REQUEST, SECRET, webhook_app

HOST = "hooks.example.test"  # known to the proxy only, as an outside host is behind one
URL = f"https://{HOST}/hooks/account"
USER, PASSWORD = "taro", "p@ss:秘密-0123"
QUOTED = "p%40ss%3A%E7%A7%98%E5%AF%86-0123"  # PASSWORD as it is written in a URL


# every test names its own proxy (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("no_proxy_environment")


@pytest.fixture(scope="module")
def named_tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A certificate for hooks.example.test alone (its own CA, given as ``ca_file``)."""
    return self_signed(tmp_path_factory.mktemp("named"), HOST)


@pytest.fixture
def receiver(named_tls: tuple[Path, Path]) -> Iterator[HookServer]:
    server = HookServer(tls=named_tls).start()
    yield server
    server.stop()


@pytest.fixture
def proxy(receiver: HookServer) -> Iterator[ProxyServer]:
    server = ProxyServer(routes={HOST: receiver.port}).start()
    yield server
    server.stop()


def app_for(settings: Settings, clock: FakeClock, tmp_path: Path, ca: Path, url: str = URL) -> App:
    return webhook_app(settings, clock, tmp_path, url, extra=f"ca_file: {ca}")


def exhaust(app: App, clock: FakeClock) -> list[Step]:
    """The steps of the remaining tries (3 retries), each due after its backoff."""
    steps = []
    for _ in range(3):
        clock.advance(timedelta(hours=1))
        steps += [d.step for d in drain(app)]
    return steps


@pytest.mark.parametrize("name", ["https_proxy", "HTTPS_PROXY"])
@sqlite_only
def test_https_goes_through_a_connect_tunnel_of_the_environment_proxy(
    settings: Settings,
    clock: FakeClock,
    tmp_path: Path,
    named_tls: tuple[Path, Path],
    receiver: HookServer,
    proxy: ProxyServer,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
) -> None:
    monkeypatch.setenv(name, proxy.url())
    monkeypatch.setenv("no_proxy", ".corp,localhost")  # another suffix: not this host
    app = app_for(settings, clock, tmp_path, named_tls[0])
    try:
        deliver_mail(app, REQUEST)
        [done] = drain(app)
        assert (done.step, done.status) == (Step.SUCCEEDED, 200), done.error
        # the proxy saw where the call went and nothing of it: TLS ran inside the tunnel
        [passage] = proxy.passages
        assert (passage.method, passage.target) == ("CONNECT", f"{HOST}:443")
        assert "Proxy-Authorization" not in passage.headers
        [got] = receiver.deliveries
        assert got.headers["Host"] == HOST and got.path == "/hooks/account"
        expected = "sha256=" + hmac.new(SECRET, got.body, hashlib.sha256).hexdigest()
        assert got.headers[SIGNATURE_HEADER] == expected
    finally:
        app.close()


@sqlite_only
def test_the_proxy_password_reaches_the_proxy_and_nothing_else(
    settings: Settings,
    clock: FakeClock,
    tmp_path: Path,
    named_tls: tuple[Path, Path],
    receiver: HookServer,
    proxy: ProxyServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    proxy.credentials = (USER, PASSWORD)
    monkeypatch.setenv("https_proxy", proxy.url(USER, QUOTED))
    app = app_for(settings, clock, tmp_path, named_tls[0])
    try:
        ticket_id = deliver_mail(app, REQUEST).ticket_id or 0
        [done] = drain(app)
        assert done.step == Step.SUCCEEDED, done.error
        [connect] = proxy.passages
        basic = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        assert connect.headers["Proxy-Authorization"] == f"Basic {basic}"
        [got] = receiver.deliveries
        assert not any(h.lower().startswith("proxy-") for h in got.headers)

        # a wrong password: 407, said so, tried again; the password is in no record
        monkeypatch.setenv("https_proxy", proxy.url(USER, "wrong-" + QUOTED))
        deliver_mail(app, mail(subject="account", body="User ID: hanako\n"))
        [refused] = drain(app)
        assert refused.step == Step.RETRY and refused.status is None
        assert "407 Proxy Authentication Required" in refused.error
        assert f"through the proxy http://{USER}:…@127.0.0.1:{proxy.port}" in refused.error
        recorded = f"{caplog.text} {runs(app)} {show(app, ticket_id)} {refused}"
        for secret in (PASSWORD, QUOTED, "wrong-", basic):
            assert secret not in recorded
    finally:
        app.close()


@pytest.mark.parametrize("status", [403, 407])
@sqlite_only
def test_a_proxy_that_refuses_the_tunnel_fails_the_try_and_it_is_tried_again(
    settings: Settings,
    clock: FakeClock,
    tmp_path: Path,
    named_tls: tuple[Path, Path],
    receiver: HookServer,
    proxy: ProxyServer,
    monkeypatch: pytest.MonkeyPatch,
    status: int,
) -> None:
    """403: the proxy's rules forbid the host; 407: it wants credentials we did not give.
    The target never saw the call, and the fix is the proxy's owner's: a failed
    connection, tried again as the retry policy says, then the run fails."""
    if status == 403:
        proxy.refuse = 403
    else:
        proxy.credentials = (USER, PASSWORD)
    monkeypatch.setenv("https_proxy", proxy.url())
    app = app_for(settings, clock, tmp_path, named_tls[0])
    try:
        deliver_mail(app, REQUEST)
        [first] = drain(app)
        assert (first.step, first.status) == (Step.RETRY, None)
        assert first.error.startswith("connection failed: through the proxy http://127.0.0.1:")
        assert first.error.endswith(
            f"Tunnel connection failed: {status} "
            + ("Forbidden" if status == 403 else "Proxy Authentication Required")
        )
        assert exhaust(app, clock) == [Step.RETRY, Step.RETRY, Step.FAILED]
        assert len(proxy.passages) == 4 and receiver.deliveries == []
        [run] = runs(app)
        assert run["state"] == "failed" and run["last_error"] == first.error
    finally:
        app.close()


@sqlite_only
def test_a_silent_proxy_is_cut_at_the_timeout(
    settings: Settings,
    clock: FakeClock,
    tmp_path: Path,
    named_tls: tuple[Path, Path],
    proxy: ProxyServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    proxy.hang = True  # reads the CONNECT, never answers
    monkeypatch.setenv("https_proxy", proxy.url())
    app = webhook_app(settings, clock, tmp_path, URL, extra=f"ca_file: {named_tls[0]}", timeout=2)
    try:
        deliver_mail(app, REQUEST)
        started = time.monotonic()
        [done] = drain(app)
        took = time.monotonic() - started
        assert (done.step, done.error) == (Step.RETRY, "no answer within 2s")
        # the proxy would say nothing until stopped: the upper bound only has to tell the
        # timeout from that, and leaves a loaded machine its seconds
        assert 1.5 < took < PATIENCE
        assert [p.method for p in proxy.passages] == ["CONNECT"]
    finally:
        app.close()


@sqlite_only
def test_a_certificate_for_another_host_through_the_tunnel_is_refused(
    settings: Settings,
    clock: FakeClock,
    tmp_path: Path,
    tls_files: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The receiver shows a trusted certificate for localhost and 127.0.0.1 (the proxy's
    own address): checked against the proxy's name it would pass; against the target's,
    hooks.example.test, it is refused before a byte of the document is sent."""
    receiver = HookServer(tls=tls_files).start()
    proxy = ProxyServer(routes={HOST: receiver.port}).start()
    monkeypatch.setenv("https_proxy", proxy.url())
    app = app_for(settings, clock, tmp_path, tls_files[0])
    try:
        deliver_mail(app, REQUEST)
        [done] = drain(app)
        assert done.step == Step.FAILED
        assert (
            done.error
            == "TLS certificate not trusted: the server's certificate is not for this host name"
        )
        assert [p.target for p in proxy.passages] == [f"{HOST}:443"]
        assert receiver.deliveries == []
    finally:
        app.close()
        proxy.stop()
        receiver.stop()


@pytest.mark.parametrize("no_proxy", [".example.test", "example.test", HOST, "*"])
@sqlite_only
def test_no_proxy_hosts_are_reached_directly(
    settings: Settings,
    clock: FakeClock,
    tmp_path: Path,
    named_tls: tuple[Path, Path],
    proxy: ProxyServer,
    monkeypatch: pytest.MonkeyPatch,
    no_proxy: str,
) -> None:
    """Directly, this machine cannot resolve hooks.example.test: the failure shows the
    call did not go to the proxy. ``*`` is everything only alone, as for curl."""
    monkeypatch.setenv("https_proxy", proxy.url())
    monkeypatch.setenv("NO_PROXY", no_proxy if no_proxy == "*" else f"intra.corp,{no_proxy}")
    app = app_for(settings, clock, tmp_path, named_tls[0])
    try:
        deliver_mail(app, REQUEST)
        [done] = drain(app)
        assert done.step == Step.RETRY and _unresolved(done.error)
        assert proxy.passages == []
    finally:
        app.close()


@sqlite_only
def test_http_proxy_is_for_http_and_this_machine_is_never_behind_a_proxy(
    settings: Settings,
    clock: FakeClock,
    tmp_path: Path,
    tls_files: tuple[Path, Path],
    named_tls: tuple[Path, Path],
    proxy: ProxyServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("http_proxy", proxy.url())  # as curl: not for an https URL
    app = app_for(settings, clock, tmp_path, named_tls[0])
    try:
        deliver_mail(app, REQUEST)
        [done] = drain(app)
        assert _unresolved(done.error) and proxy.passages == []
    finally:
        app.close()
    # localhost is this machine whatever no_proxy says: the proxy's localhost is not ours
    monkeypatch.setenv("https_proxy", proxy.url())
    local = HookServer(tls=tls_files).start()
    folder = tmp_path / "local"
    folder.mkdir()
    app = app_for(settings, clock, folder, tls_files[0], local.url(host="localhost"))
    try:
        deliver_mail(app, mail(subject="account", body="User ID: hanako\n"))
        assert [d.step for d in drain(app)] == [Step.SUCCEEDED]
        assert len(local.deliveries) == 1 and proxy.passages == []
    finally:
        app.close()
        local.stop()


def test_an_http_target_through_a_proxy_is_asked_for_in_absolute_form(
    proxy: ProxyServer,
) -> None:
    """Plain http reaches only this machine (``catalog check``), which no proxy stands
    in front of; the runner itself still speaks to a proxy as HTTP says."""
    plain = HookServer().start()
    proxy.routes = {HOST: plain.port}
    proxy.credentials = (USER, PASSWORD)
    try:
        attempt = deliver(
            f"http://{HOST}/hooks/account?x=1",
            b"{}",
            secret=SECRET,
            key="k-1",
            timeout=PATIENCE,  # answered at once: only a failure waits this long
            limit=4096,
            proxies=ProxySetting(proxy.url(USER, QUOTED)),
        )
        assert attempt.verdict == Verdict.OK, attempt.error
        [passage] = proxy.passages
        assert (passage.method, passage.target) == ("POST", f"http://{HOST}/hooks/account?x=1")
        assert passage.headers["Host"] == HOST
        assert passage.headers["Proxy-Authorization"].startswith("Basic ")
        [got] = plain.deliveries
        assert got.path == "/hooks/account?x=1" and got.body == b"{}"
    finally:
        plain.stop()


@sqlite_only
def test_the_proxy_of_the_config_comes_before_the_environment(
    settings: Settings,
    clock: FakeClock,
    tmp_path: Path,
    named_tls: tuple[Path, Path],
    receiver: HookServer,
    proxy: ProxyServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("https_proxy", "http://127.0.0.1:9")  # nothing listens: unused
    app = app_for(settings, clock, tmp_path, named_tls[0])
    try:
        configured = replace(app.settings.actions, proxy=ProxySetting(proxy.url()))
        worker = ActionWorker(
            replace(app.settings, actions=configured), app.clock, app.sessions, app.catalog
        )
        deliver_mail(app, REQUEST)
        [done] = worker.drain()
        assert done.step == Step.SUCCEEDED, done.error
        assert [p.method for p in proxy.passages] == ["CONNECT"]
        # no_proxy of the config (the environment's is not read with a configured proxy)
        monkeypatch.setenv("no_proxy", "*")
        bypassing = ProxySetting(proxy.url(), ("example.test",))
        worker.settings = replace(app.settings, actions=replace(configured, proxy=bypassing))
        deliver_mail(app, mail(subject="account", body="User ID: hanako\n"))
        [direct] = worker.drain()
        assert _unresolved(direct.error)
        assert len(proxy.passages) == 1
    finally:
        app.close()


def test_the_proxy_key_is_read_and_checked(tmp_path: Path) -> None:
    settings = load_toml(
        tmp_path, "[actions]", 'proxy = "http://taro@proxy.corp:8080"', 'no_proxy = [".corp"]'
    )
    assert settings.actions.proxy == ProxySetting("http://taro@proxy.corp:8080", (".corp",))
    assert load_toml(tmp_path, "[actions]", 'proxy = ""').actions.proxy == ProxySetting("")
    assert load_toml(tmp_path, "[actions]").actions.proxy == ProxySetting(None)
    for value, problem in [
        ('"socks5://proxy.corp:1080"', "only http:// proxies can be used, not socks5://"),
        ('"http://proxy.corp:80x"', "not a proxy URL (http://host:port)"),
        ('"http://taro:secret@proxy.corp:8080"', "no password in the config text"),
    ]:
        err = config_error(tmp_path, "[actions]", f"proxy = {value}")
        assert (err.key, err.path) == ("actions.proxy", str(tmp_path / "gateway.toml"))
        assert problem in err.problem and "secret" not in err.problem
    err = config_error(tmp_path, "[actions]", 'no_proxy = [".corp"]')
    assert err.key == "actions.no_proxy" and "only together with proxy" in err.problem


def _unresolved(error: str) -> bool:
    """``error`` says that this machine could not resolve the target's name (it tried it
    directly, not through the proxy), in the resolver's words as os_errors says them."""
    said = {str(failures.connection_failed(m)) for m in EAI_SAID.values()}
    return error in said or error.startswith("connection failed: the host name cannot be")
