"""A webhook's way to its host (or its proxy): the name looked up, then the connection,
both by the attempt's deadline.

http.client connects with :func:`socket.create_connection`, whose ``getaddrinfo`` takes no
timeout: a name server that never answered held the worker past the action's timeout,
and past the run's lease, so another worker could run it again beside it. Here the
lookup (:data:`Lookup`, the system's by default; a test gives a stand-in of its own)
runs in a thread of its own and the attempt waits for it only until the deadline; the C
library's lookup cannot be interrupted, so a hung one is left to end by itself (the
resolver's own timeout) and its answer dropped. The addresses are then tried in turn,
as ``create_connection`` tries them, except a link-local one (:class:`LinkLocal`); each
with a share of what is left of the deadline (:func:`_share`), not all of it, so an
address that never answers leaves time for the next.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from gateway.core.hosts import is_link_local

# (family, type, proto, canonname, sockaddr): one row of getaddrinfo's answer
AddressInfo = tuple[socket.AddressFamily, socket.SocketKind, int, str, Any]
Lookup = Callable[[str, int], Sequence[AddressInfo]]
Dial = Callable[[tuple[str, int], float | None, tuple[str, int] | None], socket.socket]
# the least one address's connect is given while time is left (Happy Eyeballs' delay
# between attempts, RFC 8305): a live address on the LAN or the internet answers by then
STAGGER = 0.25


def system_lookup(host: str, port: int) -> Sequence[AddressInfo]:
    """The system's resolver (/etc/hosts, DNS), as ``create_connection`` asks it."""
    return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)


class LookupTimedOut(OSError):
    """The name was not looked up by the deadline (the name server did not answer)."""

    def __init__(self, host: str) -> None:
        super().__init__(f"no address for {host} by the deadline")
        self.host = host


class LinkLocal(OSError):
    """The name was looked up to a link-local address (169.254.0.0/16, fe80::/10),
    which is never dialled. The cloud's metadata service answers there (169.254.169.254,
    with the machine's credentials), and no webhook or chat service lives there: a URL
    of the catalog or config that leads there does so by mistake, or because whoever
    runs its name (a service's domain, a rebinding name server) pointed it there. Other
    local addresses stay allowed: the URLs are the administrator's own, as GitLab's
    system hooks are, and a hook on this machine or the LAN is the usual case."""

    def __init__(self, host: str, address: str) -> None:
        super().__init__(f"{host} is at the link-local address {address}, never dialled")
        self.host, self.address = host, address


def look_up(lookup: Lookup, host: str, port: int, deadline: float) -> Sequence[AddressInfo]:
    """``lookup(host, port)``, or :class:`LookupTimedOut` at ``deadline`` (monotonic)."""
    answer: list[Sequence[AddressInfo]] = []
    failure: list[OSError | UnicodeError] = []
    done = threading.Event()

    def ask() -> None:
        try:
            answer.append(lookup(host, port))
        except (OSError, UnicodeError) as exc:  # gaierror, a name IDNA refuses: the
            failure.append(exc)  # attempt says it
        finally:
            done.set()

    threading.Thread(target=ask, name=f"lookup {host}", daemon=True).start()
    if not done.wait(max(deadline - time.monotonic(), 0.0)):
        raise LookupTimedOut(host)
    if failure:
        raise failure[0]
    if not answer:  # the lookup raised something else: the thread's hook logged it
        raise OSError(f"no address for {host}")
    return answer[0]


def dialer(lookup: Lookup, deadline: float) -> Dial:
    """What http.client connects with (its ``_create_connection``): the lookup, then
    each address in turn, none past ``deadline``."""

    def dial(
        address: tuple[str, int],
        timeout: float | None = None,
        source_address: tuple[str, int] | None = None,
    ) -> socket.socket:
        host, port = address
        error: OSError | None = None
        found = look_up(lookup, host, port, deadline)
        dialled = [row for row in found if not is_link_local(row[4][0])]
        if len(dialled) < len(found):
            error = LinkLocal(host, next(r[4][0] for r in found if is_link_local(r[4][0])))
        for tried, (family, kind, proto, _name, where) in enumerate(dialled):
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            sock = socket.socket(family, kind, proto)
            try:
                share = _share(left, len(dialled) - tried)
                sock.settimeout(min(share, timeout) if timeout is not None else share)
                if source_address is not None:
                    sock.bind(source_address)
                sock.connect(where)
                sock.settimeout(timeout)
                # an earlier address's failure, dropped: kept, its traceback would hold
                # this frame and the callers' (the answer, its socket) in a cycle until
                # the garbage collector found it, the socket unclosed till then
                error = None
                return sock
            except OSError as exc:
                sock.close()
                error = exc
        raise error or OSError(f"no address for {host}")

    return dial


def _share(left: float, addresses: int) -> float:
    """How long one connect may take: an even share of what is left among the addresses
    still to try (all of it for the last), never less than :data:`STAGGER` unless less is
    left. A dead address first (a broken IPv6 route, a dead A record among several) no
    longer takes the whole timeout from the live ones after it."""
    return min(left, max(left / addresses, STAGGER))


class HTTPConnection(http.client.HTTPConnection):
    """http.client's connection, connecting through ``dial``."""

    def __init__(self, host: str, port: int | None, *, timeout: float, dial: Dial) -> None:
        super().__init__(host, port, timeout=timeout)
        self._create_connection = dial


class HTTPSConnection(http.client.HTTPSConnection):
    """http.client's TLS connection, connecting through ``dial`` (the certificate is
    still checked against ``host``, the name, never the address it was looked up to)."""

    def __init__(
        self, host: str, port: int | None, *, timeout: float, context: ssl.SSLContext, dial: Dial
    ) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self._create_connection = dial
