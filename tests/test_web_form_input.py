"""Inputs of the public form that no browser test sends but real people and clients do:
a file name a browser sends as it is on disk (control characters, bytes that are not
UTF-8), a body that is not a form at all, and requester addresses the acknowledgement
could never reach. Each is answered in the page's language with the right status and,
where anything was typed, the form back with it; nothing is stored half, and nothing
that was stored is dropped later without the requester having been told."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.web.intake_check import MAX_TEXT
from tests.support.pipeline import (
    all_tickets,
    header_of,
    inbox_raw,
    inbox_rows,
    outbox,
    show,
    text_of,
)
from tests.support.web import form_of, printer_form, rig
from tests.test_one_language import findings, readable
from tests.test_web_language import _catalog_words

JA = {"Accept-Language": "ja,en;q=0.5"}
EN = {"Accept-Language": "en"}
TEXT = "会議室Aのプロジェクターが映りません。"
BOUNDARY = "b0undary"


def _multipart(texts: dict[str, str], files: list[tuple[bytes, bytes]]) -> bytes:
    """A form/multipart body as a browser writes it: the file parts last, each
    ``(filename as sent, data)``; the names go into the header byte for byte."""
    body = b""
    for name, value in texts.items():
        body += f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        body += value.encode() + b"\r\n"
    for filename, data in files:
        body += f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; '.encode()
        body += b'filename="' + filename + b'"\r\nContent-Type: text/plain\r\n\r\n' + data + b"\r\n"
    return body + f"--{BOUNDARY}--\r\n".encode()


async def _send_files(
    client: TestClient[Any, Any],
    files: list[tuple[bytes, bytes]],
    headers: dict[str, str] | None = None,
) -> Any:
    """The printer form, filled in, posted with ``files`` as a browser posts them."""
    csrf, token = await form_of(client, "printer")
    return await client.post(
        "/new/printer",
        data=_multipart(printer_form(csrf, token, TEXT), files),
        headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}", **(headers or {})},
        allow_redirects=False,
    )


def _main(html: str) -> str:
    return html.split("<main", 1)[1].split(">", 1)[1].split("</main>", 1)[0]


def _wrong_language(html: str, locale: str, typed: list[str]) -> list[str]:
    """What on the page's main part is not in ``locale``, what was typed and the
    team's catalog aside."""
    data = [t for t in (*typed, *_catalog_words()) if t]
    return findings(readable(_main(html), True), locale, data)


def test_a_file_name_with_control_characters_brings_the_form_back(
    settings: Settings, clock: FakeClock
) -> None:
    """Linux allows any byte but "/" in a name and Chromium sends it raw (it escapes
    only CR, LF and the quote): aiohttp refuses such a part header. That was a 500 with
    a traceback in the log and everything typed lost."""

    async def scenario(client: TestClient[Any, Any]) -> tuple[int, str]:
        answer = await _send_files(client, [(b"a\x01b\x1b[31m.txt", b"x")], JA)
        return answer.status, await answer.text()

    with rig(settings, clock) as r:
        status, html = r.serve(scenario)
        assert inbox_rows(r.app) == []
    assert status == 400
    assert 'value="プロジェクターの件"' in html and TEXT in html
    assert 'id="error-files"' in html and "ファイル名" in _main(html)


def test_a_file_name_that_is_not_utf8_is_filed_with_the_bytes_replaced(
    settings: Settings, clock: FakeClock
) -> None:
    """Bytes that are not UTF-8 (a name from an old Shift_JIS disk, or a cut sequence)
    reach us as lone surrogates, which cannot be written as UTF-8: that was a 500."""

    async def scenario(client: TestClient[Any, Any]) -> int:
        files = [(b"x\xed\xa0\x80\x82\xa0.txt", b"data")]  # a lone surrogate, SJIS "あ"
        answer = await _send_files(client, files)
        return answer.status

    with rig(settings, clock) as r:
        assert r.serve(scenario) == 303
        [row] = inbox_rows(r.app)
        [sent] = json.loads(inbox_raw(r.app, row.id))["files"]
        assert sent["filename"].startswith("x") and sent["filename"].endswith(".txt")
        assert "\ufffd" in sent["filename"]


