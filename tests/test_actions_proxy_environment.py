"""The environment's proxy variables as a webhook reads them, as curl does: the URL's
scheme's own (``https_proxy``, ``http_proxy``), else ``all_proxy`` for either scheme; lower
case before upper case; ``no_proxy`` bypasses whichever named the proxy. A proxy named
there that cannot be spoken (``https://``, ``socks5://``, a malformed URL) fails each
attempt naming the very variable that named it, and is said once at the daemon's start
and in ``status``. Against a real proxy of our own (tests/support/proxy.py) in front of a
real HTTPS receiver (tests/support/hooks.py) that only the proxy knows by name."""

from __future__ import annotations

import json
import logging
import os
import socket
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from gateway.actions.dial import AddressInfo, Lookup, system_lookup
from gateway.actions.outcome import Attempt, Verdict
from gateway.actions.webhook import deliver
from gateway.config.load import load_settings
from gateway.config.proxy import environment_proxy_warning
from gateway.config.settings import ActionSettings
from gateway.core.i18n import translate
from gateway.core.proxies import ProxySetting, environment_proxy
from gateway.runtime.cli import main as cli
from gateway.runtime.daemon import warn_at_start
from tests.support.config import SECRET_ENV, with_database, write_config
from tests.support.hooks import HookServer
from tests.support.proxy import ProxyServer
from tests.support.smtp import self_signed
from tests.support.waiting import PATIENCE

HOST = "hooks.example.test"  # known to the proxy only, as an outside host is behind one
URL = f"https://{HOST}/hooks/account"
DEAD = "http://127.0.0.1:9"  # nothing listens: a call through it fails at once


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


def send(ca: Path, url: str = URL, lookup: Lookup = system_lookup) -> Attempt:
    """One attempt of a webhook whose certificate ``ca`` signed (a receiver's)."""
    secret = b"s" * 32
    return deliver(
        url,
        b"{}",
        secret=secret,
        key="k-1",
        timeout=PATIENCE,
        limit=4096,
        ca_file=ca,
        lookup=lookup,
    )


@pytest.mark.parametrize("name", ["all_proxy", "ALL_PROXY"])
def test_all_proxy_carries_an_https_webhook_when_https_proxy_is_not_set(
    named_tls: tuple[Path, Path],
    receiver: HookServer,
    proxy: ProxyServer,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
) -> None:
    monkeypatch.setenv(name, proxy.url())
    attempt = send(named_tls[0])
    assert attempt.verdict == Verdict.OK, attempt.error
    assert [(p.method, p.target) for p in proxy.passages] == [("CONNECT", f"{HOST}:443")]
    assert [d.path for d in receiver.deliveries] == ["/hooks/account"]


def test_all_proxy_carries_an_http_call_too(
    proxy: ProxyServer, monkeypatch: pytest.MonkeyPatch, named_tls: tuple[Path, Path]
) -> None:
    """The fallback of both schemes (plain http reaches only this machine in a catalog,
    which no proxy stands in front of; the runner still takes the variable for it)."""
    plain = HookServer().start()
    proxy.routes = {HOST: plain.port}
    monkeypatch.setenv("ALL_PROXY", proxy.url())
    try:
        attempt = send(named_tls[0], f"http://{HOST}/hooks/account")
        assert attempt.verdict == Verdict.OK, attempt.error
        assert [(p.method, p.target) for p in proxy.passages] == [
            ("POST", f"http://{HOST}/hooks/account")
        ]
        assert len(plain.deliveries) == 1
    finally:
        plain.stop()


@pytest.mark.parametrize(
    ("used", "unused"),
    [
        ("all_proxy", "ALL_PROXY"),  # lower case before upper case, as curl
        ("https_proxy", "HTTPS_PROXY"),
        ("https_proxy", "all_proxy"),  # the scheme's own before the fallback
        ("HTTPS_PROXY", "all_proxy"),  # in either case
    ],
)
def test_which_variable_names_the_proxy(
    named_tls: tuple[Path, Path],
    receiver: HookServer,
    proxy: ProxyServer,
    monkeypatch: pytest.MonkeyPatch,
    used: str,
    unused: str,
) -> None:
    monkeypatch.setenv(used, proxy.url())
    monkeypatch.setenv(unused, DEAD)
    attempt = send(named_tls[0])
    assert attempt.verdict == Verdict.OK, attempt.error
    assert [p.method for p in proxy.passages] == ["CONNECT"]


@pytest.mark.parametrize(
    "no_proxy", [("no_proxy", ".example.test"), ("NO_PROXY", HOST), ("no_proxy", "*")]
)
def test_no_proxy_bypasses_all_proxy(
    named_tls: tuple[Path, Path],
    receiver: HookServer,
    proxy: ProxyServer,
    monkeypatch: pytest.MonkeyPatch,
    no_proxy: tuple[str, str],
) -> None:
    """Directly: this machine's lookup (a stand-in here) finds the receiver itself, and
    the proxy sees nothing."""
    monkeypatch.setenv("all_proxy", proxy.url())
    monkeypatch.setenv(*no_proxy)
    asked: list[str] = []

    def lookup(host: str, port: int) -> Sequence[AddressInfo]:
        asked.append(host)
        return socket.getaddrinfo("127.0.0.1", receiver.port, type=socket.SOCK_STREAM)

    attempt = send(named_tls[0], lookup=lookup)
    assert attempt.verdict == Verdict.OK, attempt.error
    assert asked == [HOST] and proxy.passages == [] and len(receiver.deliveries) == 1


