"""``[actions] proxy`` and ``no_proxy``: the HTTP proxy webhook actions go through.

Absent, the environment decides (``$https_proxy``, ``$http_proxy``, ``$no_proxy``, as for
curl); ``proxy = ""`` is no proxy whatever the environment says; a URL is that proxy for
every webhook, with ``no_proxy`` (host names, ``.suffix`` or ``*``) reached without it.
It is checked here, so a typo stops the daemon at start instead of failing every webhook.
No password in the config text (the house rule for secrets): a proxy that wants one is
named in the daemon's environment, ``https_proxy=http://user:password@host:port``.
"""

from __future__ import annotations

from gateway.config.sections import Section, list_of
from gateway.core.errors import ConfigError
from gateway.core.i18n import N_
from gateway.core.proxies import ENVIRONMENT, ProxyError, ProxySetting, parse_proxy


def read_proxy(s: Section) -> ProxySetting:
    if "proxy" not in s.data:
        if "no_proxy" in s.data:
            raise ConfigError(
                s.path,
                s.key("no_proxy"),
                N_("only together with proxy: the hosts reached without that proxy"),
            )
        return ENVIRONMENT
    text = s.str("proxy", "").strip()
    if text:
        try:
            proxy = parse_proxy(text)
        except ProxyError as exc:
            raise ConfigError(s.path, s.key("proxy"), exc.msg) from None
        if proxy.password:
            raise ConfigError(
                s.path,
                s.key("proxy"),
                N_(
                    "no password in the config text: name the proxy with its password "
                    "in the daemon's environment ($https_proxy) instead"
                ),
            )
    hosts = list_of(s, "no_proxy")
    if not all(isinstance(h, str) and h.strip() and "," not in h for h in hosts):
        raise ConfigError(s.path, s.key("no_proxy"), N_("must be a list of host names"))
    return ProxySetting(text, tuple(h.strip() for h in hosts))
