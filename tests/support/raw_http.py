"""An HTTP target of our own that writes exactly the bytes a test scripts, on a loopback
port: for what a well-behaved server (the stdlib's) never sends, as an answer cut short
or interim answers before the final one. It reads the request's head, then runs the
script on the connection; one connection per server."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator

Script = Callable[[socket.socket], None]


@contextlib.contextmanager
def raw_targets() -> Iterator[Callable[[Script], str]]:
    """A factory: ``start(script)`` serves one connection and gives the URL to POST to."""
    listeners: list[socket.socket] = []

    def start(script: Script) -> str:
        listener = socket.create_server(("127.0.0.1", 0))
        listeners.append(listener)

        def serve() -> None:
            with contextlib.suppress(OSError):  # the listener closed: the test is over
                conn, _ = listener.accept()
                with conn:
                    request = b""
                    while b"\r\n\r\n" not in request:
                        request += conn.recv(65_536)
                    # the body too: a close with bytes of it unread is a reset (RST) at
                    # the gateway, not the clean end of the answer the script means
                    head, _, body = request.partition(b"\r\n\r\n")
                    need = _content_length(head)
                    while len(body) < need and (more := conn.recv(65_536)):
                        body += more
                    with contextlib.suppress(OSError):  # the gateway hung up: as a cut expects
                        script(conn)

        threading.Thread(target=serve, daemon=True).start()
        return f"http://127.0.0.1:{listener.getsockname()[1]}/hooks/account"

    try:
        yield start
    finally:
        for listener in listeners:
            listener.close()


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return 0