# environments whose proxies urllib reads in its own ways (and curl alike, but for CGI)
ENVIRONMENTS = [
    {"https_proxy": "http://lower:1", "HTTPS_PROXY": "http://upper:1"},
    {"HTTPS_PROXY": "http://upper:1"},
    {"https_proxy": "", "HTTPS_PROXY": "http://upper:1"},  # an empty lower-case one unsets
    {"Https_Proxy": "http://mixed:1", "HTTPS_proxy": "http://suffix:1"},
    {"HTTP_PROXY": "http://header:1", "REQUEST_METHOD": "POST"},  # CGI: a client's header
    {"http_proxy": "http://lower:1", "REQUEST_METHOD": "POST"},
    {"ALL_PROXY": "socks5://upper:1", "all_proxy": "http://lower:1"},
]


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_environment_is_read_as_urllib_reads_it(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str]
) -> None:
    """The same values as ``urllib.request.getproxies()``, which status does not import,
    and the name of the variable that holds each."""
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    expected = urllib.request.getproxies_environment()  # type: ignore[attr-defined]
    for key in ("https", "http", "all"):
        named = environment_proxy(key)
        assert (named[1] if named else None) == expected.get(key), key
        assert named is None or os.environ[named[0]] == named[1]


UNUSABLE = [
    ("ALL_PROXY", "socks5://127.0.0.1:1080", "not socks5://"),
    ("HTTPS_PROXY", "https://proxy.corp:3128", "http://proxy.corp:3128"),
    ("all_proxy", "http://proxy.corp:80x", "not a proxy URL (http://host:port)"),
]


@pytest.mark.parametrize(("name", "value", "words"), UNUSABLE)
def test_an_unusable_proxy_fails_each_attempt_naming_its_own_variable(
    named_tls: tuple[Path, Path],
    proxy: ProxyServer,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    value: str,
    words: str,
) -> None:
    """Never ignored (nothing goes direct behind the admin's back), tried again."""
    monkeypatch.setenv(name, value)
    attempt = send(named_tls[0])
    assert attempt.verdict == Verdict.TEMPORARY and attempt.status is None
    assert str(attempt.error).startswith(f"the proxy cannot be used: ${name}: "), attempt.error
    assert words in str(attempt.error)
    assert proxy.passages == []


@pytest.mark.parametrize(("name", "value", "words"), UNUSABLE)
def test_the_warning_names_the_variable_and_what_to_write(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, words: str
) -> None:
    monkeypatch.setenv(name, value)
    warning = environment_proxy_warning(ActionSettings())
    assert warning is not None
    en, ja = translate(warning, "en"), translate(warning, "ja")
    assert en.startswith(f"${name} names a proxy webhook actions cannot use: ") and words in en
    assert "http://host:port" in en and "[actions] proxy" in en
    assert f"${name}" in ja and "http://ホスト:ポート" in ja and "[actions] proxy" in ja
    assert "webhook の処理には使えません" in ja  # the whole line in Japanese


def test_no_warning_where_the_environment_is_not_what_webhooks_use(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A usable https_proxy hides all_proxy from https webhooks, and plain http ones only
    reach this machine, never through a proxy; ``[actions] proxy`` replaces the
    environment; an instance that runs no actions has none to fail."""
    monkeypatch.setenv("ALL_PROXY", "socks5://127.0.0.1:1080")
    monkeypatch.setenv("https_proxy", "http://proxy.corp:3128")
    assert environment_proxy_warning(ActionSettings()) is None
    monkeypatch.delenv("https_proxy")
    assert environment_proxy_warning(ActionSettings()) is not None
    configured = ActionSettings(proxy=ProxySetting("http://proxy.corp:3128"))
    assert environment_proxy_warning(configured) is None
    assert environment_proxy_warning(replace(configured, proxy=ProxySetting(""))) is None
    assert environment_proxy_warning(ActionSettings(workers=0)) is None
    monkeypatch.setenv("http_proxy", "socks5://127.0.0.1:1080")
    monkeypatch.setenv("https_proxy", "http://proxy.corp:3128")
    assert environment_proxy_warning(ActionSettings()) is None


@pytest.mark.parametrize(
    ("locale", "words"), [("en", "only http:// proxies"), ("ja", "http:// のプロキシだけ")]
)
def test_status_and_the_start_say_an_unusable_proxy_once(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    locale: str,
    words: str,
) -> None:
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("LC_ALL", "ja_JP.UTF-8" if locale == "ja" else "C.UTF-8")
    monkeypatch.setenv("ALL_PROXY", "socks5://proxy.corp:1080")
    config = with_database(write_config(tmp_path))  # status makes no database
    cli.main(["--config", str(config), "status"])
    out = capsys.readouterr().out
    [line] = [x for x in out.splitlines() if "$ALL_PROXY" in x]
    assert words in line and "socks5://" in line and "[actions] proxy" in line, out
    cli.main(["--config", str(config), "status", "--json"])
    warned = json.loads(capsys.readouterr().out)["warnings"]
    [proxy] = [w for w in warned if w["code"] == "proxy_unusable"]
    assert "$ALL_PROXY" in proxy["text"] and "only http:// proxies" in proxy["text"]  # English
    settings = load_settings(config)
    with caplog.at_level(logging.WARNING, logger="gateway"):
        warn_at_start(settings)
    said = [r.getMessage() for r in caplog.records if "ALL_PROXY" in r.getMessage()]
    warning = environment_proxy_warning(settings.actions)
    assert warning is not None and said == [translate(warning, "en")]  # once, in English
