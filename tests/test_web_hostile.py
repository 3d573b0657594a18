"""The pages against what no browser sends, each on its own: a HEAD of a download, a
form body in a charset no codec has or bytes that are not its charset, a body whose
sender hung up, a cross-site request that names no ``Origin``, a number in a path
written in other digits."""

from __future__ import annotations

import asyncio
import logging
import socket
from dataclasses import replace
from email.message import EmailMessage
from typing import Any
from urllib.parse import quote

import pytest
from aiohttp.test_utils import TestClient
from yarl import URL

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.web.server import WebServer
from tests.support.databases import sqlite_only
from tests.support.pipeline import deliver, inbox_rows
from tests.support.web import Rig, csrf_of, rig, sign_in

MEMBER = "ops@example.test"
PAYLOAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<script>alert(1)</script>"


def _attached() -> bytes:
    msg = EmailMessage()
    msg["From"] = "Sato <sato@customer.test>"
    msg["To"] = "support@example.test"
    msg["Subject"] = "Log files"
    msg["Message-ID"] = "<logs-1@customer.test>"
    msg["Date"] = "Mon, 02 Mar 2026 09:00:00 +0900"
    msg.set_content("The logs are attached.\n")
    msg.add_attachment(PAYLOAD, maintype="application", subtype="octet-stream", filename="a.log")
    return bytes(msg)


