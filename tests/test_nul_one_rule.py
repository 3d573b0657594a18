"""A NUL (U+0000) in text that reaches the store from outside is U+FFFD, on SQLite as on
PostgreSQL.

PostgreSQL's text cannot hold NUL, so every string sent to it has one as U+FFFD
(``store.text_out``); SQLite can, and kept it: a Slack modal's value or text, an
answer sent with ``/reply``, a part's Content-Type were stored with the NUL on SQLite
and with U+FFFD on PostgreSQL, so the same request read differently on the two. Each
door now hands the store U+FFFD itself, through one function
(:func:`gateway.core.text.nul_replaced`). Text a reader sees that a door already
cleans of control characters (a mail's subject, body, sender name, file names; a web
form's inputs) has the NUL left out before, alike on both. The raw bytes stay as they
came.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from gateway.config.settings import CatalogSettings, Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App, build
from store import slack_drafts
from store.db import transaction
from tests.support import chat as c
from tests.support.app import MEMBERS
from tests.support.catalogs import EXAMPLE
from tests.support.pipeline import all_tickets, deliver, inbox_raw, inbox_rows, outbox, show
from tests.support.slack_fake import FakeSlack
from tests.support.web import form_of, printer_form, rig


@pytest.fixture
def desk(settings: Settings, clock: FakeClock) -> Iterator[App]:
    """The example catalog (its printer entry has a text field) and the test team."""
    app = build(replace(settings, members=MEMBERS, catalog=CatalogSettings(path=EXAMPLE)), clock)
    yield app
    app.close()


MAIL = (
    b"From: =?utf-8?q?Ali=00ce?= <alice@customer.test>\r\nTo: support@example.test\r\n"
    b"Subject: =?utf-8?q?prin=00ter?=\r\nMessage-ID: <p1@customer.test>\r\n"
    b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable"
    b"\r\n\r\nThe=00printer jams.\r\nprinter_name: 3F=00MFP\r\n--b\r\n"
    b"Content-Type: appli\x00cation/x\r\n"
    b"Content-Disposition: attachment; filename*=utf-8''a%00b.txt\r\n\r\nAAAA\r\n--b--\r\n"
)


def test_a_nul_in_a_mail_is_read_the_same_on_both_databases(desk: App) -> None:
    """Subject, sender name, body (and a sheet value in it), file name: control
    characters left out by the parser. The part's Content-Type is kept as the header
    says it, with the NUL as U+FFFD (SQLite kept the NUL)."""
    out = deliver(desk, MAIL)
    assert out.ticket_id is not None
    t = show(desk, out.ticket_id)
    [m] = [m for m in t["messages"] if m["direction"] == "in"]
    assert (t["subject"], m["from_name"]) == ("printer", "Alice")
    assert m["text"] == "Theprinter jams.\nprinter_name: 3FMFP"
    assert t["fields"]["printer_name"] == "3FMFP"
    [a] = m["attachments"]
    assert (a["filename"], a["content_type"]) == ("ab.txt", "appli\ufffdcation/x")
    assert inbox_raw(desk, inbox_rows(desk)[0].id) == MAIL  # byte for byte


def test_a_nul_in_a_web_form_field_is_left_out_alike(settings: Settings, clock: FakeClock) -> None:
    """A sheet input is one line (a control character a space), the details lose
    control characters: the same on both databases."""

    async def scenario(client: TestClient[Any, Any]) -> int:
        csrf, token = await form_of(client, "printer")
        form = printer_form(csrf, token, "朝から\x00です") | {"f_printer_name": "3F\x00MFP"}
        return (await client.post("/new/printer", data=form, allow_redirects=False)).status

    with rig(settings, clock) as r:
        assert r.serve(scenario) == 303
        r.app.runner.process_pending()
        [t] = all_tickets(r.app)
        shown = show(r.app, t["id"])
    assert shown["fields"]["printer_name"] == "3F MFP"
    assert shown["messages"][0]["text"] == "朝からです"


def test_a_nul_in_a_slack_modal_is_u_fffd(chat_app: App, fake: FakeSlack) -> None:
    fake.envelope("slash_commands", c.command())
    [opened] = fake.wait_for("views.open")
    chosen = c.submission(opened["view"], c.chosen("purchase"))
    step2 = fake.envelope("interactive", chosen)["view"]
    values = c.typed("ノートPCの購入", "本文\x00です", item="ノート\x00PC")
    values["field:quantity"] = {"value": {"type": "number_input", "value": "3"}}
    assert fake.envelope("interactive", c.submission(step2, values)) == {}
    chat_app.runner.process_pending()
    [t] = all_tickets(chat_app)
    shown = show(chat_app, t["id"])
    assert shown["fields"]["item"] == "ノート\ufffdPC"
    assert shown["messages"][0]["text"] == "本文\ufffdです"
    [row] = inbox_rows(chat_app)
    assert b"\\u0000" in inbox_raw(chat_app, row.id)  # the document as the door wrote it


def test_a_nul_in_a_reply_commands_argument_is_u_fffd(chat_app: App, fake: FakeSlack) -> None:
    """``/reply 1 text``: the member's answer, stored and mailed."""
    fake.envelope("slash_commands", c.command())
    [opened] = fake.wait_for("views.open")
    step2 = fake.envelope("interactive", c.submission(opened["view"], c.chosen("vpn")))["view"]
    fake.envelope("interactive", c.submission(step2, c.typed("VPN", "昨日から", os="windows")))
    chat_app.runner.process_pending()
    [t] = all_tickets(chat_app)
    command = c.command(f"{t['id']} 再起動\x00してください", user=c.OPS, trigger="t-r1")
    answered = {"command": "/reply", "response_url": fake.response_url("t-r1")}
    fake.envelope("slash_commands", command | answered)
    fake.answered("t-r1")
    [sent] = outbox(chat_app, "ops_reply")
    assert sent.recipients == ["ito@customer.test"]
    said = show(chat_app, t["id"])["messages"][-1]["text"]
    assert said.startswith("再起動\ufffdしてください\n"), said


def test_a_nul_in_a_slack_forms_earlier_pages_is_u_fffd(app: App) -> None:
    """What a form of pages keeps between its pages: the subject read back with the NUL
    on SQLite, U+FFFD on PostgreSQL; the values (a JSON column) with the NUL on both."""
    with transaction(app.sessions) as s:
        slack_drafts.keep(
            s,
            "V1",
            "vpn",
            ["os"],
            {"os": "mac\x00"},
            app.clock.now(),
            subject="VPN\x00",
            text="a\x00",
        )
    with transaction(app.sessions) as s:
        kept = slack_drafts.of(s, "V1")
    assert (kept.subject, kept.fields, kept.text) == ("VPN\ufffd", {"os": "mac\ufffd"}, "a\ufffd")
