"""Which HTTP proxy a call to a URL goes through, the way curl and urllib decide.

Many company networks reach the outside only through an HTTP proxy, named in the
environment (``https_proxy=http://proxy.corp:8080``, ``no_proxy=.corp,localhost``) or, for
catalog actions, in ``[actions] proxy``. The environment is read as urllib's
``getproxies()`` reads it on POSIX (:func:`environment_proxy`; a macOS or Windows system
setting is not read) and matched with its ``proxy_bypass()``, so lower-case names win
over upper-case, an https URL takes ``https_proxy`` and an http one ``http_proxy`` (for
catalog actions, else ``all_proxy``, as curl), and ``no_proxy`` matches host suffixes
(``.corp``, ``corp``) or everything (``*``). This machine (``localhost``, a loopback
address) is never reached through a proxy: the proxy's loopback is not ours.

A proxy's password never leaves :class:`Proxy` except in the header it is for:
``str()`` and ``repr()`` leave it out, so whatever logs or records a proxy cannot leak it.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit

from gateway.core.hosts import is_loopback
from gateway.core.i18n import N_, Msg


class ProxyError(ValueError):
    """A proxy setting that cannot be used: ``msg`` says why in the reader's language
    (``str()`` in English, for logs and events); never with the password."""

    def __init__(self, msg: Msg, where: str = "") -> None:
        super().__init__(f"{where}: {msg}" if where else str(msg))
        self.msg = msg
        self.where = where  # the setting it came from ($https_proxy), or ""


@dataclass(frozen=True, slots=True)
class Proxy:
    """An HTTP proxy: calls to https targets go through a CONNECT tunnel."""

    host: str
    port: int
    username: str = ""
    password: str = field(default="", repr=False)

    def __str__(self) -> str:
        """The proxy as a line names it: its user, and ``:…`` for a password given (a
        user part without one reads as a token, which :mod:`gateway.core.tokens` masks)."""
        user = f"{self.username}:…@" if self.password else f"{self.username}@"
        return f"http://{user if self.username or self.password else ''}{self.host}:{self.port}"

    def full_url(self) -> str:
        """The URL with the password (%-encoded), for a library that takes a proxy URL
        (slack_sdk): never for a log."""
        if not self.username and not self.password:
            return f"http://{self.host}:{self.port}"
        user, password = quote(self.username, safe=""), quote(self.password, safe="")
        return f"http://{user}:{password}@{self.host}:{self.port}"

    def authorization(self) -> str | None:
        """The ``Proxy-Authorization`` value (Basic), or None for a proxy without a user."""
        if not self.username and not self.password:
            return None
        pair = f"{self.username}:{self.password}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")


@dataclass(frozen=True, slots=True)
class ProxySetting:
    """Where the proxy comes from: the environment (``proxy`` None), none at all
    (``proxy`` ""), or one URL with the hosts (``no_proxy``) reached without it."""

    proxy: str | None = None
    no_proxy: tuple[str, ...] = ()


ENVIRONMENT = ProxySetting()


def parse_proxy(text: str) -> Proxy:
    """``http://[user[:password]@]host[:port]`` (``host:port`` alone is http too, as for
    curl); the port is 80 when absent, as for urllib."""
    value = text.strip()
    if "://" not in value:
        value = "http://" + value
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise ProxyError(N_("not a proxy URL (http://host:port)")) from None
    if parts.scheme.lower() == "https" and parts.hostname:
        # TLS to the proxy itself is not spoken; most proxies speak plain HTTP, and
        # https://proxy… is a common slip for one: say what to write (no user part: it
        # may hold a password, and this is said in a run's error)
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        plain = f"http://{host}" + (f":{port}" if port else "")
        raise ProxyError(
            N_(
                "only http:// proxies can be used, not https:// (TLS to the proxy itself); "
                "a proxy that speaks plain HTTP, as most do, is {plain}, and an https call "
                "through it is still encrypted end to end",
                plain=plain,
            )
        )
    if parts.scheme.lower() != "http":  # SOCKS and the rest: not spoken, never as http
        raise ProxyError(
            N_("only http:// proxies can be used, not {scheme}://", scheme=parts.scheme)
        )
    if not parts.hostname or parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ProxyError(N_("not a proxy URL (http://host:port)"))
    return Proxy(
        parts.hostname,
        port or 80,
        unquote(parts.username or ""),
        unquote(parts.password or ""),
    )


def proxy_for(
    url: str, setting: ProxySetting = ENVIRONMENT, *, all_proxy: bool = False
) -> Proxy | None:
    """The proxy a call to ``url`` goes through, or None to connect directly;
    ``all_proxy``: the environment's ``all_proxy`` too, where the scheme's own is not set.

    Raises :class:`ProxyError` for a proxy named in the environment that cannot be used,
    naming the variable that named it (the configured one is checked when the
    configuration is read)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not host or is_loopback(host):
        return None
    if setting.proxy is not None:
        if not setting.proxy or bypassed(host, setting.no_proxy):
            return None
        return parse_proxy(setting.proxy)
    named = environment_proxy(parts.scheme, all_proxy=all_proxy)
    if named is None:
        return None
    import urllib.request  # here: only what calls out through a proxy needs it

    if urllib.request.proxy_bypass(host):  # $no_proxy, as urllib and curl match it
        return None
    variable, value = named
    try:
        return parse_proxy(value)
    except ProxyError as exc:
        raise ProxyError(exc.msg, f"${variable}") from None


