"""What a person types into the public form never becomes a header of our mail.

The form's name and subject go into the acknowledgement's ``To`` and ``Subject`` (and
the team's notice's ``Subject`` and ``Thread-Topic``). Typed with CR/LF, a lone CR, or
the line separators other software breaks lines at (U+2028, U+2029, NEL U+0085, a
vertical tab, a form feed), they must stay one header each: no ``Bcc`` of the
sender's choosing, no second ``Subject``, no body begun early. Through the real pages
and the runner, as a browser sends it.

Found held by the security review of December 2026; kept as a regression test.
"""

from __future__ import annotations

import email
import email.policy
from typing import Any

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from tests.support.pipeline import outbox
from tests.support.web import form_of, rig

BREAKS = ["\r\n", "\n", "\r", "\u2028", "\u2029", "\x85", "\x0b", "\x0c"]
OURS = {"acknowledgement", "new_ticket"}


def _headers(raw: bytes) -> list[tuple[str, str]]:
    head = raw.split(b"\r\n\r\n", 1)[0]
    msg = email.message_from_bytes(head + b"\r\n\r\n", policy=email.policy.default)
    return [(name.lower(), str(value)) for name, value in msg.items()]


@pytest.mark.parametrize("brk", BREAKS, ids=[f"U+{ord(b[-1]):04X}" for b in BREAKS])
def test_line_breaks_typed_into_the_form_stay_inside_one_header(
    settings: Settings, clock: FakeClock, brk: str
) -> None:
    typed = {
        "name": f"Mallory{brk}Bcc: victim@elsewhere.test",
        "subject": f"VPN{brk}Bcc: victim@elsewhere.test{brk}X-Injected: yes",
    }

    async def scenario(client: TestClient[Any, Any]) -> int:
        csrf, token = await form_of(client, "vpn")
        form = {
            "csrf": csrf,
            "form_token": token,
            "email": "mallory@customer.test",
            "text": "Hello",
            "f_os": "windows",
            "f_client_version": "5.1",
            **typed,
        }
        answer = await client.post("/new/vpn", data=FormData(form), allow_redirects=False)
        return answer.status

    with rig(settings, clock) as r:
        assert r.serve(scenario) == 303
        r.app.runner.process_pending()
        mails = [row for row in outbox(r.app) if row.kind in OURS]
    assert {row.kind for row in mails} == OURS
    for row in mails:
        headers = _headers(row.raw)
        names = [name for name, _ in headers]
        assert "bcc" not in names and "x-injected" not in names, row.kind
        assert names.count("subject") == names.count("to") == 1, row.kind
        assert row.recipients != ["victim@elsewhere.test"]
        for name, value in headers:
            assert not any(c in value for c in "\r\n\u2028\u2029\x85\x0b\x0c"), (name, value)
        subject = dict(headers)["subject"]
        assert "VPN Bcc: victim@elsewhere.test X-Injected: yes" in subject, subject
