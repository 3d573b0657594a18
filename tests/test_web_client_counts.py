"""Who one client is, for the pages' limits: an IPv4 address, or an IPv6 /64.

A customer line or a virtual server is handed a whole IPv6 /64 (RFC 6177), so a limit
kept per IPv6 address is no limit: the next request comes from the next of its 2**64
addresses. The mail listener counted per /64 already; the pages counted each address
(the sign-in asks of one client, its form posts, its open connections). An IPv4-mapped
address (a dual-stack socket, a proxy that writes one) is that IPv4 address.

The requests come through a reverse proxy on this machine, as in production, whose
``X-Forwarded-For`` names the client (:func:`gateway.web.guard.client_ip`).
"""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.hosts import client_of
from gateway.web.connections import Doorman
from tests.support.databases import sqlite_only
from tests.support.pipeline import inbox_rows
from tests.support.web import csrf_of, form_of, rig

# six addresses of one /64, as its owner may use them one after another
ONE_LINE = [f"2001:db8:1:2::{n:x}" for n in range(1, 7)]


def _from(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


@sqlite_only
def test_sign_in_asks_from_one_ipv6_64_are_one_clients(
    settings: Settings, clock: FakeClock
) -> None:
    """Past four times the hourly limit the client is refused (429), whichever of its
    addresses it asks from."""

    async def scenario(client: TestClient[Any, Any]) -> list[int]:
        csrf = await csrf_of(client)
        seen = []
        for n, address in enumerate(ONE_LINE):
            answer = await client.post(
                "/sign-in",
                data={"email": f"guess{n}@evil.test", "csrf": csrf},
                headers=_from(address),
            )
            seen.append(answer.status)
        return seen

    with rig(settings, clock, sign_ins_per_hour=1) as r:
        assert r.serve(scenario) == [200] * 4 + [429] * 2


@sqlite_only
def test_form_posts_from_one_ipv6_64_are_one_clients(settings: Settings, clock: FakeClock) -> None:
    """A new address of the /64 and a new requester address for each post: the client's
    count still stops it at the hourly limit, and nothing past it is stored."""

    async def scenario(client: TestClient[Any, Any]) -> list[int]:
        seen = []
        for n, address in enumerate(ONE_LINE[:4]):
            csrf, token = await form_of(client, "other")
            form = {
                "csrf": csrf,
                "form_token": token,
                "email": f"victim{n}@customer.test",
                "subject": f"spam {n}",
                "text": "spam",
            }
            answer = await client.post(
                "/new/other", data=form, headers=_from(address), allow_redirects=False
            )
            seen.append(answer.status)
        return seen

    with rig(settings, clock, submissions_per_hour=2) as r:
        assert r.serve(scenario) == [303, 303, 429, 429]
        assert len(inbox_rows(r.app)) == 2


@sqlite_only
def test_an_ipv4_mapped_address_is_its_ipv4_client(settings: Settings, clock: FakeClock) -> None:
    async def scenario(client: TestClient[Any, Any]) -> list[int]:
        csrf = await csrf_of(client)
        seen = []
        for n in range(6):
            address = "203.0.113.5" if n % 2 else "::ffff:203.0.113.5"
            answer = await client.post(
                "/sign-in",
                data={"email": f"guess{n}@evil.test", "csrf": csrf},
                headers=_from(address),
            )
            seen.append(answer.status)
        return seen

    with rig(settings, clock, sign_ins_per_hour=1) as r:
        assert r.serve(scenario) == [200] * 4 + [429] * 2


def test_connections_from_one_ipv6_64_share_the_clients_allowance() -> None:
    doorman = Doorman(head_within=5.0, per_client=2)
    admitted = [doorman.admit(object(), address) for address in ONE_LINE[:4]]
    assert admitted == [True, True, False, False]
    other = doorman.admit(object(), "2001:db8:1:3::1")  # another /64: another client
    assert other is True


@pytest.mark.parametrize(
    ("peer", "client"),
    [
        ("192.0.2.7", "192.0.2.7"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("2001:db8:1:2::99", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("fe80::1%eth0", "fe80::/64"),
        ("not an address", "not an address"),
        ("", ""),
    ],
)
def test_the_client_of_a_peer(peer: str, client: str) -> None:
    assert client_of(peer) == client
