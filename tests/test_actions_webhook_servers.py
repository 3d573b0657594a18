"""Webhook actions against real HTTP servers of our own, for what an ops member meets
when a receiver is set up wrong or misbehaves: an ``https://`` URL whose port speaks
plain HTTP, and a receiver that fails every time (the tries, their growing waits capped
at ``retry_max``, and their end: one failure mail, nothing sent after)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from gateway.actions.outcome import Step
from gateway.actions.results import Done
from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.i18n import translate
from gateway.runtime.app import App
from tests.support.actions import action_app, drain, runs, worker
from tests.support.databases import sqlite_only
from tests.support.hooks import ERROR, HANG, HANG_LIMIT, OK, HookServer
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, text_of
from tests.support.waiting import PATIENCE

REQUEST = mail(subject="New account please", body="User ID: taro.yamada\n")


@pytest.fixture
def hooks() -> Iterator[HookServer]:
    server = HookServer().start()
    yield server
    server.stop()


def hook_app(
    settings: Settings, clock: FakeClock, tmp_path: Path, url: str, retries: int, timeout: int = 30
) -> App:
    """A webhook action to ``url``. ``timeout`` seconds: a hang guard unless a test
    waits for it, and then long enough that its bounds below it leave a loaded machine
    (pytest -n 4 on two cores) its seconds (2 s cut a TLS handshake with the local
    server short under load: "no answer", not the answer the test reads)."""
    (tmp_path / "hook.secret").write_bytes(b"0f3a9c1e5b7d2468ace13579bdf02468\n")
    action = f"""
        type: webhook
        url: {url}
        secret_file: hook.secret
        timeout: {timeout}s
        retries: {retries}
        on_failure: {{notify: assignee}}
        """
    return action_app(settings, clock, tmp_path, action)


@sqlite_only
def test_an_https_url_to_a_plain_http_port_is_said_as_that(
    settings: Settings, clock: FakeClock, tmp_path: Path, hooks: HookServer
) -> None:
    """Said as "the TLS handshake failed (WRONG_VERSION_NUMBER)", OpenSSL's code: the
    commonest slip (the receiver speaks plain HTTP, or the port is another's) was left
    to the reader to decode. Nothing is sent in plain text; the run fails at once."""
    url = hooks.url().replace("http://", "https://")
    app = hook_app(settings, clock, tmp_path, url, retries=3)
    try:
        deliver(app, REQUEST)
        [done] = drain(app)
        assert done.step == Step.FAILED and hooks.deliveries == []
        where = url.split("/")[2]
        assert f"{where} answered in plain text, not TLS" in done.error, done.error
        assert "http://" in done.error  # what to write if it is the receiver
        japanese = translate(done.said, "ja")
        assert where in japanese and "TLS" in japanese and "answered" not in japanese
    finally:
        app.close()


@sqlite_only
def test_a_receiver_that_always_fails_is_tried_with_growing_waits_then_given_up(
    settings: Settings, clock: FakeClock, tmp_path: Path, hooks: HookServer
) -> None:
    """``retries: 6``: seven tries, the waits 10s doubled per try (FAST's retry_initial)
    up to retry_max (5 minutes), then the run fails for good: one note, one mail to the
    assignee naming the last answer, and no delivery after, however long one waits."""
    hooks.answers = [ERROR] * 10
    app = hook_app(settings, clock, tmp_path, hooks.url(), retries=6)
    try:
        ticket_id = deliver(app, REQUEST).ticket_id or 0
        waits: list[timedelta] = []
        for _ in range(6):
            [done] = drain(app)
            assert (done.step, done.status) == (Step.RETRY, 500)
            [run] = runs(app)
            due = datetime.fromisoformat(run["next_attempt_at"])
            waits.append(due - clock.now())
            clock.advance(due - clock.now() - timedelta(seconds=1))
            assert drain(app) == []  # not a second before its time
            clock.advance(timedelta(seconds=1))
        assert waits == [timedelta(seconds=s) for s in (10, 20, 40, 80, 160, 300)]
        [last] = drain(app)
        assert (last.step, last.status, last.attempt) == (Step.FAILED, 500, 7)
        [run] = runs(app)
        assert (run["state"], run["attempts"], run["next_attempt_at"]) == ("failed", 7, None)
        clock.advance(timedelta(days=1))
        assert drain(app) == [] and len(hooks.deliveries) == 7
        [mailed] = outbox(app, "action_failed")
        assert mailed.recipients == ["ops@example.test"]
        assert "500" in text_of(mailed)
        notes = [e for e in show(app, ticket_id)["events"] if e["kind"] == "note"]
        assert len(notes) == 1  # the end of the run, not each try
    finally:
        app.close()


@sqlite_only
@pytest.mark.parametrize("status", ["301", "302", "307", "308"])
def test_a_redirect_to_another_host_is_never_followed(
    settings: Settings, clock: FakeClock, tmp_path: Path, hooks: HookServer, status: str
) -> None:
    """A 307 or 308 would carry the signed body to whatever host it names (GitLab's
    webhooks follow them): the other host gets nothing, not even a GET; the run fails at
    once, naming where it pointed with the token in that URL masked."""
    other = HookServer().start()
    try:
        # another host name, a live server on it: a follower would reach it
        where = other.url("/collect", host="localhost") + "?token=0123456789abcdef"
        hooks.location, hooks.answers = where, [status]
        app = hook_app(settings, clock, tmp_path, hooks.url(), retries=3)
        try:
            deliver(app, REQUEST)
            [done] = drain(app)
            assert (done.step, done.status) == (Step.FAILED, int(status))
            assert other.deliveries == [] and other.fetched == [] and len(hooks.deliveries) == 1
            [run] = runs(app)
            assert "localhost" in run["last_error"] and "0123456789abcdef" not in run["last_error"]
            assert "token=…" in run["last_error"], run["last_error"]
        finally:
            app.close()
    finally:
        other.stop()


@sqlite_only
def test_a_silent_receiver_holds_one_worker_only_until_the_timeout(
    settings: Settings, clock: FakeClock, tmp_path: Path, hooks: HookServer
) -> None:
    """One worker waits on a receiver that never answers; the other runs the next
    request's run meanwhile, and the first is free again at the action's timeout (6s),
    the try counted as temporary: nothing waits on the receiver's whim."""
    hooks.answers = [HANG, OK]
    app = hook_app(settings, clock, tmp_path, hooks.url(), retries=3, timeout=6)
    try:
        deliver(app, REQUEST)
        deliver(app, mail(subject="New account please", body="User ID: hanako\n"))
        held: list[Done] = []
        started = time.monotonic()
        first = threading.Thread(target=lambda: held.extend(worker(app).drain(lambda: bool(held))))
        first.start()
        while not hooks.deliveries and time.monotonic() - started < 10:
            time.sleep(0.02)
        [other] = worker(app).drain()  # the second worker, meanwhile
        assert (other.run_id, other.step) == (2, Step.SUCCEEDED)
        # not after the silent one: its timeout is 6 s, and a loaded machine has seconds
        assert time.monotonic() - started < 4
        first.join(timeout=PATIENCE)
        took = time.monotonic() - started
        assert not first.is_alive() and 5.5 < took < HANG_LIMIT / 2
        [silent] = held
        assert (silent.run_id, silent.step, silent.error) == (1, Step.RETRY, "no answer within 6s")
    finally:
        hooks.release.set()
        app.close()


class EndlessAnswer:
    """A receiver that answers 200 and then sends its body for ever, as fast as it can
    (chunked, or ended by nothing at all), until the caller hangs up: what it sent is
    counted."""

    def __init__(self, chunked: bool) -> None:
        self.chunked, self.sent = chunked, 0
        self.sock = socket.create_server(("127.0.0.1", 0))
        threading.Thread(target=self._serve, daemon=True).start()

    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/hooks/account"

    def _serve(self) -> None:
        conn, _ = self.sock.accept()
        with conn:
            conn.recv(65536)  # the request (small: one read holds it)
            head = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
            head += b"Transfer-Encoding: chunked\r\n\r\n" if self.chunked else b"\r\n"
            piece = b"x" * 65536
            framed = b"10000\r\n" + piece + b"\r\n" if self.chunked else piece
            try:
                conn.sendall(head)
                while self.sent < 1 << 30:  # a gigabyte at most, should the test fail
                    conn.sendall(framed)
                    self.sent += len(framed)
            except OSError:
                return  # the caller hung up: what the test waits for

    def close(self) -> None:
        self.sock.close()


@sqlite_only
@pytest.mark.parametrize("chunked", [True, False])
def test_an_endless_answer_is_read_to_the_limit_only(
    settings: Settings, clock: FakeClock, tmp_path: Path, chunked: bool
) -> None:
    """A 200 whose body never ends: the run succeeds with the first output_limit bytes
    (4096 here) kept, the rest counted as not read (-1), at once, not at the timeout,
    and the receiver stops being read (it has sent far less than a gigabyte)."""
    server = EndlessAnswer(chunked)
    try:
        app = hook_app(settings, clock, tmp_path, server.url(), retries=3, timeout=30)
        try:
            deliver(app, REQUEST)
            started = time.monotonic()
            [done] = drain(app)
            # at once, not at the timeout (30 s): the bound leaves a loaded machine its seconds
            assert time.monotonic() - started < 10
            assert (done.step, done.status) == (Step.SUCCEEDED, 200)
            [run] = runs(app)
            assert (len(run["output"]), run["output_cut"]) == (4096, -1)
            assert server.sent < 1 << 30
        finally:
            app.close()
    finally:
        server.close()
