"""Controls people fill in say what they are for: every field, list and text box of the
pages has a label a screen reader reads out (the close reason's list had none), and a
field sent back with an error is marked invalid and points at its message."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from aiohttp.test_utils import TestClient

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from tests.support.mails import mail
from tests.support.pipeline import deliver
from tests.support.web import form_of, member_page, rig

CONTROLS = {"input", "select", "textarea"}


class _Controls(HTMLParser):
    """The ids of the page's controls, the ids its labels name, controls inside a label."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: dict[str, dict[str, str | None]] = {}
        self.labelled: set[str] = set()
        self.depth = 0  # inside a <label>: its controls are labelled by it

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "label":
            self.depth += 1
            if a.get("for"):
                self.labelled.add(a["for"] or "")
        elif tag in CONTROLS and a.get("type") != "hidden":
            key = a.get("id") or a.get("name") or tag
            self.controls[key] = a
            if self.depth or a.get("aria-label"):
                self.labelled.add(key)

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.depth -= 1


def _parse(html: str) -> _Controls:
    parser = _Controls()
    parser.feed(html)
    return parser


def test_every_control_of_the_member_pages_has_a_label(
    settings: Settings, clock: FakeClock
) -> None:
    with rig(settings, clock) as r:
        outcome = deliver(r.app, mail(subject="プリンタが動きません"))
        for path in (f"/tickets/{outcome.ticket_id}", "/tickets", "/new/account"):
            found = _parse(member_page(r, "ops2@example.test", path))
            assert found.controls, path
            assert set(found.controls) - found.labelled == set(), path
        # the sign-in form as the members who see it: signed out (a member signed in
        # is taken on to the board)
        signed_out = _parse(r.serve(_sign_in_page))
        assert signed_out.controls
        assert set(signed_out.controls) - signed_out.labelled == set()


async def _sign_in_page(client: TestClient[Any, Any]) -> str:
    answer = await client.get("/sign-in", allow_redirects=False)
    assert answer.status == 200
    return await answer.text()


def test_a_field_sent_back_is_marked_invalid_and_points_at_its_message(
    settings: Settings, clock: FakeClock
) -> None:
    async def scenario(client: TestClient[Any, Any]) -> str:
        csrf, token = await form_of(client, "account")
        sent = await client.post(
            "/new/account", data={"csrf": csrf, "form_token": token, "email": "ito@customer.test"}
        )
        return await sent.text()

    with rig(settings, clock) as r:
        controls = _parse(r.serve(scenario)).controls
    assert controls["subject"].get("aria-invalid") == "true"
    assert controls["subject"].get("aria-describedby") == "error-subject"
    assert controls["f_user_id"].get("aria-describedby") == "error-f_user_id"
    assert "aria-invalid" not in controls["email"]  # given: nothing to say about it