def _exchange(port: int, request: bytes) -> bytes:
    """Everything the server writes for ``request`` until it closes the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(request)
        data = b""
        while chunk := conn.recv(65_536):
            data += chunk
    return data


@sqlite_only
def test_a_head_of_a_download_sends_the_headers_and_no_byte_of_the_file(
    settings: Settings, clock: FakeClock
) -> None:
    """The download streamed its bytes whatever the method: a HEAD got the file after its
    headers, where the connection's next answer is read. A proxy that keeps connections
    open to the gateway took the file (whose bytes the sender chose) for the answer to
    its next request: an answer of ours written by a stranger."""

    async def scenario(client: TestClient[Any, Any], r: Rig, tid: int) -> tuple[bytes, bytes]:
        await sign_in(client, r, MEMBER)
        cookies = "; ".join(f"{c.key}={c.value}" for c in client.session.cookie_jar)
        path = f"/tickets/{tid}/attachments/1"
        asked = (
            f"{{}} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookies}\r\nConnection: close\r\n"
        )
        asked += "\r\n"
        port = client.server.port
        assert port is not None
        loop = asyncio.get_running_loop()
        head = await loop.run_in_executor(None, _exchange, port, asked.format("HEAD").encode())
        get = await loop.run_in_executor(None, _exchange, port, asked.format("GET").encode())
        return head, get

    with rig(settings, clock) as r:
        tid = deliver(r.app, _attached()).ticket_id or 0
        head, get = r.serve(lambda c: scenario(c, r, tid))
    assert get.startswith(b"HTTP/1.1 200") and get.endswith(PAYLOAD)  # the GET has it all
    headers, _, body = head.partition(b"\r\n\r\n")
    assert headers.startswith(b"HTTP/1.1 200")
    assert f"Content-Length: {len(PAYLOAD)}".encode() in headers
    assert b"Content-Disposition: attachment" in headers
    assert body == b""


@sqlite_only
@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded; charset=x-no-such", b"email=a%40b.test&csrf="),
        ("application/x-www-form-urlencoded", b"email=\xff\xfe%40b.test&csrf="),
        ("application/x-www-form-urlencoded; charset=utf-16", b"email=a&csrf="),
    ],
)
def test_a_form_body_that_is_not_text_in_its_charset_is_a_400(
    settings: Settings,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
    content_type: str,
    body: bytes,
) -> None:
    """A charset no codec has, or bytes that are not the declared one (a script's, never
    a browser's): the client's mistake, a 400 page; it was a 500 with a traceback logged
    at error level, as for a bug of ours."""

    async def scenario(client: TestClient[Any, Any]) -> tuple[int, str]:
        csrf = await csrf_of(client)
        answer = await client.post(
            "/sign-in", data=body + csrf.encode(), headers={"Content-Type": content_type}
        )
        return answer.status, answer.headers.get("Content-Security-Policy", "")

    with rig(settings, clock) as r:
        status, csp = r.serve(scenario)
    assert status == 400 and csp.startswith("default-src 'self'")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@sqlite_only
@pytest.mark.parametrize(
    "request_head",
    [
        # the sender hung up after 7 bytes of the 1000 it announced
        b"POST /sign-in HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nemail=a",
        b"POST /new/vpn HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: multipart/form-data; boundary=zz\r\nContent-Length: 1000\r\n\r\n--zz\r\n",
        b"POST /sign-in HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n5\r\nemail",
    ],
)
def test_a_sender_who_hangs_up_mid_body_is_one_warning_not_a_bug(
    settings: Settings, clock: FakeClock, caplog: pytest.LogCaptureFixture, request_head: bytes
) -> None:
    """A browser closed, a phone that lost its network: the request's body ends before
    its length. That was logged as a failed page, a traceback at error level each time
    (the log's word for a bug of ours); it is one line at warning, and nothing stored."""
    with rig(settings, clock) as r:
        server = WebServer(replace(r.ctx), "127.0.0.1", 0)
        server.start()
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=5) as conn:
                conn.sendall(request_head)
                conn.shutdown(socket.SHUT_WR)
                while conn.recv(65_536):
                    pass
        finally:
            server.stop()
        assert inbox_rows(r.app) == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    went = [r for r in caplog.records if "went away" in r.getMessage()]
    assert [(r.levelno, r.exc_info) for r in went] == [(logging.WARNING, None)]


@sqlite_only
@pytest.mark.parametrize("site", ["cross-site", "same-site"])
def test_a_post_a_browser_says_came_from_another_site_is_refused_without_an_origin(
    settings: Settings, clock: FakeClock, site: str
) -> None:
    """A browser's ``Sec-Fetch-Site`` says where a request came from even where its
    ``Origin`` is left out (a privacy extension, a proxy that strips it): another site's
    form, or a neighbouring host's that may have planted the CSRF cookie, is refused as
    a wrong ``Origin`` is. Our own forms are ``same-origin``; a script sends no such
    header, and the token decides for it."""

    async def scenario(client: TestClient[Any, Any]) -> list[int]:
        csrf = await csrf_of(client)
        form = {"email": "a@b.test", "csrf": csrf}
        out = []
        for fetched in (site, "same-origin", None):
            headers = {"Sec-Fetch-Site": fetched} if fetched else {}
            out.append((await client.post("/sign-in", data=form, headers=headers)).status)
        return out

    with rig(settings, clock) as r:
        assert r.serve(scenario) == [403, 200, 200]


@sqlite_only
def test_a_ticket_number_in_other_digits_is_not_found(settings: Settings, clock: FakeClock) -> None:
    """``int()`` reads more than ASCII digits: ``+1``, `` 1``, ``1_0``, Arabic-Indic
    ``١`` and full-width ``１`` named ticket 1 (or 10), each a second address of the
    page, which no link of ours makes. Only digits 0-9 name a row."""

    async def scenario(client: TestClient[Any, Any], r: Rig) -> dict[str, int]:
        await sign_in(client, r, MEMBER)
        out = {}
        for path in (
            "/tickets/1",
            "/tickets/%2B1",
            "/tickets/%201",
            "/tickets/1_0",
            "/tickets/%D9%A1",
            "/tickets/%EF%BC%91",
            "/tickets/1/attachments/%D9%A1",
            "/tickets/1/attachments/+1",
        ):
            answer = await client.get(URL(path, encoded=True), allow_redirects=False)
            out[path] = answer.status
        return out

    with rig(settings, clock) as r:
        for _ in range(10):
            deliver(r.app, _attached())
        seen = r.serve(lambda c: scenario(c, r))
    assert seen.pop("/tickets/1") == 200
    assert seen == {path: 404 for path in seen}


@sqlite_only
def test_a_form_body_announced_over_the_limit_is_a_413_at_once(
    settings: Settings, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """A url-encoded body whose ``Content-Length`` is past what a post may hold was read
    until it passed the limit: a sender who announced 100 GB and sent a few bytes waited
    for an answer that never came, its connection held open. It is refused on the
    announcement; a multipart form is still read for its text inputs (the upload's page
    brings them back with "too large")."""
    head = (
        b"POST /sign-in HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: 99999999999\r\n\r\nemail=a"
    )
    with rig(settings, clock) as r:
        server = WebServer(replace(r.ctx), "127.0.0.1", 0)
        server.start()
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=3) as conn:
                conn.sendall(head)
                answer = conn.recv(65_536)
        finally:
            server.stop()
    assert answer.startswith(b"HTTP/1.1 413")
    assert b"Content-Security-Policy: default-src 'self'" in answer
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@sqlite_only
@pytest.mark.parametrize(
    ("kept", "offered"),
    [
        ("COM\u00b9.txt", "_COM\u00b9.txt"),  # a Windows device name, a rule since 8db854a0
        ("invoice\u202egpj.exe", "invoicegpj.exe"),  # a right-to-left override
        ("a\r\nb.txt", "a b.txt"),
    ],
)
def test_a_download_offers_the_name_the_rules_of_now_make(
    settings: Settings, clock: FakeClock, kept: str, offered: str
) -> None:
    """A name is made safe when the mail arrives, by the rules of that release; a row
    kept from before a rule (a Windows device name, since 8db854a0) went out as stored.
    The download offers the name ``tickets attachment`` writes, the rules applied once more."""
    from sqlalchemy import update

    from gateway.pipeline.parse.filenames import safe_filename
    from store.db import transaction
    from store.models.core import AttachmentRow

    assert safe_filename(kept, "text/plain", 1) == offered  # the CLI's name

    async def scenario(client: TestClient[Any, Any], r: Rig, tid: int) -> str:
        await sign_in(client, r, MEMBER)
        answer = await client.get(f"/tickets/{tid}/attachments/1")
        assert answer.status == 200
        return answer.headers["Content-Disposition"]

    with rig(settings, clock) as r:
        tid = deliver(r.app, _attached()).ticket_id or 0
        with transaction(r.app.sessions) as s:
            s.execute(update(AttachmentRow).values(filename=kept))
        disposition = r.serve(lambda c: scenario(c, r, tid))
    assert disposition.endswith("filename*=UTF-8''" + quote(offered, safe=""))


@sqlite_only
@pytest.mark.parametrize(
    "request_head",
    [
        b"POST /sign-in HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nemail=a",
        b"POST /new/vpn HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        b"Content-Type: multipart/form-data; boundary=zz\r\nContent-Length: 1000\r\n\r\n--zz\r\n",
    ],
)
def test_a_body_that_stops_coming_is_a_408_in_its_time(
    settings: Settings, clock: FakeClock, caplog: pytest.LogCaptureFixture, request_head: bytes
) -> None:
    """A sender who stops sending, with the connection left open (a phone whose network
    went, a client that means to tie the server up), was waited for without end: a
    connection and its file descriptor, shared with the mail listener, held for good.
    The body must arrive within ``body_within`` (10 minutes by default; a second here)."""
    with rig(settings, clock) as r:
        server = WebServer(replace(r.ctx, body_within=0.3), "127.0.0.1", 0)
        server.start()
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=3) as conn:
                conn.sendall(request_head)
                answer = conn.recv(65_536)
                # the rest, late: the server reads it away and closes (a stop while it
                # still reads would be a race of its own, not this test's)
                sent = len(request_head.partition(b"\r\n\r\n")[2])
                conn.sendall(b"x" * (1000 - sent))
                while conn.recv(65_536):
                    pass
        finally:
            server.stop()
        assert inbox_rows(r.app) == []
    assert answer.startswith(b"HTTP/1.1 408")
    assert b"Content-Security-Policy: default-src 'self'" in answer
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def _gzip(data: bytes) -> bytes:
    import zlib

    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    return packer.compress(data) + packer.flush()


