"""The ``[web]`` section: where the pages listen and the address people reach them at.

The web side is off unless a ``[web]`` table is configured, except in the
built-in defaults (no config file at all), where it listens on 127.0.0.1:8080
so the quick start shows the pages. ``base_url`` is what links in mails point
at (the sign-in link) and decides whether cookies are ``Secure``: behind a
reverse proxy that terminates TLS it is the proxy's ``https://`` address, the root of
a host (the pages' own links are root paths, so they cannot live under a prefix).
"""

from __future__ import annotations

import re

from gateway.config.sections import Section, duration
from gateway.config.units import parse_size
from gateway.config.web_settings import WebSettings
from gateway.core.errors import ConfigError
from gateway.core.i18n import N_, Msg

KEYS = {
    "enabled",
    "host",
    "port",
    "base_url",
    "max_upload_size",
    "session_lifetime",
    "sign_in_lifetime",
    "submissions_per_hour",
    "sign_ins_per_hour",
    "head_timeout",
    "idle_timeout",
    "connections_per_client",
}
_URL = re.compile(r"https?://[^\s/?#]+(/[^\s?#]*)?")
# The pages link, post and redirect to root paths (/board, /sign-in/…), so they work only
# at the root of a host: under https://intra.example/helpdesk a sign-in link opened the
# button page, whose form then posted to https://intra.example/sign-in/… outside it.
_ROOT = re.compile(r"https?://[^\s/?#]+")


def read_web(s: Section) -> WebSettings:
    s.unknown(KEYS)
    host = s.str("host", "127.0.0.1")
    port = s.int("port", 8080, 0, 65535)
    base_url = s.str("base_url", "").rstrip("/")
    if base_url and not _URL.fullmatch(base_url):
        raise ConfigError(
            s.path,
            s.key("base_url"),
            N_("not an http:// or https:// URL without query: {url!r}", url=base_url),
        )
    if base_url and not _ROOT.fullmatch(base_url):
        raise ConfigError(
            s.path,
            s.key("base_url"),
            N_(
                "the pages are served at the root of a host: use {root!r}, not {url!r} "
                "(give the pages a host name of their own in the proxy)",
                root=base_url[: base_url.index("/", base_url.index("//") + 2)],
                url=base_url,
            ),
        )
    return WebSettings(
        enabled=s.bool("enabled", True),
        host=host,
        port=port,
        base_url=base_url or f"http://{host}:{port}",
        base_url_set=bool(base_url),
        max_upload_size=parse_size(
            s.data.get("max_upload_size", "10MB"), path=s.path, key=s.key("max_upload_size")
        ),
        session_lifetime=duration(s, "session_lifetime", "12h"),
        sign_in_lifetime=duration(s, "sign_in_lifetime", "15m"),
        submissions_per_hour=s.int("submissions_per_hour", 10, 1, 100_000),
        sign_ins_per_hour=s.int("sign_ins_per_hour", 5, 1, 100_000),
        head_timeout=duration(s, "head_timeout", "30s"),
        idle_timeout=duration(s, "idle_timeout", "150s"),
        connections_per_client=s.int("connections_per_client", 64, 1, 100_000),
    )


def links_off(web: WebSettings) -> Msg | None:
    """Why mails carry no links to the pages although they are on (``WebSettings.mail_links``),
    said once in the log at start and by ``status``; None when they do, or the pages are off."""
    if not web.enabled or web.mail_links:
        return None
    return N_(
        "[web] base_url is not set and the pages listen on {address}, which only this "
        "machine can open: mails carry no links to the pages (the digest's; a sign-in "
        "link goes only to a browser on this machine) until [web] base_url is set to the "
        "address people use",
        address=web.base_url,
    )