def test_a_quote_in_a_file_name_is_filed_as_the_quote_the_browser_escaped(
    settings: Settings, clock: FakeClock
) -> None:
    """Browsers (the HTML standard's form encoding, Chromium and Firefox alike) send a
    ``"`` in a file name as ``%22``, and nothing else of it escaped: ``a "q" 見積.txt``
    was filed as ``a %22q%22 見積.txt``. A name's own ``%`` is sent as it is."""

    async def scenario(client: TestClient[Any, Any]) -> int:
        files = [("a %22q%22 見積.txt".encode(), b"x"), (b"100%.txt", b"y")]
        return (await _send_files(client, files)).status

    with rig(settings, clock) as r:
        assert r.serve(scenario) == 303
        [row] = inbox_rows(r.app)
        sent = json.loads(inbox_raw(r.app, row.id))["files"]
    assert [f["filename"] for f in sent] == ['a "q" 見積.txt', "100%.txt"]


@pytest.mark.parametrize("locale", ["ja", "en"])
@pytest.mark.parametrize(
    "content_type",
    ["application/json", "text/plain", None, f"multipart/mixed; boundary={BOUNDARY}"],
)
def test_a_body_that_is_not_a_form_is_a_415_in_the_pages_language(
    settings: Settings, clock: FakeClock, content_type: str | None, locale: str
) -> None:
    """A script posting JSON met a 403 that said the page had expired and asked to send
    the form again, which would fail the same way: the answer is 415, "send the form"."""

    async def scenario(client: TestClient[Any, Any]) -> tuple[int, str]:
        csrf, token = await form_of(client, "printer")
        headers = {"Accept-Language": JA["Accept-Language"] if locale == "ja" else "en"}
        if content_type:
            headers["Content-Type"] = content_type
        body = json.dumps(printer_form(csrf, token, TEXT)).encode()
        answer = await client.post("/new/printer", data=body, headers=headers)
        return answer.status, await answer.text()

    with rig(settings, clock) as r:
        status, html = r.serve(scenario)
        assert inbox_rows(r.app) == []
    assert status == 415
    assert "expired" not in html and "有効期限" not in html
    assert not _wrong_language(html, locale, []), _main(html)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("a@例え.jp", "a@xn--r8jz45g.jp"),  # an IDN domain goes out as its ASCII form
        ("A@XN--R8JZ45G.JP", "a@xn--r8jz45g.jp"),
        ("a@faß.de", "a@xn--fa-hia.de"),  # IDNA2008: not fass.de, as IDNA2003 made it
        ("Ito@Customer.test", "ito@customer.test"),
    ],
)
def test_an_address_we_can_write_is_filed_and_answered(
    settings: Settings, clock: FakeClock, typed: str, stored: str
) -> None:
    async def scenario(client: TestClient[Any, Any]) -> int:
        csrf, token = await form_of(client, "printer")
        form = printer_form(csrf, token, TEXT) | {"email": typed}
        return (await client.post("/new/printer", data=form, allow_redirects=False)).status

    with rig(settings, clock) as r:
        assert r.serve(scenario) == 303
        r.app.runner.process_pending()
        [ack] = outbox(r.app, "acknowledgement")
        assert ack.recipients == [stored]


