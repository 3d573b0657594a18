"""A file of the web form keeps the type its client declared as a type, never as
whatever text came in the part's header: a client that sends parameters with it
(``text/csv; charset=Shift_JIS``, as scripts and some mobile browsers post a form) or
a type too long for the column was stored as it came, and on PostgreSQL the
attachment row was refused (longer than 255 characters): the request that the page
had thanked the requester for was shunted, no ticket, no acknowledgement. The type is
read as a mail part's is: lower case, without its parameters, and one that is no
``type/subtype`` is ``application/octet-stream``."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runner.rows import RowOutcome
from tests.support.pipeline import show
from tests.support.web import form_of, rig

SENT = [
    ("一覧.csv", "text/csv; charset=Shift_JIS", "text/csv"),
    ("shot.png", "Image/PNG; name=" + "x" * 300, "image/png"),
    ("odd.bin", "not a type " + "y" * 300, "application/octet-stream"),
]


@pytest.mark.parametrize("db_url", ["sqlite", "postgres"], indirect=True)
def test_a_form_files_declared_type_is_read_as_a_type(settings: Settings, clock: FakeClock) -> None:
    async def scenario(client: TestClient[Any, Any]) -> int:
        csrf, token = await form_of(client, "vpn")
        data = FormData(
            {
                "csrf": csrf,
                "form_token": token,
                "email": "ito@customer.test",
                "subject": "VPN がつながりません",
                "text": "一覧を添付します。",
                "f_os": "windows",
            }
        )
        for name, declared, _ in SENT:
            data.add_field("files", b"a,b\r\n", filename=name, content_type=declared)
        answer = await client.post("/new/vpn", data=data, allow_redirects=False)
        return answer.status

    with rig(settings, clock) as r:
        assert r.serve(scenario) == 303
        [outcome] = r.app.runner.process_pending()
        assert isinstance(outcome, RowOutcome)
        assert outcome.state.value == "done", outcome.reason
        assert outcome.ticket_id is not None
        files = show(r.app, outcome.ticket_id)["messages"][0]["attachments"]
    assert [(f["filename"], f["content_type"]) for f in files] == [
        (name, kept) for name, _, kept in SENT
    ]
