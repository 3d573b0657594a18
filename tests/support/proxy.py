"""An outgoing HTTP proxy of our own on a loopback port, like a company's (squid).

A real asyncio server in its own thread, not a mock: it answers ``CONNECT host:port``
with a tunnel (200, then bytes both ways untouched: TLS runs through it end to end), and
forwards an absolute-form request (``POST http://host:port/path``) to the target. Host
names are resolved by the proxy alone, through ``routes`` (a name → a port on 127.0.0.1),
so a test can call ``https://hooks.example.test`` that this machine cannot resolve, as
behind a real proxy. What passed through is recorded (``passages``). It can demand Basic
credentials (407 without them), refuse every request (``refuse = 403``), or never answer
(``hang``).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import threading
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from gateway.core.loop_thread import stop_accepting
from tests.support.waiting import PATIENCE


@dataclass(frozen=True, slots=True)
class Passage:
    """One request the proxy read: ``target`` is ``host:port`` for CONNECT, else the URL."""

    method: str
    target: str
    headers: dict[str, str]


@dataclass
class ProxyServer:
    routes: dict[str, int] = field(default_factory=dict)
    credentials: tuple[str, str] | None = None  # (user, password) it demands
    refuse: int | None = None  # answer every request with this status (403 …)
    hang: bool = False  # read the request, then say nothing until stopped
    passages: list[Passage] = field(default_factory=list)
    _loop: asyncio.AbstractEventLoop | None = None
    _server: asyncio.Server | None = None
    _port: int = 0

    def start(self) -> ProxyServer:
        ready = threading.Event()

        def serve() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            self._server = loop.run_until_complete(
                asyncio.start_server(self._handle, "127.0.0.1", 0)
            )
            self._port = self._server.sockets[0].getsockname()[1]
            ready.set()
            loop.run_forever()
            self._server.close()
            loop.run_until_complete(self._server.wait_closed())
            loop.close()

        self._thread = threading.Thread(target=serve, daemon=True)
        self._thread.start()
        assert ready.wait(PATIENCE), "the proxy did not start"
        return self

    @property
    def port(self) -> int:
        return self._port

    def url(self, user: str = "", password: str = "") -> str:
        """``http://[user[:password]@]127.0.0.1:port`` (give them %-encoded)."""
        auth = f"{user}:{password}@" if user else ""
        return f"http://{auth}127.0.0.1:{self._port}"

    def stop(self) -> None:
        """Close the port and every connection still open (a hanging one too)."""
        if self._loop is None:
            return
        loop = self._loop

        async def close() -> None:
            # first no more connections: one accepted meanwhile was set up after the
            # tasks below were cancelled, and its socket stayed open when the loop stopped
            await stop_accepting(self._server)
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for _ in range(3):  # the transports they closed finish closing
                await asyncio.sleep(0)
            loop.stop()

        asyncio.run_coroutine_threadsafe(close(), loop)
        self._thread.join(PATIENCE)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await self._serve(reader, writer)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            pass  # the client went away: nothing to record
        finally:
            await _closed(writer)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target, _version = lines[0].split(" ", 2)
        headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
        self.passages.append(Passage(method, target, headers))
        if self.hang:
            await reader.read()  # nothing, until the client gives up (or the proxy stops)
            return
        if self.refuse is not None:
            return await _answer(writer, self.refuse, "Forbidden")
        if self.credentials is not None:
            pair = ":".join(self.credentials).encode()
            expected = "Basic " + base64.b64encode(pair).decode()
            if headers.get("Proxy-Authorization") != expected:
                return await _answer(writer, 407, "Proxy Authentication Required")
        if method == "CONNECT":
            host = target.rpartition(":")[0]
            if host not in self.routes:
                return await _answer(writer, 502, "Bad Gateway")
            far_reader, far_writer = await asyncio.open_connection("127.0.0.1", self.routes[host])
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            await writer.drain()
            return await _pipe(reader, writer, far_reader, far_writer)
        parts = urlsplit(target)  # absolute-form: forward it, as origin-form
        if parts.hostname not in self.routes:
            return await _answer(writer, 502, "Bad Gateway")
        far_reader, far_writer = await asyncio.open_connection(
            "127.0.0.1", self.routes[parts.hostname]
        )
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        kept = [line for line in lines[1:] if line and not line.startswith("Proxy-")]
        far_writer.write(f"{method} {path} HTTP/1.1\r\n".encode("latin-1"))
        far_writer.write(("\r\n".join(kept) + "\r\n\r\n").encode("latin-1"))
        await _pipe(reader, writer, far_reader, far_writer)


async def _answer(writer: asyncio.StreamWriter, status: int, reason: str) -> None:
    writer.write(f"HTTP/1.1 {status} {reason}\r\nContent-Length: 0\r\n\r\n".encode())
    await writer.drain()


async def _pipe(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    far_reader: asyncio.StreamReader,
    far_writer: asyncio.StreamWriter,
) -> None:
    """Bytes both ways until either side closes."""

    async def copy(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while data := await source.read(65_536):
                sink.write(data)
                await sink.drain()
        with contextlib.suppress(OSError):
            sink.close()

    try:
        await asyncio.gather(copy(reader, far_writer), copy(far_reader, writer))
    finally:  # cancelled by stop() too: the far side is closed all the same, never left to GC
        await _closed(far_writer)


async def _closed(writer: asyncio.StreamWriter) -> None:
    """Close a connection and wait until its transport is gone (an open one found by the
    garbage collector later fails whatever test runs then, as an unraisable warning)."""
    writer.close()
    with contextlib.suppress(Exception, asyncio.CancelledError):
        await writer.wait_closed()
