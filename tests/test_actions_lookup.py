"""A webhook's host name lookup is bounded by the action's timeout, like the rest of it.

The system's ``getaddrinfo`` takes no timeout: a name server that never answered held
the worker past the timeout and past the run's lease. The lookup is an edge of its own
(``ActionWorker.lookup``, ``deliver(lookup=…)``); here a resolver stand-in that never
answers is put there, and the worker itself runs the action against real servers of
ours: the attempt ends at the timeout while the stand-in still hangs, said so in each
reader's language, and is tried again.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.actions import failures
from gateway.actions.dial import AddressInfo, system_lookup
from gateway.actions.outcome import Step, Verdict
from gateway.actions.webhook import deliver
from gateway.actions.worker import ActionWorker
from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.i18n import load, translate
from gateway.core.os_errors import EAI_SAID
from gateway.core.proxies import ProxySetting
from gateway.runtime.app import App
from tests.support.actions import action_app, runs
from tests.support.databases import sqlite_only
from tests.support.hooks import HookServer
from tests.support.pipeline import deliver as deliver_mail
from tests.support.resolver import Resolver
from tests.support.smtp import self_signed
from tests.support.waiting import PATIENCE
from tests.test_actions_webhook import REQUEST, SECRET, webhook_app

HOST = "hooks.example.test"  # known to the stand-ins only
URL = f"https://{HOST}/hooks/account"


# every test names its own proxy (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("no_proxy_environment")


@pytest.fixture
def hanging() -> Iterator[Resolver]:
    resolver = Resolver(hang=True)
    yield resolver
    resolver.release.set()


@pytest.fixture(scope="module")
def named_tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed(tmp_path_factory.mktemp("named"), HOST)


def _worker(app: App, resolver: Resolver) -> ActionWorker:
    return ActionWorker(app.settings, app.clock, app.sessions, app.catalog, lookup=resolver)


@sqlite_only
def test_a_lookup_that_hangs_ends_at_the_timeout_and_is_tried_again(
    settings: Settings, clock: FakeClock, tmp_path: Path, hanging: Resolver
) -> None:
    (tmp_path / "hook.secret").write_bytes(SECRET)
    action = f"type: webhook\nurl: {URL}\nsecret_file: hook.secret\ntimeout: 1s\nretries: 3"
    app = action_app(settings, clock, tmp_path, action)
    try:
        deliver_mail(app, REQUEST)
        [done] = _worker(app, hanging).drain()
        # recorded while the name server still says nothing: the timeout ended it
        assert hanging.asked == [HOST] and hanging.answered == []
        assert (done.step, done.status) == (Step.RETRY, None)
        assert done.error == f"the name server did not answer for {HOST} within 1s"
        [run] = runs(app)
        assert run["state"] == "pending" and run["last_error"] == done.error
        said = load(run["last_error_said"])
        ja = translate(said, "ja")
        assert ja == f"{HOST} の名前解決で、ネームサーバーが 1 秒以内に応答しませんでした"
        assert translate(said, "en") == done.error
    finally:
        app.close()


@sqlite_only
def test_the_lookup_edge_is_the_one_the_webhook_uses(
    settings: Settings, clock: FakeClock, tmp_path: Path, named_tls: tuple[Path, Path]
) -> None:
    """A name only the stand-in knows is reached through it, and the certificate is still
    checked against the name, not the address it was looked up to."""
    receiver = HookServer(tls=named_tls).start()
    resolver = Resolver(names={HOST})
    url = f"https://{HOST}:{receiver.port}/hooks/account"
    app = webhook_app(settings, clock, tmp_path, url, extra=f"ca_file: {named_tls[0]}")
    try:
        deliver_mail(app, REQUEST)
        [done] = _worker(app, resolver).drain()
        assert (done.step, done.status) == (Step.SUCCEEDED, 200), done.error
        assert resolver.asked == [HOST]
        [got] = receiver.deliveries
        assert got.headers["Host"] == f"{HOST}:{receiver.port}"
    finally:
        app.close()
        receiver.stop()


def test_a_proxy_whose_name_does_not_resolve_in_time_is_said_so(hanging: Resolver) -> None:
    """The proxy's name is looked up through the same edge, under the same deadline."""
    attempt = deliver(
        URL,
        b"{}",
        secret=SECRET,
        key="k-1",
        timeout=0.5,
        limit=4096,
        proxies=ProxySetting("http://proxy.corp:3128"),
        lookup=hanging,
    )
    assert hanging.asked == ["proxy.corp"] and hanging.answered == []
    assert attempt.verdict == Verdict.TEMPORARY
    assert attempt.error == failures.lookup_timed_out("proxy.corp", 0.5)


def test_a_name_the_name_server_does_not_know_is_said_as_before() -> None:
    """A lookup that fails (not one that hangs) is the resolver's answer, in our words."""
    resolver = Resolver()
    # the stand-in answers at once: only a failure would wait this long
    attempt = deliver(
        URL, b"{}", secret=SECRET, key="k-1", timeout=PATIENCE, limit=4096, lookup=resolver
    )
    assert resolver.asked == [HOST]
    assert attempt.verdict == Verdict.TEMPORARY
    assert attempt.error == failures.connection_failed(EAI_SAID["EAI_NONAME"])