@pytest.mark.parametrize(
    ("typed", "name", "stored_name"),
    [
        ("伊藤 花子 <Ito@Customer.test>", "", "伊藤 花子"),  # as a mail client copies it
        ('"Ito, Hanako" <ito@customer.test>', "", "Ito, Hanako"),
        ("伊藤 <ito@customer.test>", "伊藤 花子", "伊藤 花子"),  # the name typed wins
        ("<ito@customer.test>", "", ""),
        ("＜ito＠customer.test＞", "", ""),  # typed with the IME on: full-width brackets
    ],
)
def test_an_address_with_a_display_name_is_filed_and_answered(
    settings: Settings, clock: FakeClock, typed: str, name: str, stored_name: str
) -> None:
    """A requester who pastes their address from a mail client brings the name with it
    (``Name <address>``): it was refused as "not an e-mail address" though the address
    in it is plain. The address is used; the name, when "Your name" was left empty."""

    async def scenario(client: TestClient[Any, Any]) -> int:
        csrf, token = await form_of(client, "printer")
        form = printer_form(csrf, token, TEXT) | {"email": typed, "name": name}
        return (await client.post("/new/printer", data=form, allow_redirects=False)).status

    with rig(settings, clock) as r:
        assert r.serve(scenario) == 303
        r.app.runner.process_pending()
        [ack] = outbox(r.app, "acknowledgement")
        assert ack.recipients == ["ito@customer.test"]
        [row] = inbox_rows(r.app)
        sent = json.loads(inbox_raw(r.app, row.id))
    assert sent["requester"] == {"email": "ito@customer.test", "name": stored_name}


@pytest.mark.parametrize(
    "typed",
    [
        "伊藤 <ito@customer.test> <other@customer.test>",  # two addresses: which one?
        "伊藤 <ito@customer.test",
        "ito@customer.test <other@customer.test>",
        "(comment)ito@customer.test",  # RFC 5322 comments: the envelope would carry them
        "ito(comment)@customer.test",
        "ito\x00@customer.test",
        "例え@example.jp",  # a non-ASCII local part needs SMTPUTF8, which we do not send
        "ito@customer..test",
        "ito@-customer.test",
        ".ito@customer.test",
        "support@example.test",  # our own address: the answer would come back to us
        "SUPPORT+x@Example.Test",
        "no-reply@customer.test",  # the runner never answers these (loops.never_answered)
        "mailer-daemon@customer.test",
        "ito@💩.example",  # no IDNA2008 form (IDNA2003 encoded emoji)
        "ito@custo\u200dmer.example",  # a stray zero-width joiner (IDNA2003 dropped it)
        "ito@xn--a.example",  # not the punycode of any label
    ],
)
@pytest.mark.parametrize("locale", ["ja", "en"])
def test_an_address_no_answer_can_reach_is_refused_at_the_form(
    settings: Settings, clock: FakeClock, typed: str, locale: str
) -> None:
    """These were all "received" (303), then filed with no acknowledgement (or, for our
    own address, dropped as our own mail): the requester waited for an answer that could
    not come. The form says so next to the address, in the page's language."""

    async def scenario(client: TestClient[Any, Any]) -> tuple[int, str]:
        csrf, token = await form_of(client, "printer")
        form = printer_form(csrf, token, TEXT) | {"email": typed}
        headers = JA if locale == "ja" else EN
        answer = await client.post("/new/printer", data=form, headers=headers)
        return answer.status, await answer.text()

    with rig(settings, clock) as r:
        status, html = r.serve(scenario)
        assert inbox_rows(r.app) == []
    assert status == 400
    assert 'id="error-email"' in html and 'value="プロジェクターの件"' in html
    typed_values = [*printer_form("", "", TEXT).values(), typed]
    assert not _wrong_language(html, locale, typed_values), _main(html)


def test_a_sheet_value_is_one_line_and_the_text_has_no_control_characters(
    settings: Settings, clock: FakeClock
) -> None:
    """A parameter-sheet input is one line on the page, but a client can post CR/LF in
    it: the member's notice then showed a line of its own ("location: 5F") under the
    sheet's heading, as if the requester had filled in that field. A NUL or an escape in
    the details went into the notice's body as it was."""

    async def scenario(client: TestClient[Any, Any]) -> int:
        csrf, token = await form_of(client, "printer")
        form = printer_form(csrf, token, "朝から\r\n印刷\x00でき\x1b[2Jません\tです") | {
            "f_printer_name": "3F-MFP-01\r\nlocation: 5F\nSubject: x"
        }
        return (await client.post("/new/printer", data=form, allow_redirects=False)).status

    with rig(settings, clock) as r:
        assert r.serve(scenario) == 303
        r.app.runner.process_pending()
        [notice] = outbox(r.app, "new_ticket")
        body = text_of(notice)
    assert "3F-MFP-01 location: 5F Subject: x" in body
    assert "\nlocation: 5F" not in body and "\r" not in body
    assert "朝から\n印刷でき[2Jません\tです" in body and "\x00" not in body and "\x1b" not in body