@sqlite_only
@pytest.mark.parametrize("path", ["/sign-in", "/sign-out", "/new/vpn"])
@pytest.mark.parametrize(
    ("encoding", "body"),
    [
        ("", b"x" * 600_000 + b"\r\n--zz--\r\n"),  # a line longer than aiohttp reads
        ("gzip", _gzip(b"a" * 3_000_000)),  # 3 MB of one line, packed to 3 KB
    ],
)
def test_a_multipart_body_with_no_first_boundary_in_reach_is_a_400(
    settings: Settings,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
    path: str,
    encoding: str,
    body: bytes,
) -> None:
    """Before its first boundary, a line past aiohttp's 512 KiB: the reader counted it
    as one part's unreadable header and went on; a page that reads the form itself
    (sign-in, sign-out) read it again and failed, a 500 with a traceback logged as a
    bug of ours. It is a body that is not multipart as declared: a 400."""

    async def scenario(client: TestClient[Any, Any]) -> int:
        await csrf_of(client)
        headers = {"Content-Type": "multipart/form-data; boundary=zz"}
        if encoding:
            headers["Content-Encoding"] = encoding
        return (await client.post(path, data=body, headers=headers)).status

    with rig(settings, clock) as r:
        assert r.serve(scenario) == 400
        assert inbox_rows(r.app) == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@sqlite_only
def test_every_form_sent_as_multipart_is_read_as_sent(
    settings: Settings, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Only the request form is multipart; a script (or a form of a newer release) may
    send any form so. The CSRF check streams a multipart body, and a page that read the
    form again with ``post()`` found nothing left to read: sign-in, sign-out, a ticket's
    buttons and the merge box failed, a 500 with a traceback logged as a bug of ours."""
    from aiohttp import FormData

    def multipart(**fields: str) -> FormData:
        data = FormData(fields)
        data.add_field("unused", b"x", filename="x.txt")  # makes it multipart
        return data

    async def scenario(client: TestClient[Any, Any], r: Rig, tid: int) -> list[int]:
        out = []
        csrf = await csrf_of(client)
        stranger = multipart(csrf=csrf, email="someone@customer.test")
        out.append((await client.post("/sign-in", data=stranger)).status)
        note = multipart(csrf=csrf, action="note", note="typed")  # signed out: kept, 401
        out.append((await client.post(f"/tickets/{tid}", data=note)).status)
        await sign_in(client, r, MEMBER, lands=f"/tickets/{tid}")
        csrf = await csrf_of(client, "/board")
        for path, fields in (
            (f"/tickets/{tid}", {"action": "assign_me"}),
            (f"/tickets/{tid}/merge", {"target": str(tid)}),
            ("/sign-out", {"then": ""}),
        ):
            sent = multipart(csrf=csrf, **fields)
            out.append((await client.post(path, data=sent, allow_redirects=False)).status)
        return out

    with rig(settings, clock) as r:
        tid = deliver(r.app, _attached()).ticket_id or 0
        statuses = r.serve(lambda c: scenario(c, r, tid))
        from tests.support.pipeline import show

        assert show(r.app, tid)["assignee"] == MEMBER
    assert statuses == [200, 401, 303, 409, 303]  # the merge into itself refused, as typed
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
