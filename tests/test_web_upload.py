"""An attachment over ``[web] max_upload_size``: the form comes back with everything
typed still in it and the limit said next to the attachments, nothing stored. A
requester who wrote a long description and chose a large video must not meet a
bare "too large" page whose only link leads to the start page."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from tests.support.pipeline import inbox_rows
from tests.support.web import form_of, printer_form, rig
from tests.test_web_intake import _Down

JA = {"Accept-Language": "ja,en;q=0.5"}
TEXT = "会議室Aのプロジェクターが映りません。\n" * 50


def _posted(csrf: str, token: str, *files: tuple[str, int]) -> FormData:
    data = FormData(printer_form(csrf, token, TEXT))
    for name, size in files:
        data.add_field("files", b"x" * size, filename=name, content_type="video/mp4")
    return data


def test_too_large_attachments_bring_the_form_back_with_everything_typed(
    settings: Settings, clock: FakeClock
) -> None:
    async def scenario(client: TestClient[Any, Any]) -> tuple[int, str]:
        csrf, token = await form_of(client, "printer")
        data = _posted(csrf, token, ("会議の様子.mp4", 150_000), ("2.mp4", 10_000))
        answer = await client.post("/new/printer", data=data, headers=JA)
        return answer.status, await answer.text()

    with rig(settings, clock, max_upload_size=100_000) as r:
        status, html = r.serve(scenario)
        assert inbox_rows(r.app) == []
    assert status == 413
    assert 'value="プロジェクターの件"' in html and 'value="3F-MFP-01"' in html
    assert TEXT.strip().replace("\n", "\n") in html.replace("\r\n", "\n")
    assert 'id="error-files"' in html and "0.1 MB" in html, html
    assert 'name="form_token"' in html and "Too large" not in html


def test_within_the_limit_the_files_are_kept(settings: Settings, clock: FakeClock) -> None:
    async def scenario(client: TestClient[Any, Any]) -> int:
        csrf, token = await form_of(client, "printer")
        data = _posted(csrf, token, ("a.mp4", 60_000), ("b.mp4", 30_000))
        answer = await client.post("/new/printer", data=data, allow_redirects=False)
        return answer.status

    with rig(settings, clock, max_upload_size=100_000) as r:
        assert r.serve(scenario) == 303
        [row] = inbox_rows(r.app)
        assert row.source == "web"


@pytest.mark.parametrize(
    ("changes", "acceptor", "status"),
    [
        ({"email": "", "subject": ""}, None, 400),  # a required field left empty
        ({}, _Down, 503),  # the inbox is away: "nothing was lost" must not hide the files
    ],
)
def test_chosen_files_that_come_back_unsent_are_asked_for_again(
    settings: Settings,
    clock: FakeClock,
    changes: dict[str, str],
    acceptor: type[_Down] | None,
    status: int,
) -> None:
    """A browser never fills a file input back in: the chosen files are gone from the
    form that comes back. The page said so only in grey, and only when a title or an
    address had been typed; a 503 even said nothing typed was lost. Now the attachments
    are asked for again next to their input, whatever brought the form back."""

    async def scenario(client: TestClient[Any, Any]) -> tuple[int, str]:
        csrf, token = await form_of(client, "printer")
        data = FormData(printer_form(csrf, token, TEXT) | changes)
        data.add_field("files", b"x" * 10, filename="写真.jpg", content_type="image/jpeg")
        answer = await client.post("/new/printer", data=data, headers=JA)
        return answer.status, await answer.text()

    with rig(settings, clock, acceptor=acceptor) as r:
        answer_status, html = r.serve(scenario)
        assert inbox_rows(r.app) == []
    assert answer_status == status
    assert 'id="error-files"' in html and "添付ファイルをもう一度お選びください" in html
