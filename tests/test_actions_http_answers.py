"""What a webhook target's answer means, against a real HTTP server of our own on a
loopback port that answers exactly the status, headers and body bytes a test scripts:
a busy target (429, 503 with Retry-After) is tried again when it said, and a body in
another charset than UTF-8 is read in the charset it names."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from gateway.actions.outcome import Step
from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App
from tests.support.actions import action_app, drain, runs
from tests.support.databases import sqlite_only
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, text_of
from tests.support.waiting import SERVER_POLL

SECRET = b"9f2c4e7a1b3d5f6081a2c3e4f5a6b7c8"
REQUEST = mail(subject="New account please", body="User ID: taro.yamada\n")


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b'{"ok": true}'
    reason: bytes | None = None  # the status line's words as bytes (the server's default)


@dataclass
class Target:
    """Answers each POST with the next scripted :class:`Answer` (200 when they run out)."""

    answers: list[Answer] = field(default_factory=list)
    posts: int = 0
    _server: ThreadingHTTPServer | None = None

    def start(self) -> Target:
        target = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                target.posts += 1
                answer = target.answers.pop(0) if target.answers else Answer(200)
                # header text goes out as latin-1: bytes through it arrive as they are
                reason = answer.reason.decode("latin-1") if answer.reason is not None else None
                self.send_response(answer.status, reason)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, args=(SERVER_POLL,), daemon=True
        ).start()
        return self

    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/hooks/account"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


@pytest.fixture
def target() -> Iterator[Target]:
    server = Target().start()
    yield server
    server.stop()


def hook_app(settings: Settings, clock: FakeClock, tmp_path: Path, url: str) -> App:
    (tmp_path / "hook.secret").write_bytes(SECRET + b"\n")
    action = f"""
        type: webhook
        url: {url}
        secret_file: hook.secret
        timeout: 2s
        retries: 3
        on_failure: {{notify: assignee}}
        """
    return action_app(settings, clock, tmp_path, action)


@sqlite_only
@pytest.mark.parametrize("status", [429, 503])
@pytest.mark.parametrize("form", ["seconds", "date"])
def test_a_busy_target_is_tried_again_when_it_said(
    settings: Settings, clock: FakeClock, tmp_path: Path, target: Target, status: int, form: str
) -> None:
    """429 Too Many Requests is the target asking for time, not refusing the request: a
    run failed for good on it would never create the account. Its Retry-After (seconds or
    an HTTP date), like a 503's, is when the next try comes, not the first backoff step
    (10 s here), which would only hit the limit again."""
    wait = timedelta(seconds=120)
    after = "120" if form == "seconds" else format_datetime(clock.now() + wait, usegmt=True)
    target.answers = [Answer(status, {"Retry-After": after}, b"slow down")]
    app = hook_app(settings, clock, tmp_path, target.url())
    try:
        deliver(app, REQUEST)
        [first] = drain(app)
        assert (first.step, first.status) == (Step.RETRY, status)
        clock.advance(wait - timedelta(seconds=1))
        assert drain(app) == []  # the backoff alone would have tried at 10 s
        clock.advance(timedelta(seconds=1))
        [second] = drain(app)
        assert (second.step, second.status, second.attempt) == (Step.SUCCEEDED, 200, 2)
        assert target.posts == 2
    finally:
        app.close()


@sqlite_only
def test_a_retry_after_beyond_retry_max_waits_retry_max(
    settings: Settings, clock: FakeClock, tmp_path: Path, target: Target
) -> None:
    """A target that asks for a week (or says nonsense) cannot park the run past
    ``[actions] retry_max`` (5 minutes here); nonsense is the backoff's step."""
    target.answers = [
        Answer(429, {"Retry-After": "604800"}),
        Answer(503, {"Retry-After": "soon"}),
    ]
    app = hook_app(settings, clock, tmp_path, target.url())
    try:
        deliver(app, REQUEST)
        assert [d.step for d in drain(app)] == [Step.RETRY]
        clock.advance(timedelta(minutes=5) - timedelta(seconds=1))
        assert drain(app) == []
        clock.advance(timedelta(seconds=1))
        assert [d.status for d in drain(app)] == [503]
        clock.advance(timedelta(seconds=20))  # the second backoff step: 10 s doubled
        [last] = drain(app)
        assert (last.step, last.attempt) == (Step.SUCCEEDED, 3)
    finally:
        app.close()


@sqlite_only
def test_another_4xx_still_fails_at_once(
    settings: Settings, clock: FakeClock, tmp_path: Path, target: Target
) -> None:
    target.answers = [Answer(409, {"Retry-After": "5"}, b"conflict")]
    app = hook_app(settings, clock, tmp_path, target.url())
    try:
        deliver(app, REQUEST)
        [done] = drain(app)
        assert (done.step, done.status) == (Step.FAILED, 409)
        clock.advance(timedelta(hours=1))
        assert drain(app) == [] and target.posts == 1
        [run] = runs(app)
        assert run["state"] == "failed"
    finally:
        app.close()