def test_a_chosen_file_that_is_empty_is_attached(settings: Settings, clock: FakeClock) -> None:
    """A file of 0 bytes (a placeholder of a synced folder, a log not yet written) was
    left out without a word, the requester believing it attached; mail keeps such a
    part, and so does the form, so the team sees it was empty. An input with no file
    chosen (an empty name) stays nothing."""

    async def scenario(client: TestClient[Any, Any]) -> int:
        files = [(b"empty.log", b""), (b"", b""), (b"a.txt", b"abc")]
        answer = await _send_files(client, files)
        return answer.status

    with rig(settings, clock) as r:
        assert r.serve(scenario) == 303
        r.app.runner.process_pending()
        [t] = all_tickets(r.app)
        attached = show(r.app, t["id"])["messages"][0]["attachments"]
    assert [(a["filename"], a["size"]) for a in attached] == [("empty.log", 0), ("a.txt", 3)]


@pytest.mark.parametrize(("sizes", "status"), [((60_000, 40_000), 303), ((60_000, 40_001), 413)])
def test_the_upload_limit_holds_to_the_byte(
    settings: Settings, clock: FakeClock, sizes: tuple[int, ...], status: int
) -> None:
    """``max_upload_size`` is the files' bytes in all: exactly at it is accepted, one
    byte over brings the form back."""

    async def scenario(client: TestClient[Any, Any]) -> int:
        files = [(f"{n}.bin".encode(), b"x" * size) for n, size in enumerate(sizes)]
        answer = await _send_files(client, files)
        return answer.status

    with rig(settings, clock, max_upload_size=100_000) as r:
        assert r.serve(scenario) == status
        assert len(inbox_rows(r.app)) == (1 if status == 303 else 0)


@pytest.mark.parametrize("framing", ["content-length", "chunked", "whole"])
def test_a_connection_dropped_mid_upload_stores_nothing(
    settings: Settings, clock: FakeClock, framing: str
) -> None:
    """Every input sent and valid, then the connection drops inside the file: nothing
    is stored (no row, so no ticket and no acknowledgement), nothing half-written.
    ``whole``: the same request sent to its end is stored, so the request is good."""

    async def scenario(client: TestClient[Any, Any]) -> None:
        csrf, token = await form_of(client, "printer")
        cookies = "; ".join(f"{c.key}={c.value}" for c in client.session.cookie_jar)
        whole = _multipart(printer_form(csrf, token, TEXT), [(b"a.bin", b"x" * 50_000)])
        cut = whole[: whole.index(b"x" * 50_000) + 20_000]
        head = (
            f"POST /new/printer HTTP/1.1\r\nHost: {client.server.host}\r\nCookie: {cookies}\r\n"
            f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        )
        if framing == "whole":
            cut = whole
        if framing == "chunked":
            sent = f"{head}Transfer-Encoding: chunked\r\n\r\n{len(whole):x}\r\n".encode() + cut
        else:
            sent = f"{head}Content-Length: {len(whole)}\r\n\r\n".encode() + cut
        reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
        writer.write(sent)
        await writer.drain()
        if framing == "whole":  # its answer, however long a loaded machine takes to store
            assert (await asyncio.wait_for(reader.readline(), 30)).startswith(b"HTTP/1.1 303")
        await asyncio.sleep(0.2)  # the server reads the inputs and part of the file
        writer.close()
        await asyncio.sleep(0.3)  # and meets the end of the connection

    with rig(settings, clock) as r:
        r.serve(scenario)
        assert len(inbox_rows(r.app)) == (1 if framing == "whole" else 0)


