"""The pages' safety rules, each on its own: headers, CSRF, cookies, size, redirects."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from aiohttp.test_utils import TestClient
from yarl import URL

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.web.download import content_disposition
from gateway.web.visit import see_other
from tests.support.databases import sqlite_only
from tests.support.pipeline import inbox_rows
from tests.support.web import csrf_of, form_of, rig

# the rules are the server's, not the database's: one database is enough


@sqlite_only
def test_every_answer_carries_the_security_headers(settings: Settings, clock: FakeClock) -> None:
    async def scenario(client: TestClient[Any, Any]) -> list[dict[str, str]]:
        out = []
        for path in ("/", "/nope", "/static/web.css", "/board"):
            answer = await client.get(path, allow_redirects=False)
            out.append(dict(answer.headers))
        return out

    with rig(settings, clock) as r:
        for headers in r.serve(scenario):
            csp = headers["Content-Security-Policy"]
            assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
            assert "unsafe-inline" not in csp and "script-src 'self'" in csp
            assert headers["X-Content-Type-Options"] == "nosniff"
            assert headers["Referrer-Policy"] == "same-origin"


@sqlite_only
def test_https_pages_ask_browsers_to_keep_to_https_and_http_pages_do_not(
    settings: Settings, clock: FakeClock
) -> None:
    """Behind https (``base_url``), a first visit typed without ``https://`` or a link
    to ``http://`` could be answered by whoever sits on the network, cookies and all:
    every answer (pages, errors, static files, redirects) says Strict-Transport-Security.
    A local ``http://`` gateway must not: a browser would then refuse it over http."""

    async def scenario(client: TestClient[Any, Any]) -> list[str | None]:
        out = []
        for path in ("/", "/nope", "/static/web.css", "/board"):
            answer = await client.get(path, allow_redirects=False)
            out.append(answer.headers.get("Strict-Transport-Security"))
        return out

    with rig(settings, clock, base_url="https://help.example.test") as r:
        secure = r.serve(scenario)
    with rig(settings, clock) as r:
        plain = r.serve(scenario)
    assert secure == ["max-age=31536000"] * 4
    assert plain == [None] * 4


def test_a_post_without_the_csrf_token_or_from_elsewhere_is_refused(
    settings: Settings, clock: FakeClock
) -> None:
    async def scenario(client: TestClient[Any, Any]) -> list[int]:
        csrf, token = await form_of(client, "other")
        form = {"form_token": token, "email": "a@b.test", "subject": "x"}
        return [
            (await client.post("/new/other", data=form)).status,
            (await client.post("/new/other", data={**form, "csrf": "0" * 32})).status,
            (
                await client.post(
                    "/new/other",
                    data={**form, "csrf": csrf},
                    headers={"Origin": "https://evil.test"},
                )
            ).status,
            (await client.post("/sign-in", data={"email": "ops@example.test"})).status,
        ]

    with rig(settings, clock) as r:
        assert r.serve(scenario) == [403, 403, 403, 403]
        assert inbox_rows(r.app) == []


def test_cookies_are_http_only_same_site_and_secure_behind_https(
    settings: Settings, clock: FakeClock
) -> None:
    async def scenario(client: TestClient[Any, Any]) -> str:
        return (await client.get("/")).headers["Set-Cookie"]

    with rig(settings, clock) as r:
        plain = r.serve(scenario)
    with rig(settings, clock, base_url="https://help.example.test") as r:
        secure = r.serve(scenario)
    assert "HttpOnly" in plain and "SameSite=Lax" in plain and "Secure" not in plain
    assert "HttpOnly" in secure and "Secure" in secure


@sqlite_only
def test_a_post_larger_than_the_limit_is_refused_whole(
    settings: Settings, clock: FakeClock
) -> None:
    async def scenario(client: TestClient[Any, Any]) -> int:
        csrf, token = await form_of(client, "other")
        from aiohttp import FormData

        data = FormData({"csrf": csrf, "form_token": token, "email": "a@b.test", "subject": "x"})
        data.add_field("files", b"x" * 400_000, filename="big.bin")
        return (await client.post("/new/other", data=data)).status

    with rig(settings, clock, max_upload_size=100_000) as r:
        assert r.serve(scenario) == 413
        assert inbox_rows(r.app) == []


@pytest.mark.parametrize(
    ("asked", "went"),
    [
        ("/board", "/board"),
        ("/tickets?q=%E4%BA%88%E7%B4%84", "/tickets?q=%E4%BA%88%E7%B4%84"),
        ("//evil.test/x", "/"),
        ("https://evil.test", "/"),
        ("https:evil.test", "/"),
        ("/\\evil", "/"),
        ("/%5Cevil", "/%5Cevil"),  # encoded: a path of ours, never a host
        # browsers drop tab, CR and LF inside a URL, so these are //evil.test to them
        ("/\t/evil.test", "/"),
        ("/\n/evil.test", "/"),
        ("/\r\n/evil.test", "/"),
        ("/ /evil.test", "/"),
        ("/\x00/evil.test", "/"),
        ("/\x7f/evil.test", "/"),
    ],
)
def test_redirects_stay_on_our_own_pages(asked: str, went: str) -> None:
    assert see_other(asked).location == went


