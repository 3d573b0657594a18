"""The files of a member's answer, relayed to the requester, are on the ticket page
under that answer as well: each link downloads the file as sent, byte for byte, as
``tickets attachment`` saves it (while our mail's bytes are kept, and after
``[outbound] keep_sent`` emptied them: the file is then read from the member's own mail).
A link the page offers that answered 404 left the member no way to see what was sent."""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from store import outbox as outbox_store
from store.db import transaction
from store.models import OutboxRow
from tests.support.app import reply_address
from tests.support.databases import sqlite_only
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show
from tests.support.web import Rig, rig, sign_in

OPS = "ops@example.test"
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40  # binary: a byte lost or changed shows
NAME = "接続手順書（2026年版）.pdf"


def _answer_with_a_file(r: Rig) -> int:
    out = deliver(r.app, mail(subject="VPN down", message_id="<r-1@customer.test>"))
    tid = out.ticket_id
    assert tid is not None
    msg = EmailMessage()
    msg["From"] = f"Ops One <{OPS}>"
    msg["To"] = reply_address(r.app, tid, OPS)
    msg["Subject"] = f"Re: [#{tid}] VPN down"
    msg["Message-ID"] = "<ops-1@example.test>"
    msg.set_content("The guide is attached.\n")
    msg.add_attachment(PDF, maintype="application", subtype="pdf", filename=NAME)
    deliver(r.app, bytes(msg))
    assert [m.get("kind") for m in show(r.app, tid)["messages"] if m["attachments"]] == [
        "reply",
        "ops_reply",
    ]
    return tid


@sqlite_only
@pytest.mark.parametrize("dropped", [False, True], ids=["sent-kept", "sent-bytes-dropped"])
def test_every_file_link_on_the_page_downloads_the_file(
    settings: Settings, clock: FakeClock, dropped: bool
) -> None:
    async def scenario(client: TestClient[Any, Any], r: Rig, tid: int) -> list[Any]:
        await sign_in(client, r, OPS)
        html = await (await client.get(f"/tickets/{tid}")).text()
        links = re.findall(rf'href="(/tickets/{tid}/attachments/\d+)"', html)
        got = []
        for link in links:
            answer = await client.get(link)
            got.append(
                (answer.status, await answer.read(), answer.headers.get("Content-Disposition"))
            )
        return got

    with rig(settings, clock) as r:
        tid = _answer_with_a_file(r)
        if dropped:  # [outbound] keep_sent: a sent mail's bytes emptied
            with transaction(r.app.sessions) as s:
                for row in outbox(r.app):
                    s.get(OutboxRow, row.id).state = "sent"  # type: ignore[union-attr]
                    s.get(OutboxRow, row.id).sent_at = clock.now()  # type: ignore[union-attr]
            clock.advance(timedelta(days=1))
            with transaction(r.app.sessions) as s:
                assert outbox_store.drop_sent_raw(s, clock.now(), clock.now()) > 0
        got = r.serve(lambda c: scenario(c, r, tid))
    assert len(got) == 2  # the member's mail, and our answer to the requester
    for status, data, disposition in got:
        assert status == 200
        assert data == PDF
        assert disposition.endswith("%E7%89%88%EF%BC%89.pdf")
