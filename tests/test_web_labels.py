"""Controls people fill in say what they are for: every field, list and text box of the
pages has a label a screen reader reads out (the close reason's list had none), and a
field sent back with an error is marked invalid and points at its message."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from aiohttp import FormData
from aiohttp.test_utils import TestClient

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.web.intake_check import MAX_FILES
from tests.support.mails import mail
from tests.support.pipeline import deliver
from tests.support.web import csrf_of, form_of, member_page, rig

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


class _Repeated(HTMLParser):
    """Tags that carry an attribute twice (a browser keeps the first and drops the
    rest), as ``(tag id, attribute)``."""

    def __init__(self) -> None:
        super().__init__()
        self.repeated: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = [name for name, _ in attrs]
        ident = dict(attrs).get("id") or tag
        self.repeated += [(ident, n) for n in sorted(set(names)) if names.count(n) > 1]


def _sent_back_with_files(files: int) -> Any:
    """A scenario: the account form sent with ``files`` attachments and no title."""

    async def scenario(client: TestClient[Any, Any]) -> str:
        csrf, token = await form_of(client, "account")
        data = FormData(
            {"csrf": csrf, "form_token": token, "email": "ito@customer.test", "f_user_id": "t"}
        )
        for n in range(files):
            data.add_field("files", b"x", filename=f"{n}.txt", content_type="text/plain")
        sent = await client.post("/new/account", data=data)
        assert sent.status == 400
        return await sent.text()

    return scenario


def test_a_file_field_sent_back_points_at_its_error_and_at_the_files_line(
    settings: Settings, clock: FakeClock
) -> None:
    """The file field is described by the line naming the chosen files; sent back with
    an error it is described by the error too. It carried ``aria-describedby`` twice,
    and a browser keeps only the first: the files line was no longer read out."""
    with rig(settings, clock) as r:
        html = r.serve(_sent_back_with_files(MAX_FILES + 1))
    repeated = _Repeated()
    repeated.feed(html)
    assert repeated.repeated == []
    files = _parse(html).controls["files"]
    assert files.get("aria-invalid") == "true"
    assert (files.get("aria-describedby") or "").split() == ["error-files", "files-chosen"]


def test_the_first_field_sent_back_with_an_error_has_the_focus(
    settings: Settings, clock: FakeClock
) -> None:
    """A keyboard or screen-reader user lands on the first field to fix (its error read
    out with it), not at the top of the page; only one field asks for the focus."""
    with rig(settings, clock) as r:
        html = r.serve(_sent_back_with_files(0))
    controls = _parse(html).controls
    focused = [name for name, attrs in controls.items() if "autofocus" in attrs]
    assert focused == ["subject"]  # the title: the address and the user id were given


def test_an_address_sent_back_to_the_sign_in_form_has_the_focus(
    settings: Settings, clock: FakeClock
) -> None:
    async def scenario(client: TestClient[Any, Any]) -> str:
        csrf = await csrf_of(client)
        sent = await client.post("/sign-in", data={"csrf": csrf, "email": "ops2 example.test"})
        return await sent.text()

    with rig(settings, clock) as r:
        email = _parse(r.serve(scenario)).controls["email"]
    assert email.get("aria-invalid") == "true" and "autofocus" in email
