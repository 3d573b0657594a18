"""A name server of our own behind a lookup edge (``gateway.actions.dial.Lookup``): the
webhook actions' and the chat poster's tests put it where the system's resolver was."""

from __future__ import annotations

import socket
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from gateway.actions.dial import AddressInfo, system_lookup
from tests.support.hooks import HANG_LIMIT


@dataclass
class Resolver:
    """A name server of our own behind the lookup edge: ``names`` → 127.0.0.1, no other
    name; with ``hang``, it never answers (each lookup waits until released, HANG_LIMIT
    at most)."""

    names: set[str] = field(default_factory=set)
    hang: bool = False
    asked: list[str] = field(default_factory=list)
    answered: list[str] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def __call__(self, host: str, port: int) -> Sequence[AddressInfo]:
        self.asked.append(host)
        if self.hang:
            self.release.wait(HANG_LIMIT)
        self.answered.append(host)
        if host not in self.names:  # as a name server that knows no such name says it
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return system_lookup("127.0.0.1", port)
