"""Whether a host named in the configuration is this machine, and who a peer is.

Plain text (an ``http://`` webhook, ``tls = "none"`` to a relay) is allowed only to this
machine, where nothing travels over a network; the catalog's actions and the outbound
relay ask the same question, so they get the same answer from here. Every per-client
limit (the mail listener's sessions, the pages' sign-in asks, form posts and
connections) counts a peer by :func:`client_of`, so one client is one everywhere.
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
    (:class:`gateway.actions.dial.LinkLocal`). A name is never resolved here. An
    IPv4-mapped address (``::ffff:169.254.169.254``, an AAAA record or a URL may say
    it) is its IPv4 address: a dual-stack socket connects to that, and the standard
    library calls it not link-local."""
    try:
        ip = ipaddress.ip_address(host.partition("%")[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped.is_link_local
    return ip.is_link_local


def only_here(host: str) -> bool:
    """A bind address no one elsewhere can open as a link: a loopback one, or a wildcard
    (``0.0.0.0``, ``::``), which listens everywhere but names no host in a URL."""
    if is_loopback(host) or host in ("", "*"):
        return True
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


# IPv6 peers are counted per /64: a single customer line or virtual server is handed a
# whole /64 (RFC 6177), so one address per client would let one client take every
# allowance a limit has, a new address for each request. An IPv4-mapped peer (a
# dual-stack socket, a proxy that writes one) is its IPv4 address.
IPV6_CLIENT_PREFIX = 64


def client_of(host: str) -> str:
    """Who a peer is, for a per-client limit: its IPv4 address, or its IPv6 /64 (a zone
    after ``%`` dropped); anything that is no address, as it is."""
    try:
        ip = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return host
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{ip}/{IPV6_CLIENT_PREFIX}", strict=False))
    return str(ip)
