"""The host names the pages answer under: DNS rebinding.

A page of ``rebind.evil.test`` whose name the attacker then points at the gateway's
address (this machine's 127.0.0.1 for the quick start, an intranet address behind a
firewall) reads our answers as its own origin: the catalog, the forms with their
tokens, the rate counters of a victim's address, from inside the network. Browsers
send the name they looked up in ``Host``; an answer only for the names that are ours
is what stops it (Django's ``ALLOWED_HOSTS``, GitLab's and RT's host checks). Any other
name gets a 421 (Misdirected Request, RFC 9110 15.5.20) page.
"""

from __future__ import annotations

import ipaddress

from aiohttp import web
from yarl import URL

from gateway.web.visit import Handler, ctx_of


def host_name(written: str) -> str | None:
    """The name in a ``Host`` value, lower case, no port, no root dot; None when it is
    no host at all."""
    try:
        name = URL(f"http://{written}").raw_host
    except ValueError:
        return None
    return name.lower().removesuffix(".") if name else None


def is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


def ours(written: str | None, base_url: str) -> bool:
    """Whether a request with ``Host: written`` (None: none sent) is answered."""
    if written is None:
        return True  # HTTP/1.0, a probe: no browser, no page of another origin
    name = host_name(written)
    if name is None:
        return False
    return (
        is_address(name)  # an IP address as typed: no name was looked up, none rebound
        or name == "localhost"  # browsers keep it on this machine without asking DNS
        or name == host_name(URL(base_url).raw_authority)  # the address people are given
    )


@web.middleware
async def only_ours(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A 421 page for a name that is not ours (see the module's docstring)."""
    if not ours(request.headers.get("Host"), ctx_of(request).settings.web.base_url):
        raise web.HTTPMisdirectedRequest()
    return await handler(request)
