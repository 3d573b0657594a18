"""A block of DATA whose lines need no look one by one is kept whole (issue #18:
``protocol._plain``): every message must be stored, or refused, exactly as the line by
line reading stores or refuses it. Each body below is sent in pieces through the real
listener twice, once with the whole-block path turned off, and both must agree."""

from __future__ import annotations

from dataclasses import replace

import pytest

from gateway.config.settings import Settings
from gateway.receive.smtp import protocol
from gateway.runtime.app import App
from tests.support.databases import sqlite_only
from tests.support.pipeline import inbox_raw, inbox_rows
from tests.test_smtp_data_blocks import client

LIMIT = 2000  # [smtp] max_message_size for these sessions: small, so it is reached
LONGEST = b"x" * 999  # with its CRLF, the longest line allowed
HEAD = b"X-Try: 1\r\nSubject: h\r\n\r\n"  # what _send adds, then the subject


def _filled(size: int) -> bytes:
    """Lines of at most 100 bytes making a message of ``size`` bytes with HEAD."""
    room = size - len(HEAD)
    lines = [b"z" * 98] * (room // 100)
    rest = room - 100 * len(lines)
    body = b"".join(line + b"\r\n" for line in lines) + (
        b"z" * (rest - 2) + b"\r\n" if rest else b""
    )
    assert len(HEAD) + len(body) == size
    return b"Subject: h\r\n\r\n" + body


BODIES: dict[str, tuple[bytes, ...]] = {
    "plain lines": (b"Subject: a\r\n\r\none\r\ntwo\r\n", b"three\r\n.\r\n"),
    "a stuffed dot in a block": (b"Subject: b\r\n\r\none\r\n..two\r\nthree\r\n.\r\n",),
    "a dot opening the block": (b"Subject: c\r\n\r\none\r\n", b"..two\r\n.\r\n"),
    "the longest line": (b"Subject: d\r\n\r\n" + LONGEST + b"\r\nend\r\n.\r\n",),
    "a line one byte longer": (b"Subject: e\r\n\r\n" + LONGEST + b"y\r\nend\r\n.\r\n",),
    "a bare LF": (b"Subject: f\r\n\r\none\ntwo\r\nthree\r\n.\r\n",),
    "a bare CR": (b"Subject: g\r\n\r\none\rtwo\r\n.\r\n",),
    "just at the size limit": (_filled(LIMIT), b".\r\n"),
    "one byte past the size limit": (_filled(LIMIT + 1), b".\r\n"),
    "the final dot alone": (b"Subject: j\r\n\r\nbody\r\n", b".\r\n"),
    "a line cut across blocks": (b"Subject: k\r\n\r\nhalf of a li", b"ne\r\nmore\r\n.\r\n"),
}


def _send(
    app: App, settings: Settings, pieces: tuple[bytes, ...], mark: bytes
) -> tuple[bytes, bytes | None]:
    """The status and the bytes stored (without ``mark``, the one header that makes the
    two sends two messages: the same bytes twice is one message stored once)."""
    before = {r.id for r in inbox_rows(app)}
    with client(app, settings) as c:
        c.envelope()
        c.send(b"X-Try: " + mark + b"\r\n" + pieces[0], *pieces[1:])
        status = c.reply()
    new = [r for r in inbox_rows(app) if r.id not in before]
    stored = inbox_raw(app, new[0].id).removeprefix(b"X-Try: " + mark + b"\r\n") if new else None
    return status.split(b":")[0], stored


@sqlite_only  # how DATA is read, not the database
@pytest.mark.parametrize("name", list(BODIES))
def test_whole_blocks_store_what_the_lines_store(
    name: str, app: App, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    limited = replace(settings, smtp=replace(settings.smtp, max_message_size=LIMIT))
    whole = _send(app, limited, BODIES[name], b"1")
    monkeypatch.setattr(protocol, "_plain", lambda *_: False)
    by_line = _send(app, limited, BODIES[name], b"2")
    assert whole == by_line
    if name.endswith("size limit"):  # the boundary itself: stored at it, refused past it
        assert whole[0].startswith(b"250" if name.startswith("just") else b"552"), whole[0]
