"""Loopback ports for the real servers the tests start (aiosmtpd, Dovecot, the daemon)."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A port nobody listens on right now; the kernel picks it, so parallel runs differ."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int, timeout: float = 0.2) -> bool:
    """Whether something accepts connections on 127.0.0.1:``port``."""
    with socket.socket() as sock:
        sock.settimeout(timeout)
        return sock.connect_ex(("127.0.0.1", port)) == 0
