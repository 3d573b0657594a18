"""The ``[web]`` section: where the pages listen and the address people reach them at.

The web side is off unless a ``[web]`` table is configured, except in the
built-in defaults (no config file at all), where it listens on 127.0.0.1:8080
so the quick start shows the pages. ``base_url`` is what links in mails point
at (the sign-in link) and decides whether cookies are ``Secure``: behind a
reverse proxy that terminates TLS it is the proxy's ``https://`` address.
"""

from __future__ import annotations

import re

from gateway.config.sections import Section, duration
from gateway.config.settings import WebSettings
from gateway.config.units import parse_size
from gateway.core.errors import ConfigError
from gateway.core.i18n import N_

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
}
_URL = re.compile(r"https?://[^\s/?#]+(/[^\s?#]*)?")


def read_web(s: Section) -> WebSettings:
    s.unknown(KEYS)
    host = s.str("host", "127.0.0.1")
    port = s.int("port", 8080, 0, 65535)
    base_url = s.str("base_url", "").rstrip("/")
    if base_url and not _URL.fullmatch(base_url):
        raise ConfigError(
            s.path,
            s.key("base_url"),
            N_("not an http(s) URL without query: {url!r}", url=base_url),
        )
    return WebSettings(
        enabled=s.bool("enabled", True),
        host=host,
        port=port,
        base_url=base_url or f"http://{host}:{port}",
        max_upload_size=parse_size(
            s.data.get("max_upload_size", "10MB"), path=s.path, key=s.key("max_upload_size")
        ),
        session_lifetime=duration(s, "session_lifetime", "12h"),
        sign_in_lifetime=duration(s, "sign_in_lifetime", "15m"),
        submissions_per_hour=s.int("submissions_per_hour", 10, 1, 100_000),
        sign_ins_per_hour=s.int("sign_ins_per_hour", 5, 1, 100_000),
    )
