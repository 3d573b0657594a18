"""The chat poster's HTTP connections (Slack's Web API through slack_sdk, incoming
webhooks, a command's response_url), each name looked up by the call's timeout.

urllib connects with :func:`socket.create_connection`, whose ``getaddrinfo`` takes no
timeout: a name server that never answered held the poster's thread, and every card
waiting behind it, past the [chat] timeout (a webhook's watchdog cuts only a socket,
and there is none yet). The connections here are webhook actions' own
(:mod:`gateway.actions.dial`): the lookup (:data:`~gateway.actions.dial.Lookup`, the
system's by default, a test's stand-in) waited for only until the deadline, then each
address tried with what is left of it. A lookup past it raises
:class:`~gateway.actions.dial.LookupTimedOut`.
"""

from __future__ import annotations

import http.client
import ssl
import time
import urllib.request
from collections.abc import Callable
from typing import Any

from gateway.actions.dial import (
    HTTPConnection,
    HTTPSConnection,
    LinkLocal,
    Lookup,
    LookupTimedOut,
    dialer,
)

Connect = Callable[..., http.client.HTTPConnection]


def handlers(
    lookup: Lookup,
    timeout: float,
    *,
    context: ssl.SSLContext | None = None,
    made: list[http.client.HTTPConnection] | None = None,
) -> list[urllib.request.BaseHandler]:
    """urllib's handlers of http and https (in place of its own, with
    :func:`urllib.request.build_opener`) whose connections are looked up and made within
    ``timeout`` seconds of being opened; ``made``: each connection is added to it."""
    tls = context if context is not None else ssl.create_default_context()
    connect = _connecting(lookup, timeout, made)
    return [_Http(connect), _Https(connect, tls)]


def timed_out_lookup(exc: BaseException) -> LookupTimedOut | None:
    """The :class:`LookupTimedOut` behind ``exc`` (urllib wraps it in a URLError)."""
    for cause in _causes(exc):
        if isinstance(cause, LookupTimedOut):
            return cause
    return None


def link_local(exc: BaseException) -> LinkLocal | None:
    """The :class:`LinkLocal` refusal behind ``exc``: its host and address say it in the
    reader's language, where the exception's own text is English."""
    for cause in _causes(exc):
        if isinstance(cause, LinkLocal):
            return cause
    return None


def _causes(exc: BaseException) -> tuple[object, ...]:
    """``exc`` and what it wraps: urllib's URLError keeps the socket's error as its reason."""
    return (exc, getattr(exc, "reason", None), exc.__cause__, exc.__context__)


def _connecting(
    lookup: Lookup, within: float, made: list[http.client.HTTPConnection] | None
) -> Connect:
    """What urllib's ``do_open`` makes a connection with (``timeout``: each read's)."""

    def connect(
        host: str, *, timeout: Any = None, context: ssl.SSLContext | None = None, **_: Any
    ) -> http.client.HTTPConnection:
        dial = dialer(lookup, time.monotonic() + within)
        wait = timeout if isinstance(timeout, int | float) else within
        conn: http.client.HTTPConnection
        if context is None:
            conn = HTTPConnection(host, None, timeout=wait, dial=dial)
        else:
            conn = HTTPSConnection(host, None, timeout=wait, context=context, dial=dial)
        if made is not None:
            made.append(conn)
        return conn

    return connect


class _Http(urllib.request.HTTPHandler):
    def __init__(self, connect: Connect) -> None:
        super().__init__()
        self._connect = connect

    def http_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(self._connect, req)


class _Https(urllib.request.HTTPSHandler):
    def __init__(self, connect: Connect, context: ssl.SSLContext) -> None:
        super().__init__(context=context)
        self._connect, self._tls = connect, context

    def https_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(self._connect, req, context=self._tls)
