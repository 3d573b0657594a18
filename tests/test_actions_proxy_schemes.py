"""Which proxy URLs a webhook can go through: ``http://`` only (a CONNECT tunnel for an
https call, TLS end to end inside it). TLS to the proxy itself (``https://``) and SOCKS
(``socks5://`` …) are not spoken; such a proxy is refused where it is named, never
ignored and never spoken to as a plain http one: ``[actions] proxy`` stops the config's
load naming the key and the file; the environment's (``$https_proxy``) fails each
attempt naming the variable, tried again, the proxy (a real one of ours) never called."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.actions import failures
from gateway.actions.outcome import Verdict
from gateway.actions.webhook import deliver
from gateway.core.i18n import translate
from gateway.core.proxies import parse_proxy
from tests.support.config import config_error
from tests.support.proxy import ProxyServer
from tests.support.waiting import PATIENCE

SCHEMES = ["https", "HTTPS", "socks5", "socks5h", "socks4"]
URL = "https://hooks.example.test/hooks/account"


# every test names its own proxy (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("no_proxy_environment")


@pytest.fixture
def proxy() -> Iterator[ProxyServer]:
    server = ProxyServer(routes={"hooks.example.test": 9}).start()
    yield server
    server.stop()


@pytest.mark.parametrize("scheme", SCHEMES)
def test_the_config_refuses_a_proxy_it_cannot_speak_naming_key_and_file(
    tmp_path: Path, scheme: str
) -> None:
    err = config_error(tmp_path, "[actions]", f'proxy = "{scheme}://proxy.corp:3128"')
    assert (err.key, err.path) == ("actions.proxy", str(tmp_path / "gateway.toml"))
    lowered = scheme.lower()  # as a URL's scheme is read
    assert f"only http:// proxies can be used, not {lowered}://" in err.problem
    ja = translate(err.message, "ja")
    assert f"{lowered}://" in ja and "http:// のプロキシだけ" in ja


def test_a_tls_proxy_is_told_what_to_write_instead(tmp_path: Path) -> None:
    """Most proxies speak plain HTTP, and https://proxy… is a common slip for them: the
    refusal says that http:// still keeps an https call encrypted end to end."""
    err = config_error(tmp_path, "[actions]", 'proxy = "https://proxy.corp:3128"')
    assert "http://proxy.corp:3128" in err.problem
    assert "end to end" in err.problem
    ja = translate(err.message, "ja")
    assert "http://proxy.corp:3128" in ja and "暗号化" in ja


@pytest.mark.parametrize("scheme", SCHEMES)
def test_an_environment_proxy_it_cannot_speak_is_never_used_as_plain_http(
    proxy: ProxyServer, monkeypatch: pytest.MonkeyPatch, scheme: str
) -> None:
    monkeypatch.setenv("https_proxy", f"{scheme}://127.0.0.1:{proxy.port}")
    attempt = deliver(URL, b"{}", secret=b"s" * 32, key="k-1", timeout=PATIENCE, limit=4096)
    assert attempt.verdict == Verdict.TEMPORARY and attempt.status is None
    assert isinstance(attempt.error, type(failures.proxy_unusable("")))
    said = str(attempt.error)
    assert said.startswith("the proxy cannot be used: $https_proxy: only http:// proxies")
    assert f"not {scheme.lower()}://" in said
    assert proxy.passages == []  # not spoken to at all, let alone as a plain http proxy


@pytest.mark.parametrize(
    ("written", "host", "port"),
    [
        ("http://proxy.corp:8080", "proxy.corp", 8080),
        ("proxy.corp:8080", "proxy.corp", 8080),  # no scheme: http, as curl reads it
        ("http://proxy.corp", "proxy.corp", 80),  # no port: 80, as urllib (curl: 1080)
    ],
)
def test_a_proxy_without_scheme_or_port_is_read_as_the_readme_says(
    written: str, host: str, port: int
) -> None:
    """README "Through an HTTP proxy": a proxy written without ``http://`` is http, and
    one without a port is reached on 80; an admin whose proxy listens elsewhere (curl's
    1080) must write the port."""
    proxy = parse_proxy(written)
    assert (proxy.host, proxy.port) == (host, port)
