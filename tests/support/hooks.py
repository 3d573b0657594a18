"""A webhook receiver of our own on a loopback port, for the catalog-action tests.

A real HTTP server (the stdlib's, threaded), not a mock: the gateway's webhook
runner connects, sends and reads exactly as it would to a team's automation.
Each POST gets the next scripted answer; what arrived is kept for the test.
"""

from __future__ import annotations

import json
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.support.waiting import SERVER_POLL

OK, ERROR, BAD, HANG = "200", "500", "400", "hang"
MOVED = "302"  # to /login, whose GET answers 200 (a sign-in page in front of the hook)
TRICKLE = "trickle"  # a status line, then a header one byte at a time, never ending
HANG_LIMIT = 30.0  # a hanging answer gives up after this long even if nobody releases it
TRICKLE_EVERY = 0.2  # seconds between the bytes of a trickling answer
# how an answer's body is framed (``HookServer.framing``): a Content-Length, chunks of
# CHUNK bytes, or neither (its end is the connection's close, as HTTP/1.0 allows)
LENGTH, CHUNKED, CLOSE = "length", "chunked", "close"
CHUNK = 1000


@dataclass(frozen=True, slots=True)
class Delivery:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class HookServer:
    """Answers each POST with the next of ``answers`` (``"200"``, ``"500"``, ``"400"``, ``"302"``,
    ``"hang"``: never answer, or ``"trickle"``: a byte at a time, never done), then
    ``"200"`` when they run out."""

    answers: list[str] = field(default_factory=list)
    tls: tuple[Path, Path] | None = None  # (certificate, key): serve https
    reply: dict[str, Any] = field(default_factory=lambda: {"account": "taro", "ok": True})
    location: str = "/login"  # where a "302" points
    body: bytes | None = None  # a 200's body as it is, instead of ``reply`` as JSON
    framing: str = LENGTH  # how a 200 with ``body`` is framed: LENGTH, CHUNKED or CLOSE
    content_type: str = "text/plain; charset=utf-8"  # a 200 with ``body``: its Content-Type
    deliveries: list[Delivery] = field(default_factory=list)
    fetched: list[str] = field(default_factory=list)  # paths asked for with GET
    release: threading.Event = field(default_factory=threading.Event)
    _server: ThreadingHTTPServer | None = None

    def start(self) -> HookServer:
        hooks = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                hooks.deliveries.append(Delivery(self.path, dict(self.headers.items()), body))
                answer = hooks.answers.pop(0) if hooks.answers else OK
                if answer == HANG:
                    hooks.release.wait(HANG_LIMIT)
                    return
                if answer == TRICKLE:
                    self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
                    self.wfile.flush()
                    while not hooks.release.wait(TRICKLE_EVERY):
                        try:
                            self.wfile.write(b"x")
                            self.wfile.flush()
                        except OSError:  # the client gave up: what a test waits for
                            return
                    return
                if answer == OK and hooks.body is not None:
                    self._framed(hooks.body, hooks.framing)
                    return
                data = json.dumps(hooks.reply).encode() if answer == OK else b"nope"
                self.send_response(int(answer))
                if 300 <= int(answer) < 400:  # MOVED, or any redirect a test names
                    self.send_header("Location", hooks.location)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _framed(self, body: bytes, framing: str) -> None:
                if framing == CHUNKED:
                    self.protocol_version = "HTTP/1.1"  # chunks are HTTP/1.1's
                self.send_response(200)
                self.send_header("Content-Type", hooks.content_type)
                if framing == LENGTH:
                    self.send_header("Content-Length", str(len(body)))
                elif framing == CHUNKED:
                    self.send_header("Transfer-Encoding", "chunked")
                    self.send_header("Connection", "close")
                self.end_headers()
                if framing != CHUNKED:
                    self.wfile.write(body)  # CLOSE: the handler's end closes the connection
                    return
                for start in range(0, len(body), CHUNK):
                    piece = body[start : start + CHUNK]
                    self.wfile.write(b"%x\r\n%b\r\n" % (len(piece), piece))
                    self.wfile.flush()
                self.wfile.write(b"0\r\n\r\n")

            def do_GET(self) -> None:
                hooks.fetched.append(self.path)
                page = b"<html>sign in</html>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet: pytest shows what matters

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        if self.tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(str(self.tls[0]), str(self.tls[1]))
            server.socket = context.wrap_socket(server.socket, server_side=True)
        self._server = server
        threading.Thread(target=server.serve_forever, args=(SERVER_POLL,), daemon=True).start()
        return self

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    def url(self, path: str = "/hooks/account", host: str = "127.0.0.1") -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{host}:{self.port}{path}"

    def stop(self) -> None:
        self.release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
