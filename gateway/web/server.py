"""The web server inside the daemon: an aiohttp application on an event loop of
its own thread, like the SMTP listener's; started and stopped with the daemon,
and counted in its health (:meth:`WebServer.alive`).

The listening socket is ours (``loop.create_server`` with aiohttp's request
handler as the protocol, aiohttp's low-level way), not a ``TCPSite``'s, because a
stop must first stop *accepting*: on Python 3.11 a connection accepted just before
the server closes is set up after the close, fails there, and leaves its socket
open (``status``'s knock on the port met that in about one stop in four). So the
stop takes the listening sockets off the loop, lets what was accepted be set up,
and only then closes the listener and every connection.

The connections' handler is aiohttp's with two changes (:class:`_Protocol`): the answers
aiohttp writes itself carry our security headers too, and the connection rules of
:mod:`gateway.web.connections` (a head in time, so many per client) are kept."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import BadHttpMessage

from gateway.core.errors import TransientError
from gateway.core.loop_thread import LoopThread, stop_accepting
from gateway.web import guard
from gateway.web.app import make_app
from gateway.web.connections import Doorman, peer_of
from gateway.web.context import WebContext
from store import web_auth

log = logging.getLogger("gateway.web")


class _Protocol(web.RequestHandler):
    """aiohttp's handler of a connection, whose own answer to a request it could not read
    (a request line over 8 KiB: a link with a huge query string; a header it cannot
    parse; a method that is no method) carries the headers of every other answer. That
    answer never reaches the application, nor its ``on_response_prepare`` (aiohttp#6463),
    so it went out without a CSP, ``nosniff`` or, behind https, HSTS."""

    __slots__ = ()
    secure = False  # Strict-Transport-Security too: see _SecureProtocol
    doorman: Doorman | None = None  # the server's connection rules (gateway.web.connections)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Refused past the client's connection limit; else the head's clock starts."""
        door = self.doorman
        if door is not None and not door.admit(self, peer_of(transport)):
            transport.close()
            return
        super().connection_made(transport)
        if door is not None:
            door.wait_for_head(self, self._loop)

    def data_received(self, data: bytes) -> None:
        """A whole head stops its clock; the first byte of a kept-alive connection's
        next request (the handler waiting for one) starts it."""
        door = self.doorman
        if door is None:
            super().data_received(data)
            return
        between = self._waiter is not None and not self._waiter.done()
        before = self._request_count
        super().data_received(data)
        if self._request_count != before:
            door.head_came(self)
        elif between and data:
            door.wait_for_head(self, self._loop)

    def connection_lost(self, exc: BaseException | None) -> None:
        if self.doorman is not None:
            self.doorman.left(self)
        super().connection_lost(exc)

    def handle_error(
        self,
        request: web.BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        answer = super().handle_error(request, status, exc, message)
        guard.add_fixed_headers(answer, secure=self.secure)
        return answer

    def log_exception(self, *args: Any, **kw: Any) -> None:
        """A request aiohttp could not read is its sender's mistake (often a scanner's):
        one line at warning, not aiohttp's traceback at error level for each one."""
        exc = kw.get("exc_info")
        if not isinstance(exc, BadHttpMessage):
            super().log_exception(*args, **kw)
            return
        sender = args[1] if len(args) > 1 else "?"
        said = str(exc.message).splitlines()[0][:200] if exc.message else ""
        log.warning("web: a request from %s could not be read: %s %r", sender, exc.code, said)


class _SecureProtocol(_Protocol):
    """:class:`_Protocol` behind https (``base_url``)."""

    __slots__ = ()
    secure = True


class WebServer:
    def __init__(self, ctx: WebContext, host: str, port: int) -> None:
        self.ctx, self.host, self.port = ctx, host, port
        self._background = LoopThread("web", "web")
        self._loop, self._thread = self._background.loop, self._background.thread
        self._runner: web.AppRunner | None = None
        self._listener: asyncio.Server | None = None
        web_settings = ctx.settings.web
        doorman = Doorman(
            web_settings.head_timeout.total_seconds(), web_settings.connections_per_client
        )
        base = _SecureProtocol if web_settings.secure else _Protocol
        # this server's kind of connection: the base's slots, its doorman a class attribute
        self._kind: type[_Protocol] = type(
            "_ServerProtocol", (base,), {"__slots__": (), "doorman": doorman}
        )

    def start(self, timeout: float = 10.0) -> None:
        """Bind (raises OSError when the port is taken) and serve in the background."""
        self._background.start(self._open(), timeout)
        log.info(
            "web pages on http://%s:%d/ (base_url %s)",
            self.host,
            self.port,
            self.ctx.settings.web.base_url,
        )

    async def _open(self) -> None:
        await self._sign_out_non_members()
        web_settings = self.ctx.settings.web
        self._runner = web.AppRunner(
            make_app(self.ctx),
            access_log=None,
            handle_signals=False,
            keepalive_timeout=web_settings.idle_timeout.total_seconds(),
        )
        await self._runner.setup()
        assert self._runner.server is not None  # set up above
        self._listener = await self._loop.create_server(
            self._protocol, self.host, self.port, reuse_address=True
        )
        if self.port == 0:  # the port the system chose
            self.port = int(self._listener.sockets[0].getsockname()[1])

    async def _sign_out_non_members(self) -> None:
        """Whoever the config no longer lists is signed out now (web_auth.end_sessions_except);
        the database away at start is no reason for the pages not to start (every request
        checks the member anyway): said, and left to the next start."""
        team = frozenset(m.email for m in self.ctx.settings.members)
        try:
            ended = await self.ctx.write(web_auth.end_sessions_except, team, self.ctx.now())
        except TransientError as exc:  # the database away: the pages still start
            log.warning("web: the sessions of former members could not be ended: %s", exc)
            return
        if ended:
            log.info("web: %d sessions of people no longer members ended", ended)

    def _protocol(self) -> web.RequestHandler:
        """A connection's handler: aiohttp's, made with every setting the runner gave it,
        as our :class:`_Protocol` (same slots, one method more)."""
        assert self._runner is not None and self._runner.server is not None  # opened
        handler = self._runner.server()
        handler.__class__ = self._kind
        return handler

    def alive(self) -> bool:
        return self._background.alive()

    def stop(self, timeout: float = 5.0) -> None:
        if self._thread.is_alive() and self._runner is not None:
            try:
                asyncio.run_coroutine_threadsafe(self._shut(), self._loop).result(timeout)
            except Exception:  # stopping goes on whatever happened
                log.exception("web: stopping the server failed")
        self._background.close()
        self.ctx.close()

    async def _shut(self) -> None:
        """Stop accepting, let the connections accepted meanwhile be set up (see the
        module's docstring), then close the listener and every connection."""
        assert self._runner is not None
        await stop_accepting(self._listener)
        await self._runner.cleanup()
        await asyncio.sleep(0.05)  # the closed connections' last callbacks
