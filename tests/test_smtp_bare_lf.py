"""A message whose lines end in a bare LF (a script writing to the socket, a cron job's
``nc``): each LF ends a line, as Postfix and our parser read it, so the 1000-byte
limit of RFC 5321 4.5.3.1.6 is a limit on each of those lines. Such a message of
more than 1000 bytes was answered ``500 5.5.2 Line too long`` (the whole message was
one line between two CR LFs) and bounced with a reason its sender could not find in it.
Raw sockets against the real listener, the message sent whole and in pieces."""

from __future__ import annotations

import pytest

from gateway.config.settings import Settings
from gateway.runtime.app import App
from tests.support.databases import sqlite_only
from tests.support.pipeline import inbox_raw, inbox_rows, show
from tests.support.smtp import Wire, listening, smtp_settings
from tests.test_hostile_smtp import MiB, peak_rss_growth

LINE_TOO_LONG = "500 5.5.2 Line too long (RFC 5321 4.5.3.1.6)"
BARE_CR = "550 5.5.2 Bare CR in the message: lines must end in CR LF (RFC 5321 2.3.8)"
# a cron job's report: 300 short lines, 12 kB, none near 1000 bytes
REPORT = b"From: cron@customer.test\nTo: support@example.test\nSubject: nightly backup\n\n" + (
    b"".join(b"line %d: backup of /srv/data ok\n" % n for n in range(300))
)


def _send(app: App, settings: Settings, *pieces: bytes) -> str:
    """One transaction whose data is ``pieces``, each sent on its own; the reply to it."""
    with listening(smtp_settings(settings), app.sessions, app.clock) as srv:
        wire = Wire(srv.port)
        try:
            wire.command(b"EHLO client.test")
            wire.envelope()
            for piece in pieces[:-1]:
                wire.sock.sendall(piece)
            said = wire.command(pieces[-1] + b"\r\n.").decode()
            assert wire.command(b"NOOP").startswith(b"250")  # the session goes on
        finally:
            wire.sock.close()
    return said


@sqlite_only
@pytest.mark.parametrize("pieces", [1, 7, 300], ids=["whole", "7-pieces", "line-by-line"])
def test_a_long_message_of_short_lf_lines_is_taken_byte_for_byte(
    app: App, settings: Settings, pieces: int
) -> None:
    size = -(-len(REPORT) // pieces)
    cut = [REPORT[n : n + size] for n in range(0, len(REPORT), size)]
    said = _send(app, settings, *cut[:-1], cut[-1].removesuffix(b"\n"))
    [row] = inbox_rows(app)
    assert said == f"250 2.0.0 OK: stored as inbox #{row.id}"
    assert inbox_raw(app, row.id) == REPORT.removesuffix(b"\n") + b"\r\n"


@sqlite_only
def test_the_report_becomes_a_ticket_with_its_lines(app: App, settings: Settings) -> None:
    _send(app, settings, REPORT.removesuffix(b"\n"))
    [row] = inbox_rows(app)
    ticket = app.runner.process_one(row.id).ticket_id
    text = show(app, ticket or 0)["messages"][0]["text"]
    assert text.splitlines()[0] == "line 0: backup of /srv/data ok" and "line 299:" in text


@sqlite_only
@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_one_lf_line_over_the_limit_is_still_too_long(
    app: App, settings: Settings, where: str
) -> None:
    long = b"y" * 1000
    lines = [b"Subject: x", b"", *[b"short"] * 5]
    lines.insert({"first": 2, "middle": 4, "last": len(lines)}[where], long)
    assert _send(app, settings, b"\n".join(lines)) == LINE_TOO_LONG
    assert inbox_rows(app) == []


@sqlite_only
def test_the_longest_lf_line_allowed_is_taken_across_pieces(app: App, settings: Settings) -> None:
    """999 bytes and its LF, cut in two packets: as long as a CR LF line may be."""
    longest = b"x" * 999
    said = _send(app, settings, b"Subject: x\n\n" + longest[:500], longest[500:] + b"\nend")
    [row] = inbox_rows(app)
    assert said.startswith("250 2.0.0") and inbox_raw(app, row.id).count(longest) == 1


@sqlite_only
def test_a_bare_cr_among_lf_lines_is_still_refused(app: App, settings: Settings) -> None:
    body = REPORT.replace(b"line 150:", b"line\r150:")
    assert _send(app, settings, body[:6000], body[6000:]) == BARE_CR
    assert inbox_rows(app) == []


@sqlite_only
def test_a_dot_after_an_lf_is_text_not_the_end(app: App, settings: Settings) -> None:
    """Only CR LF . CR LF ends the data; a dot line between LFs is kept as written."""
    body = b"Subject: x\n\n" + b"a line\n" * 200 + b".\n..\n" + b"more\n" * 200 + b"last"
    said = _send(app, settings, body[:1500], body[1500:])
    [row] = inbox_rows(app)
    assert said.startswith("250 2.0.0") and inbox_raw(app, row.id) == body + b"\r\n"


@sqlite_only
def test_lf_lines_without_a_crlf_are_neither_buffered_nor_read_forever(
    app: App, settings: Settings
) -> None:
    """The LF lines of a line whose CR LF has not come are kept as they arrive (and
    counted toward the size), not held until it comes: past the size limit and 10 MB
    more the sender is answered and cut off, as one without any line end is."""
    chunk = (b"x" * 99 + b"\n") * (MiB // 100)
    sent = 0
    cfg = smtp_settings(settings, max_message_size=MiB)
    with listening(cfg, app.sessions, app.clock) as srv:
        wire = Wire(srv.port)
        wire.command(b"EHLO client.test")
        wire.envelope()
        with peak_rss_growth() as growth:
            try:
                for _ in range(100):
                    wire.sock.sendall(chunk)
                    sent += len(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass
            try:
                answer = wire.line()
            except (ConnectionError, TimeoutError):
                answer = b""
        wire.sock.close()
    assert sent < 40 * MiB  # cut off past the limit + 10 MB, not read to the end
    assert growth[0] < 40 * MiB, f"RSS grew by {growth[0] // MiB} MiB"
    assert answer.startswith(b"552 5.3.4"), answer  # told why before the hang-up
    assert inbox_rows(app) == []
