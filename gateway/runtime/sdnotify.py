"""systemd's notify protocol (sd_notify(3)) without a dependency.

``Type=notify`` lets systemd know when the daemon really accepts mail (after
the listener is bound, not when the process exists) and ``WatchdogSec`` lets
it restart a daemon that hangs instead of crashing. The protocol is one
datagram per message on the AF_UNIX socket named by ``$NOTIFY_SOCKET``; a
leading ``@`` names Linux's abstract namespace. Outside systemd (no socket in
the environment) every call is a cheap no-op, so callers never need to ask.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping

log = logging.getLogger("gateway.sdnotify")

READY = "READY=1"
STOPPING = "STOPPING=1"
RELOADING = "RELOADING=1"
WATCHDOG = "WATCHDOG=1"


def notify(message: str, env: Mapping[str, str] | None = None) -> bool:
    """Send ``message`` (e.g. ``READY=1``); False when not under systemd or it failed.

    A failure is logged and swallowed: the daemon must go on taking mail even
    when the service manager cannot be told about it."""
    address = _address((os.environ if env is None else env).get("NOTIFY_SOCKET", ""))
    if address is None:
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall(message.encode("utf-8"))
    except OSError as exc:
        log.warning("cannot notify systemd (%s): %s", message.split("=", 1)[0], exc)
        return False
    return True


def status(text: str, env: Mapping[str, str] | None = None) -> bool:
    """A one-line status shown by ``systemctl status`` (e.g. waiting for the database)."""
    return notify("STATUS=" + " ".join(text.split()), env)


def extend_timeout(seconds: float, env: Mapping[str, str] | None = None) -> bool:
    """Ask for ``seconds`` more, from now, to finish starting (``EXTEND_TIMEOUT_USEC=``).

    systemd kills a ``Type=notify`` service that has not said READY=1 within
    ``TimeoutStartSec``, even one that only waits for its database; an extension
    moves that deadline (never closer) to ``seconds`` after this message, by which
    time another message must come."""
    return notify(f"EXTEND_TIMEOUT_USEC={max(int(seconds * 1_000_000), 1)}", env)


def watchdog_interval(env: Mapping[str, str] | None = None) -> float | None:
    """Seconds between ``WATCHDOG=1`` pings: half of ``WatchdogSec``; None when off.

    ``$WATCHDOG_PID``, when set, names the process the watchdog is meant for;
    a child that inherited the environment must not ping for its parent."""
    values = os.environ if env is None else env
    pid = values.get("WATCHDOG_PID", "")
    if pid and pid != str(os.getpid()):
        return None
    try:
        usec = int(values.get("WATCHDOG_USEC", ""))
    except ValueError:
        return None
    return usec / 2_000_000 if usec > 0 else None


def _address(name: str) -> str | None:
    if name.startswith("@"):
        return "\0" + name[1:]
    if name.startswith("/"):
        return name
    return None  # unset, or a vsock address we do not speak
