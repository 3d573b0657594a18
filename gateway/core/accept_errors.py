"""A listener out of file descriptors, said once a minute in words that say what to do.

When ``accept()`` fails for want of a resource (EMFILE: the process's open-file limit,
``LimitNOFILE`` under systemd; ENFILE: the system's), asyncio pauses that listener for
a second and tries again, so the daemon does not stall: connections wait in the
kernel's queue and are taken once others close. But it logs a traceback for each
accept it tries, up to the listen backlog at once and again at every retry, some 500
a second, none saying what to do. This handler turns them into one warning per
listener a minute and leaves every other event-loop error to asyncio's own handler.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import resource
from typing import Any

log = logging.getLogger("gateway.listener")

EVERY = 60.0  # seconds between two warnings about one listener
OUT_OF = "socket.accept() out of system resource"  # asyncio's own message for it

# what is out, by the errno asyncio pauses accepting for (each row one warning)
_SAID: dict[int, str] = {
    errno.EMFILE: "this process's limit of open files ({limit}) is reached; raise "
    "LimitNOFILE in the unit (ulimit -n)",  # the usual one: many clients at once
    errno.ENFILE: "the system's limit of open files is reached (fs.file-max)",  # rare
    errno.ENOBUFS: "the kernel has no buffer space left",  # memory pressure
    errno.ENOMEM: "the kernel is out of memory",
}


def out_of_resources(exc: OSError) -> str | None:
    """What ``exc`` says is out, in words that say what to do (a row of :data:`_SAID`);
    None for an error that is not for want of a resource."""
    said = _SAID.get(exc.errno or 0)
    if said is None:
        return None
    return said.format(limit=resource.getrlimit(resource.RLIMIT_NOFILE)[0])


def say_out_of_resources(loop: asyncio.AbstractEventLoop, name: str) -> None:
    """Install on ``loop`` (the listener called ``name``: "SMTP", "web")."""
    last: dict[str, float] = {}

    def handler(the_loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        if context.get("message") != OUT_OF or not isinstance(exc, OSError):
            the_loop.default_exception_handler(context)
            return
        where = str(getattr(context.get("socket"), "getsockname", lambda: "")())
        now = the_loop.time()
        if now - last.get(where, -EVERY) < EVERY:
            return
        last[where] = now
        why = out_of_resources(exc) or str(exc)
        log.warning(
            "%s listener %s cannot take new connections: %s; they wait in the queue and "
            "are taken as others close (said once a minute)",
            name,
            where,
            why,
        )

    loop.set_exception_handler(handler)