@pytest.mark.parametrize(
    ("url", "host", "address"),
    [
        (URL, HOST, "169.254.169.254"),  # a name its owner pointed at the metadata service
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254", "169.254.169.254"),
        ("http://[fe80::1]:8080/hook", "fe80::1", "fe80::1"),
        # the same IPv4 address written as IPv6 (an AAAA record, a dual-stack socket):
        # Linux connects to 169.254.169.254 through it
        (URL, HOST, "::ffff:169.254.169.254"),
        (
            "https://[::ffff:a9fe:a9fe]/latest/meta-data/",
            "::ffff:a9fe:a9fe",
            "::ffff:169.254.169.254",
        ),
    ],
)
def test_a_link_local_address_is_never_dialled(url: str, host: str, address: str) -> None:
    """The cloud's metadata service (169.254.169.254, with the instance's credentials)
    and every other link-local address: no webhook lives there, and a name whose owner
    points it there, or a rebinding name server, must not make us post into it."""

    def pointing_there(asked: str, port: int) -> list[AddressInfo]:
        return list(system_lookup(address, port))

    attempt = deliver(
        url, b"{}", secret=SECRET, key="k-1", timeout=PATIENCE, limit=4096, lookup=pointing_there
    )
    assert attempt.verdict == Verdict.PERMANENT
    assert attempt.error == failures.link_local(host, address)
    # refused, not tried until the timeout: the bound tells the two apart and leaves a
    # loaded machine its seconds (a bound of 1s of wall time did not)
    assert attempt.seconds < PATIENCE / 2


@pytest.fixture
def dead_address() -> Iterator[tuple[str, int]]:
    """A local address that never answers, as a dead A record or a broken IPv6 route: a
    listener that never accepts, its backlog full, so a connect to it is not refused but
    left unanswered (its SYN dropped) until the caller gives up."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    where = listener.getsockname()
    filler = socket.create_connection(where, timeout=1)  # the backlog's one place taken
    try:
        yield where
    finally:
        filler.close()
        listener.close()


def test_an_address_that_never_answers_leaves_time_for_the_next_one(
    named_tls: tuple[Path, Path], dead_address: tuple[str, int]
) -> None:
    """A name looked up to a dead address first and a live one after: the dead one gets
    its share of the timeout, not all of it, so the live one is reached within the
    timeout; the certificate is still checked against the name."""
    receiver = HookServer(tls=named_tls).start()

    def dead_first(asked: str, port: int) -> list[AddressInfo]:
        assert asked == HOST
        return [*system_lookup(*dead_address), *system_lookup("127.0.0.1", port)]

    url = f"https://{HOST}:{receiver.port}/hooks/account"
    try:
        attempt = deliver(
            url,
            b"{}",
            secret=SECRET,
            key="k-1",
            # the dead address gets half (waited out: the test's cost); the live one's TLS
            # and answer get the other 6s, which a loaded machine needs (1.5s was short)
            timeout=12.0,
            limit=4096,
            ca_file=named_tls[0],
            lookup=dead_first,
        )
        assert (attempt.verdict, attempt.status) == (Verdict.OK, 200), attempt.error
        assert attempt.seconds < 12.0
        assert len(receiver.deliveries) == 1
    finally:
        receiver.stop()


def test_an_address_that_never_answers_alone_still_ends_at_the_timeout(
    dead_address: tuple[str, int],
) -> None:
    """Its share is all of the timeout when it is the only address; the timeout still
    bounds the whole attempt."""

    def dead_only(asked: str, port: int) -> list[AddressInfo]:
        return list(system_lookup(*dead_address))

    attempt = deliver(
        URL, b"{}", secret=SECRET, key="k-1", timeout=0.3, limit=4096, lookup=dead_only
    )
    assert attempt.verdict == Verdict.TEMPORARY
    assert attempt.error == failures.no_answer(0.3)
    # the dead address would hold the connect for the kernel's two minutes of SYNs: the
    # upper bound tells the timeout from that, and leaves a loaded machine its seconds
    assert 0.25 < attempt.seconds < PATIENCE


@pytest.mark.parametrize(
    ("url", "asked"),
    [
        ("https://[2001:db8::1]/hook", ("2001:db8::1", 443)),
        ("http://[::1]/hook", ("::1", 80)),
        ("https://[2001:db8::1]:8443/hook", ("2001:db8::1", 8443)),
        (URL, (HOST, 443)),
    ],
)
def test_an_ipv6_address_without_a_port_is_called_at_the_schemes_port(
    url: str, asked: tuple[str, int]
) -> None:
    """http.client, given no port, reads an IPv6 host's last group as one: a hook at
    ``https://[2001:db8::1]/hook`` was looked up as the host ``2001:db8:`` at port 1."""
    seen: list[tuple[str, int]] = []

    def recording(host: str, port: int) -> list[AddressInfo]:
        seen.append((host, port))
        raise socket.gaierror(socket.EAI_NONAME, "stand-in")

    deliver(url, b"{}", secret=SECRET, key="k-1", timeout=2, limit=4096, lookup=recording)
    assert seen == [asked]