def environment_proxy(scheme: str, *, all_proxy: bool = False) -> tuple[str, str] | None:
    """The variable that names the proxy for ``scheme`` in the environment, and its value.

    Read as urllib's ``getproxies()`` reads it on POSIX (tests/test_actions_proxy_environment
    compares them), without importing urllib.request (``status`` asks this, and is kept
    light): a lower-case name before any other case, an empty lower-case one unsetting it;
    under a web server's CGI, where a client's ``Proxy:`` header becomes ``HTTP_PROXY``, that
    one ignored. With ``all_proxy``, as curl, ``all_proxy`` (or ``ALL_PROXY``) where the
    scheme's own is not set, in either case. The name is the one the admin wrote,
    ``HTTPS_PROXY`` or ``https_proxy``, so a message about the value points at the line."""
    for key in (scheme.lower(), "all") if all_proxy else (scheme.lower(),):
        named = _named(f"{key}_proxy")
        if named is not None:
            return named
    return None


def _named(lower: str) -> tuple[str, str] | None:
    """``lower`` (``https_proxy``) in the environment, in whatever case, as urllib takes it:
    the names ending in a lower-case ``_proxy`` decide, the last one read (an empty value
    unsets); else the last of the others with a value (never ``HTTP_PROXY`` under CGI)."""
    decided: tuple[str, str] | None = None
    other: tuple[str, str] | None = None
    for name, value in os.environ.items():
        if name.lower() != lower:
            continue
        if name.endswith("_proxy"):
            decided = (name, value)
        elif value:
            other = (name, value)
    if decided is not None:
        return decided if decided[1] else None
    if lower == "http_proxy" and "REQUEST_METHOD" in os.environ:
        return None
    return other


def sdk_proxy(url: str) -> str | None:
    """The proxy URL to hand a client library for calls to ``url`` (slack_sdk's
    ``proxy``), decided here as for every other call: left to itself, slack_sdk takes
    ``HTTPS_PROXY`` before ``https_proxy``, ``http_proxy`` for https, goes through the
    proxy to this machine, its aiohttp clients ignore ``no_proxy``, and it logs the URL
    with its password at DEBUG. ``all_proxy`` is read as for webhook actions (curl's
    rule), so that one environment serves every call out."""
    proxy = proxy_for(url, all_proxy=True)
    return proxy.full_url() if proxy is not None else None


def bypassed(host: str, no_proxy: tuple[str, ...]) -> bool:
    """Whether ``host`` matches one of ``no_proxy`` as ``$no_proxy`` would: urllib's own
    matcher (what ``proxy_bypass`` is on POSIX), given the list instead of the variable."""
    if not no_proxy:
        return False
    if "*" in no_proxy:  # a list of the config's own: "*" is everything wherever it is
        return True
    import urllib.request

    match = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]  # untyped
    return bool(match(host, {"no": ",".join(no_proxy)}))