@pytest.mark.parametrize(
    "name",
    [
        'a"; filename="evil.html',
        "r\u00e9sum\u00e9\r\nX-Evil: 1.pdf",
        "..\\..\\boot.ini",
        "見積.pdf",
    ],
)
def test_the_download_name_cannot_break_its_header(name: str) -> None:
    value = content_disposition(name)
    assert "\r" not in value and "\n" not in value
    plain = value.split('filename="', 1)[1].split('"', 1)[0]
    assert all(c.isalnum() or c in "._-" for c in plain)
    assert value.count('"') == 2 and "filename*=UTF-8''" in value


@sqlite_only
def test_a_signed_in_member_still_needs_the_token(settings: Settings, clock: FakeClock) -> None:
    async def scenario(client: TestClient[Any, Any]) -> int:
        from tests.support.web import sign_in

        await sign_in(client, r, "ops@example.test")
        await csrf_of(client, "/board")
        answer = await client.post("/tickets/1", data={"action": "assign_me"})
        return answer.status

    with rig(settings, clock) as r:
        assert r.serve(scenario) == 403


def test_a_number_no_row_can_have_is_not_found(settings: Settings, clock: FakeClock) -> None:
    """A ticket or attachment number past what an id column holds is a 404 like any
    unknown one, on PostgreSQL (int4 ids) and SQLite (past 2**63) alike: never the
    driver's overflow as a 500."""

    async def scenario(client: TestClient[Any, Any]) -> list[int]:
        from tests.support.web import sign_in

        await sign_in(client, r, "ops@example.test")
        paths = [
            f"/tickets/{ticket}/attachments/{attachment}"
            for ticket, attachment in (
                ("1", "3000000000"),
                ("1", "99999999999999999999999"),
                ("3000000000", "1"),
                ("1", "0"),
                ("1", "-1"),
            )
        ] + ["/tickets/3000000000", "/tickets/99999999999999999999999"]
        return [(await client.get(p, allow_redirects=False)).status for p in paths]

    with rig(settings, clock) as r:
        assert set(r.serve(scenario)) == {404}


CUT_SHORT = b'--zz\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n'  # no closing line


@sqlite_only
@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        (
            "multipart/form-data; boundary=zz",
            b'--zz\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n',
        ),
        ("multipart/form-data; boundary=zz", b"not multipart at all"),
        ("multipart/form-data; boundary=zz", b"--zz\r\n\r\n"),
        ("multipart/form-data", b"no boundary declared"),
    ],
)
def test_a_body_that_breaks_its_multipart_framing_is_a_400(
    settings: Settings, clock: FakeClock, content_type: str, body: bytes
) -> None:
    """A cut-short or malformed multipart body is the client's mistake: a 400 page with
    the headers, nothing stored; it was a 500 with aiohttp's ValueError in the log."""

    async def scenario(client: TestClient[Any, Any]) -> list[tuple[int, str]]:
        out = []
        for path in ("/new/vpn", "/sign-in"):
            answer = await client.post(path, data=body, headers={"Content-Type": content_type})
            out.append((answer.status, answer.headers.get("Content-Security-Policy", "")))
        return out

    with rig(settings, clock) as r:
        for status, csp in r.serve(scenario):
            assert status == 400 and "default-src 'self'" in csp
        assert inbox_rows(r.app) == []


@sqlite_only
def test_a_static_file_we_do_not_have_is_our_not_found_page(
    settings: Settings, clock: FakeClock
) -> None:
    """aiohttp's static route answered a missing name with a bare 404 typed
    application/octet-stream (Chromium saved it as an empty download) and /static/
    itself with a 403 whose page spoke of an old form."""

    async def scenario(client: TestClient[Any, Any]) -> dict[str, tuple[int, str]]:
        out = {}
        for path in (
            "/static/nope.css",
            "/static/",
            "/static",
            "/static/.hidden",
            "/static/%2e%2e%2fapp.py",
            "/static/..%2fapp.py",
            "/static/web.css",
            "/static/favicon.ico",
        ):
            answer = await client.get(path, allow_redirects=False)
            out[path] = (answer.status, answer.headers.get("Content-Type", ""))
        return out

    with rig(settings, clock) as r:
        seen = r.serve(scenario)
    for path, (status, kind) in seen.items():
        if path in ("/static/web.css", "/static/favicon.ico"):
            assert status == 200, (path, status)
        else:
            assert (status, kind) == (404, "text/html; charset=utf-8"), (path, status, kind)
    assert seen["/static/web.css"][1].startswith("text/css")


@sqlite_only
def test_a_method_the_path_does_not_take_is_a_405_that_says_which_it_takes(
    settings: Settings, clock: FakeClock
) -> None:
    """Our error page stands in for aiohttp's, with its Allow header (RFC 9110 asks a
    405 for it) and the security headers."""

    async def scenario(client: TestClient[Any, Any]) -> tuple[int, dict[str, str], str]:
        answer = await client.options("/sign-in", allow_redirects=False)
        return answer.status, dict(answer.headers), await answer.text()

    with rig(settings, clock) as r:
        status, headers, html = r.serve(scenario)
    assert status == 405
    assert {m.strip() for m in headers["Allow"].split(",")} >= {"GET", "POST"}
    assert "Content-Security-Policy" in headers and "<html" in html


