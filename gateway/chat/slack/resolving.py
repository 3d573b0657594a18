"""The Slack app's own HTTP calls (Bolt's Web API client: ``users.info``, ``views.open``,
``chat.postEphemeral``; a command's ``response_url``) looked up as the chat poster's
and the webhook actions' are: a link-local address is never dialled, whatever name led
there (:class:`~gateway.actions.dial.LinkLocal`: the cloud's metadata service answers at
169.254.169.254 with the machine's credentials).

aiohttp asks its connector's resolver for every name it connects to; this one asks the
lookup edge (:data:`~gateway.actions.dial.Lookup`, the system's by default, a test's
stand-in) and keeps only the addresses that may be dialled. An address written as such
never reaches a resolver: :func:`gateway.chat.slack.answers.usable` refuses that one.
"""

from __future__ import annotations

import asyncio
import socket

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from gateway.actions.dial import LinkLocal, Lookup, system_lookup
from gateway.core.hosts import is_link_local

# what aiohttp's own resolver marks its answers with: numbers, never looked up again
_NUMERIC = socket.AI_NUMERICHOST | socket.AI_NUMERICSERV


class NoLinkLocal(AbstractResolver):
    """The lookup edge's addresses for a name, less the link-local ones; none left:
    :class:`LinkLocal`, which the call fails with (said in the log as any failed call)."""

    def __init__(self, lookup: Lookup = system_lookup) -> None:
        self._lookup = lookup

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await asyncio.to_thread(self._lookup, host, port)
        rows: list[ResolveResult] = [
            {
                "hostname": host,
                "host": str(where[0]),
                "port": int(where[1]),
                "family": kind,
                "proto": proto,
                "flags": _NUMERIC,
            }
            for kind, _type, proto, _name, where in found
            if kind in (socket.AF_INET, socket.AF_INET6) and family in (0, kind)
        ]
        kept = [row for row in rows if not is_link_local(row["host"])]
        if rows and not kept:
            raise LinkLocal(host, rows[0]["host"])
        return kept

    async def close(self) -> None:
        """Nothing held: each lookup is a call of its own."""


def guarded_session(seconds: float, lookup: Lookup = system_lookup) -> aiohttp.ClientSession:
    """A session whose connections are looked up by :class:`NoLinkLocal`, each call
    bounded by ``seconds`` (the SDK gives a session it did not make no timeout of its
    own). Made in the running loop; whoever made it closes it."""
    return aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=seconds),
        connector=aiohttp.TCPConnector(resolver=NoLinkLocal(lookup)),
    )
