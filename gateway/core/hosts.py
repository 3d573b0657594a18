"""Whether a host named in the configuration is this machine.

Plain text (an ``http://`` webhook, ``tls = "none"`` to a relay) is allowed only to this
machine, where nothing travels over a network; the catalog's actions and the outbound
relay ask the same question, so they get the same answer from here.
"""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback address (127.0.0.0/8, ::1); a name is never resolved,
    so what it points to cannot change the answer."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_link_local(host: str) -> bool:
    """A link-local address (169.254.0.0/16, fe80::/10, a zone after ``%`` allowed): the
    cloud's metadata service's range, which no webhook is ever sent into
    (:class:`gateway.actions.dial.LinkLocal`). A name is never resolved here."""
    try:
        return ipaddress.ip_address(host.partition("%")[0]).is_link_local
    except ValueError:
        return False


def only_here(host: str) -> bool:
    """A bind address no one elsewhere can open as a link: a loopback one, or a wildcard
    (``0.0.0.0``, ``::``), which listens everywhere but names no host in a URL."""
    if is_loopback(host) or host in ("", "*"):
        return True
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False
