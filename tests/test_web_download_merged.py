"""A link to a file of a ticket that was merged into another (pasted in a chat, kept in
a member's notes, in a mail about the old ticket) still downloads the file: the file
moved with its mail to the surviving ticket, and the link answered 404. It leads there
for a signed-in member, to nobody else, and only for a file that ticket holds."""

from __future__ import annotations

import re
from email.message import EmailMessage
from typing import Any

from aiohttp.test_utils import TestClient

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from tests.support.mails import mail
from tests.support.pipeline import deliver, show
from tests.support.web import Rig, csrf_of, rig, sign_in

MEMBER = "ops@example.test"
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 8


def _with_a_file() -> bytes:
    msg = EmailMessage()
    msg["From"] = "Alice <alice@customer.test>"
    msg["To"] = "support@example.test"
    msg["Subject"] = "Printer still jams"
    msg["Message-ID"] = "<a2@customer.test>"
    msg.set_content("The error log is attached.\n")
    msg.add_attachment(PDF, maintype="application", subtype="pdf", filename="log.pdf")
    return bytes(msg)


def test_an_old_link_to_a_merged_tickets_file_reaches_it(
    settings: Settings, clock: FakeClock
) -> None:
    async def scenario(client: TestClient[Any, Any], r: Rig) -> list[Any]:
        got: list[Any] = []
        await sign_in(client, r, MEMBER)
        page = await (await client.get("/tickets/2")).text()
        [link] = re.findall(r'href="(/tickets/2/attachments/\d+)"', page)
        csrf = await csrf_of(client, "/tickets/2")
        done = await client.post(
            "/tickets/2/merge", data={"target": "1", "csrf": csrf}, allow_redirects=False
        )
        assert done.status == 303
        old = await client.get(link)
        got.append((old.status, await old.read(), str(old.url.path)))
        aid = link.rsplit("/", 1)[1]
        wrong = await client.get(f"/tickets/2/attachments/{int(aid) + 50}")
        got.append(wrong.status)
        client.session.cookie_jar.clear()
        gone = await client.get(link, allow_redirects=False)
        got.append((gone.status, gone.headers.get("Location", "")))
        return got

    with rig(settings, clock) as r:
        deliver(r.app, mail("Printer jam on 3F", message_id="<a1@customer.test>"))
        deliver(r.app, _with_a_file())
        got = r.serve(lambda c: scenario(c, r))
        assert show(r.app, 2)["merged_into"] == 1
    (status, data, path), wrong, (gone, where) = got
    assert (status, data) == (200, PDF)
    assert re.fullmatch(r"/tickets/1/attachments/\d+", path)  # where the file is now
    assert wrong == 404
    assert gone in (302, 303) and "/tickets/1" not in where  # signed out: the sign-in page