def test_a_name_cannot_turn_the_address_after_it_around(
    settings: Settings, clock: FakeClock
) -> None:
    """A bidi override (U+202E) or isolate in a name reverses what follows it on the
    line: the notice's "requester: NAME <address>" then shows the address backwards,
    a name made to read as another address in its place. Names are kept without them,
    from a form as from a mail's From; and a name that reads as an address is never
    shown as one: the requester's own address stands there, once."""
    name = "\u202emoc.elpmaxe@ofni\u2066 \u202d"

    async def scenario(client: TestClient[Any, Any]) -> int:
        csrf, token = await form_of(client, "printer")
        form = printer_form(csrf, token, TEXT) | {"name": name}
        return (await client.post("/new/printer", data=form, allow_redirects=False)).status

    with rig(settings, clock) as r:
        assert r.serve(scenario) == 303
        r.app.runner.process_pending()
        [notice] = outbox(r.app, "new_ticket")
        [ack] = outbox(r.app, "acknowledgement")
        body, to = text_of(notice), header_of(ack, "To")
    assert "ito@customer.test <ito@customer.test>" not in body  # the address, once
    assert "moc.elpmaxe@ofni" not in body and "info@example.com" not in body
    assert "ito@customer.test" in body
    for seen in (body, to):
        assert not set(seen) & {"\u202e", "\u2066", "\u202d"}, repr(seen)


def test_details_as_long_as_the_page_allows_arrive_whole(
    settings: Settings, clock: FakeClock
) -> None:
    """The textarea's maxlength counts a line break as one character, but a browser
    sends each as CR LF: details of many short lines at the page's limit came to more
    than MAX_TEXT characters and lost their end without a word. Line breaks are read
    as one before the text is measured."""
    lines = ["ログの行です。"] * (MAX_TEXT // 8)  # 7 characters and a line break each
    typed = "\n".join(lines)
    assert len(typed) <= MAX_TEXT < len(typed.replace("\n", "\r\n"))

    async def scenario(client: TestClient[Any, Any]) -> int:
        csrf, token = await form_of(client, "printer")
        form = printer_form(csrf, token, typed.replace("\n", "\r\n"))  # as a browser sends
        return (await client.post("/new/printer", data=form, allow_redirects=False)).status

    with rig(settings, clock) as r:
        assert r.serve(scenario) == 303
        [row] = inbox_rows(r.app)
        assert json.loads(inbox_raw(r.app, row.id))["text"] == typed


def test_values_pasted_with_characters_nobody_sees_are_read_as_they_look(
    settings: Settings, clock: FakeClock
) -> None:
    """A title of only zero-width spaces passed the "required" check: the team got a
    ticket titled "(no subject)". A printer name pasted with a zero-width space before
    it was filed with it (an action, a search for 3F-MFP-01, read another name), and an
    address with a byte-order mark before it was refused for "non-Latin characters"
    the requester could not see."""

    async def scenario(client: TestClient[Any, Any]) -> tuple[str, int]:
        csrf, token = await form_of(client, "printer")
        blank = printer_form(csrf, token, TEXT) | {"subject": "\u200b\u200b\ufeff"}
        refused = await client.post("/new/printer", data=blank, headers=JA)
        pasted = printer_form(csrf, token, TEXT) | {
            "f_printer_name": "\u200b3F-MFP-01\u200b",
            "email": "\ufeffito@customer.test",
        }
        sent = await client.post("/new/printer", data=pasted, allow_redirects=False)
        return await refused.text(), sent.status

    with rig(settings, clock) as r:
        html, status = r.serve(scenario)
        assert 'id="error-subject"' in html and "お問い合わせの件名を入力してください" in html
        assert status == 303
        r.app.runner.process_pending()
        [t] = all_tickets(r.app)
        assert t["requester"] == "ito@customer.test"
        assert show(r.app, t["id"])["fields"] == {"printer_name": "3F-MFP-01"}