def test_static_serves_our_files_only_never_a_path_spelled_in_the_url(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    """``/static/%2fetc%2fpasswd`` decodes to a name holding ``/``: joined to the folder
    it named any file on the machine (the reply secret too), to anyone, unsigned in."""
    private = tmp_path / "private.txt"
    private.write_text("the secret")
    quoted = quote(str(private), safe="")
    paths = [
        f"/static/{quoted}",
        f"/static/{quoted.replace('%2F', '%2f')}",
        "/static/..%2f..%2fweb%2fapp.py",
        "/static/..%5capp.py",
        "/static/.",
        "/static/web.css",
    ]

    async def scenario(client: TestClient[Any, Any]) -> list[tuple[int, str]]:
        out = []
        for path in paths:
            answer = await client.get(URL(path, encoded=True), allow_redirects=False)
            out.append((answer.status, await answer.text()))
        return out

    with rig(settings, clock) as r:
        answers = r.serve(scenario)
    for (status, body), path in zip(answers[:-1], paths, strict=False):
        assert status == 404, path
        assert "the secret" not in body
    assert answers[-1][0] == 200


def _raw_answer(port: int, head: bytes) -> tuple[int, dict[str, str]]:
    """The status and headers the server writes for ``head``, sent as is."""
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(head)
        data = b""
        while b"\r\n\r\n" not in data and (chunk := conn.recv(65_536)):
            data += chunk
    lines = data.split(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
    fields = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), fields


@sqlite_only
@pytest.mark.parametrize("secure", [False, True])
def test_a_request_aiohttp_cannot_read_is_answered_with_the_security_headers_too(
    settings: Settings, clock: FakeClock, secure: bool, caplog: pytest.LogCaptureFixture
) -> None:
    """A request line over aiohttp's 8 KiB (a link with a huge query string), a header it
    cannot parse or a method that is no method never reaches the application, nor its
    ``on_response_prepare`` (aiohttp#6463): aiohttp's own 400 went out without a CSP,
    ``nosniff`` or, behind https, Strict-Transport-Security. The daemon's server adds
    them to those answers too, and logs each as one line at warning: aiohttp's traceback
    at error level for every scanner's request buried the log."""
    import logging
    from dataclasses import replace

    from gateway.web.server import WebServer

    heads = [
        b"GET /?q=" + b"x" * 20_000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header\r\n\r\n",
        b"FOO\x01 / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    ]
    base = "https://help.example.test" if secure else "http://127.0.0.1"
    with rig(settings, clock, base_url=base) as r:
        server = WebServer(replace(r.ctx), "127.0.0.1", 0)
        server.start()
        try:
            answers = [_raw_answer(server.port, head) for head in heads]
        finally:
            server.stop()
    for status, headers in answers:
        assert status == 400
        assert headers["Content-Security-Policy"].startswith("default-src 'self'")
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert ("Strict-Transport-Security" in headers) == secure
    logged = [(r.levelno, r.exc_info) for r in caplog.records if "could not be read" in r.message]
    # (aiohttp itself logs a connection's first request with no method at debug level)
    assert logged == [(logging.WARNING, None)] * 2
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@sqlite_only
def test_the_address_of_a_tickets_button_opened_as_a_page_leads_to_the_ticket(
    settings: Settings, clock: FakeClock
) -> None:
    """A refused merge answers at ``/tickets/<id>/merge`` (the ticket page, the reason by
    the box): Enter in the address bar, or the address from the history, asked it with a
    GET and met a 405 "The request could not be understood". It leads to the ticket's
    page now (after sign-in, for a visitor), and a number no ticket can have is a 404."""

    async def scenario(client: TestClient[Any, Any]) -> list[tuple[int, str]]:
        paths = ["/tickets/7/merge", "/tickets/7/unmerge", "/tickets/x/merge"]
        out = []
        for path in paths:
            answer = await client.get(path, allow_redirects=False)
            out.append((answer.status, answer.headers.get("Location", "")))
        return out

    with rig(settings, clock) as r:
        assert r.serve(scenario) == [(303, "/tickets/7"), (303, "/tickets/7"), (404, "")]


@sqlite_only
def test_a_csrf_cookie_known_before_sign_in_forges_nothing_after(
    settings: Settings, clock: FakeClock
) -> None:
    """Whoever planted the browser's CSRF cookie (a sibling host's cookie, plain http)
    knows the token it gave before sign-in: the member's session makes a new one."""

    async def scenario(client: TestClient[Any, Any]) -> tuple[bool, int]:
        from tests.support.web import sign_in

        planted = await csrf_of(client, "/sign-in")
        await sign_in(client, r, "ops@example.test")
        fresh = await csrf_of(client, "/board")
        answer = await client.post("/tickets/1", data={"action": "assign_me", "csrf": planted})
        return fresh != planted, answer.status

    with rig(settings, clock) as r:
        assert r.serve(scenario) == (True, 403)