@sqlite_only
@pytest.mark.parametrize(
    ("content_type", "codec"),
    [
        ("text/plain; charset=Shift_JIS", "cp932"),
        ("application/json; charset=euc-jp", "euc_jp"),
        ("text/plain", "cp932"),  # no charset: read as what it is, not as mojibake
    ],
)
def test_an_answer_in_a_japanese_charset_is_read_as_such(
    settings: Settings,
    clock: FakeClock,
    tmp_path: Path,
    target: Target,
    content_type: str,
    codec: str,
) -> None:
    """An older system in a Japanese office answers in Shift_JIS or EUC-JP and says so in
    its Content-Type. Read as UTF-8, what it said reached the ticket's event, the note and
    the failure mail as replacement characters the member cannot read."""
    said = "ユーザーIDは既に使われています"
    target.answers = [Answer(400, {"Content-Type": content_type}, said.encode(codec))]
    app = hook_app(settings, clock, tmp_path, target.url())
    try:
        ticket_id = deliver(app, REQUEST).ticket_id or 0
        [done] = drain(app)
        assert done.step == Step.FAILED
        [run] = runs(app)
        assert said in run["output"]
        [event] = [e for e in show(app, ticket_id)["events"] if e["kind"] == "action"]
        assert said in event["detail"]["output"]
    finally:
        app.close()


@sqlite_only
@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_fails_at_once_and_says_where_it_pointed(
    settings: Settings, clock: FakeClock, tmp_path: Path, target: Target, status: int
) -> None:
    """Redirects are not followed (the signed body would go where the catalog did not
    say). The admin who moved the receiver (a new path, http to https) reads where the
    target pointed in the run, the event and the failure mail, not a bare "HTTP 301"."""
    moved = "https://automation.example.test/hooks/v2/account"
    target.answers = [Answer(status, {"Location": moved}, b"")]
    app = hook_app(settings, clock, tmp_path, target.url())
    try:
        ticket_id = deliver(app, REQUEST).ticket_id or 0
        [done] = drain(app)
        assert (done.step, done.status) == (Step.FAILED, status)
        assert target.posts == 1
        [run] = runs(app)
        assert moved in run["last_error"]
        [event] = [e for e in show(app, ticket_id)["events"] if e["kind"] == "action"]
        assert moved in event["detail"]["error"]
        [told] = outbox(app, "action_failed")
        assert moved in text_of(told)
    finally:
        app.close()


@sqlite_only
@pytest.mark.parametrize("damage", ["removed", "not-pem"])
def test_a_ca_file_gone_or_broken_since_the_check_is_said_as_such(
    settings: Settings,
    clock: FakeClock,
    tmp_path: Path,
    tls_files: tuple[Path, Path],
    damage: str,
) -> None:
    """The private CA file is read at each delivery (rotating it needs no restart). Removed
    or overwritten with something else since ``catalog check``, the run said "internal
    error: FileNotFoundError …", our bug in the admin's eyes, instead of the file."""
    ca = tmp_path / "private-ca.pem"
    ca.write_bytes(tls_files[0].read_bytes())
    (tmp_path / "hook.secret").write_bytes(SECRET + b"\n")
    action = """
        type: webhook
        url: https://127.0.0.1:9/hooks/account
        secret_file: hook.secret
        ca_file: private-ca.pem
        """
    app = action_app(settings, clock, tmp_path, action)
    try:
        deliver(app, REQUEST)
        if damage == "removed":
            ca.unlink()
        else:
            ca.write_text("not a certificate\n", encoding="utf-8")
        [done] = drain(app)
        assert done.step == Step.FAILED
        assert done.error.startswith("cannot use the ca_file"), done.error
        assert "internal error" not in done.error
    finally:
        app.close()


ESCAPES = ("\x1b]0;owned\x07", "\x1b[2J")  # a terminal's title and clear-screen


@sqlite_only
@pytest.mark.parametrize(
    ("status", "reason", "codec", "location", "readable"),
    [
        (500, "内部サーバーエラー", "utf-8", None, ["内部サーバーエラー"]),
        (503, "メンテナンス中", "cp932", None, ["メンテナンス中"]),
        (502, "Bad\x1b]0;owned\x07 Gate\x1b[2Jway", "ascii", None, ["Bad", "Gateway"]),
        (308, "Moved", "ascii", "https://a.example.test/フック/v2", ["a.example.test/フック/v2"]),
        (301, "Moved", "ascii", "https://a.example.test/\x1b[2Jv2", ["a.example.test/v2"]),
    ],
)
def test_a_status_line_or_location_in_raw_bytes_reaches_the_ticket_readable(
    settings: Settings,
    clock: FakeClock,
    tmp_path: Path,
    target: Target,
    status: int,
    reason: str,
    codec: str,
    location: str | None,
    readable: list[str],
) -> None:
    """A target's own words in its status line (a Japanese system's ``500 内部サーバーエラー``
    in UTF-8 or Shift_JIS) and where it redirects (UTF-8, as a browser sends a path) are
    read as the body is, not as latin-1 mojibake; a terminal's escape sequence in them is
    left out as from any answer (it would repaint the terminal of whoever runs
    ``tickets show``)."""
    headers = {"Location": location.encode().decode("latin-1")} if location else {}
    target.answers = [Answer(status, headers, b"", reason=reason.encode(codec))]
    app = hook_app(settings, clock, tmp_path, target.url())
    try:
        ticket_id = deliver(app, REQUEST).ticket_id or 0
        [done] = drain(app)
        assert done.status == status
        [run] = runs(app)
        [event] = [e for e in show(app, ticket_id)["events"] if e["kind"] == "action"]
        for text in (run["last_error"], event["detail"]["error"]):
            for words in readable:
                assert words in text, (words, text)
            assert not any(escape in text for escape in ESCAPES), text
            assert not any("\x80" <= c <= "\x9f" for c in text), text  # no C1 mojibake
    finally:
        app.close()
