"""``[actions] proxy`` and ``no_proxy``: the HTTP proxy webhook actions go through.

Absent, the environment decides (``$https_proxy``, ``$http_proxy``, ``$no_proxy``, as for
curl); ``proxy = ""`` is no proxy whatever the environment says; a URL is that proxy for
every webhook, with ``no_proxy`` (host names, ``.suffix`` or ``*``) reached without it.
It is checked here, so a typo stops the daemon at start instead of failing every webhook.
No password in the config text (the house rule for secrets): a proxy that wants one is
named in the daemon's environment, ``https_proxy=http://user:password@host:port``.

Absent, a proxy the environment names that webhooks cannot use (``https://``, ``socks5://``,
not a URL) fails each webhook's attempt (:mod:`gateway.actions.webhook`: tried again,
never sent direct behind the admin's back), and only the first failed run would tell: the
daemon says it once at start and ``status`` every time (:func:`environment_proxy_warning`),
naming the variable and what to write instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gateway.config.sections import Section, list_of
from gateway.core.errors import ConfigError
from gateway.core.i18n import N_, Msg
from gateway.core.proxies import (
    ENVIRONMENT,
    ProxyError,
    ProxySetting,
    environment_proxy,
    parse_proxy,
)

if TYPE_CHECKING:
    from gateway.config.settings import ActionSettings


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


def environment_proxy_warning(actions: ActionSettings) -> Msg | None:
    """What is wrong with the environment's proxy for an https webhook, or None.

    A warning, not a problem (``status`` exits 0 for it): ``status`` reads its own
    environment, the shell's or the monitoring agent's, not the daemon's (a unit's
    ``Environment=``), so it cannot know that the daemon has the same proxy; exit 1 on it
    would page someone for a variable the daemon may not have, and the daemon's own is
    said in its start's log. Nothing is lost meanwhile either: each run waits, tried
    again, and one that runs out of tries is a failed run with its reason.

    Only the https proxy: a catalog's plain http webhook reaches this machine alone
    (``catalog check``), which is never reached through a proxy. None where the
    environment is not read (``[actions] proxy`` names one, or ``""`` none) or where this
    instance runs no actions (``workers = 0``). The catalog is not asked whether it has a
    webhook: it is read again when it changes, without a restart, and may have one then."""
    if actions.workers == 0 or actions.proxy.proxy is not None:
        return None
    named = environment_proxy("https", all_proxy=True)
    if named is None:
        return None
    variable, value = named
    try:
        parse_proxy(value)
    except ProxyError as exc:
        return N_(
            "${variable} names a proxy webhook actions cannot use: {why}. Every webhook call "
            "fails, and is tried again, until ${variable} names an http://host:port proxy "
            'or [actions] proxy names one (proxy = "": none)',
            variable=variable,
            why=exc.msg,
        )
    return None
