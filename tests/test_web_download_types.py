"""A file a customer declares as a type a browser would run (HTML, SVG, XHTML, XML with
a stylesheet) is still downloaded, never shown as a page of ours: whatever the part's
Content-Type, the download is ``application/octet-stream``, ``attachment``, ``nosniff``
and sandboxed, its name one safe component with the customer's extension kept."""

from __future__ import annotations

import re
from email.message import EmailMessage
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from tests.support.databases import sqlite_only
from tests.support.pipeline import deliver
from tests.support.web import Rig, rig, sign_in

PAYLOAD = b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(document.cookie)'/>"


def _mail(maintype: str, subtype: str, name: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Sato <sato@customer.test>"
    msg["To"] = "support@example.test"
    msg["Subject"] = "see the file"
    msg["Message-ID"] = "<file-1@customer.test>"
    msg.set_content("attached\n")
    msg.add_attachment(PAYLOAD, maintype=maintype, subtype=subtype, filename=name)
    return bytes(msg)


@sqlite_only
@pytest.mark.parametrize(
    ("maintype", "subtype", "name", "sent_as"),
    [
        ("image", "svg+xml", "logo.svg", "logo.svg"),
        ("text", "html", "../../index.html", "index.html"),
        ("application", "xhtml+xml", "CON.xhtml", "_CON.xhtml"),
        ("text", "xml", "a\u202egpj.xml", "agpj.xml"),
    ],
)
def test_a_type_a_browser_would_run_is_only_ever_downloaded(
    settings: Settings, clock: FakeClock, maintype: str, subtype: str, name: str, sent_as: str
) -> None:
    async def scenario(client: TestClient[Any, Any], r: Rig, tid: int) -> dict[str, str]:
        await sign_in(client, r, "ops@example.test")
        html = await (await client.get(f"/tickets/{tid}")).text()
        link = re.search(rf'href="(/tickets/{tid}/attachments/\d+)"', html)
        assert link
        got = await client.get(link.group(1))
        assert got.status == 200 and await got.read() == PAYLOAD
        return dict(got.headers)

    with rig(settings, clock) as r:
        outcome = deliver(r.app, _mail(maintype, subtype, name))
        headers = r.serve(lambda c: scenario(c, r, outcome.ticket_id or 0))
    assert headers["Content-Type"] == "application/octet-stream"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Security-Policy"].startswith("sandbox; default-src 'none'")
    assert headers["Content-Disposition"].startswith(f'attachment; filename="{sent_as}"')
