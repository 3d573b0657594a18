"""Webhook actions against a real HTTP target on a loopback port: one signed delivery per
complete sheet, retries with backoff on 5xx and timeouts (on the injected clock), never
on 4xx, verified TLS, and the results on the ticket."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from gateway.actions.outcome import Step
from gateway.actions.webhook import DELIVERY_HEADER, KEY_HEADER, SIGNATURE_HEADER
from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App
from tests.support.actions import action_app, drain, runs
from tests.support.databases import sqlite_only
from tests.support.hooks import BAD, ERROR, HANG, HANG_LIMIT, TRICKLE, HookServer
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, text_of

SECRET = b"hook-secret-\xe3\x81\x82-0123456789"
REQUEST = mail(
    subject="New account please",
    body="Hello,\nUser ID: taro.yamada\nSeats: ２台\nPlan: pro\nStart date: 2026年4月1日\n",
)


@pytest.fixture
def hooks() -> Iterator[HookServer]:
    server = HookServer().start()
    yield server
    server.stop()


def webhook_app(
    settings: Settings,
    clock: FakeClock,
    tmp_path: Path,
    url: str,
    extra: str = "",
    templates_dir: Path | None = None,
    timeout: int = 30,
) -> App:
    """A webhook action to ``url``. ``timeout`` seconds: a hang guard unless a test waits
    for it (then short), and long enough that a loaded machine (pytest -n 4 on two cores)
    does not cut a delivery meant to succeed (2s could cut a TLS handshake short)."""
    (tmp_path / "hook.secret").write_bytes(SECRET + b"\n")  # the final newline is not key
    action = f"""
        type: webhook
        url: {url}
        secret_file: hook.secret
        timeout: {timeout}s
        retries: 3
        on_failure: {{notify: assignee}}
        {extra}
        """
    return action_app(settings, clock, tmp_path, action, templates_dir=templates_dir)


def events(app: App, ticket_id: int, kind: str) -> list[dict[str, Any]]:
    return [e for e in show(app, ticket_id)["events"] if e["kind"] == kind]


def test_a_complete_sheet_from_mail_is_delivered_once_signed(
    settings: Settings, clock: FakeClock, tmp_path: Path, hooks: HookServer
) -> None:
    app = webhook_app(settings, clock, tmp_path, hooks.url())
    try:
        ticket_id = deliver(app, REQUEST).ticket_id
        assert ticket_id is not None
        [queued] = runs(app)
        assert (queued["state"], queued["trigger"]) == ("pending", "fields_complete")
        assert hooks.deliveries == []  # the runner only writes the row; the worker calls
        [done] = drain(app)
        assert done.step == Step.SUCCEEDED and done.status == 200
        assert drain(app) == []  # once: nothing is due any more

        [got] = hooks.deliveries
        assert got.path == "/hooks/account"
        expected = "sha256=" + hmac.new(SECRET, got.body, hashlib.sha256).hexdigest()
        assert got.headers[SIGNATURE_HEADER] == expected
        assert got.headers["Content-Type"] == "application/json; charset=utf-8"
        body = got.json()
        assert got.headers[KEY_HEADER] == body["idempotency_key"] == queued["idempotency_key"]
        assert len(got.headers[DELIVERY_HEADER]) == 36  # a UUID per attempt
        assert body["fields"] == {
            "user_id": "taro.yamada",
            "seats": 2,
            "plan": "pro",
            "start_date": "2026-04-01",
            "contact": None,
        }
        assert (body["ticket"], body["entry"], body["requester"]) == (
            ticket_id,
            "account",
            "alice@customer.test",
        )
        assert "Hello" not in got.body.decode()  # no free text from the mail
        assert hashlib.sha256(got.body).hexdigest() == queued["input_sha256"]

        [event] = events(app, ticket_id, "action")
        assert event["new"] == "succeeded"
        detail = event["detail"]
        assert (detail["status"], detail["attempt"], detail["trigger"]) == (
            200,
            1,
            "fields_complete",
        )
        assert detail["triggered_by"] == "alice@customer.test"
        assert detail["input_sha256"] == queued["input_sha256"]
        assert detail["delivery_id"] == got.headers[DELIVERY_HEADER]
        assert '"account": "taro"' in detail["output"] and detail["duration_ms"] >= 0
        [note] = events(app, ticket_id, "note")
        assert "succeeded" in note["detail"]["text"] or "成功" in note["detail"]["text"]
        assert show(app, ticket_id)["action_runs"][0]["state"] == "succeeded"
    finally:
        app.close()


@sqlite_only
def test_a_key_saved_by_notepad_signs_without_its_byte_order_mark(
    settings: Settings, clock: FakeClock, tmp_path: Path, hooks: HookServer
) -> None:
    """Windows Notepad starts the key file with a UTF-8 byte-order mark; kept, it was
    part of the key and every signature failed at the receiver with no hint why."""
    app = webhook_app(settings, clock, tmp_path, hooks.url())
    try:
        (tmp_path / "hook.secret").write_bytes(b"\xef\xbb\xbf" + SECRET + b"\r\n")
        assert deliver(app, REQUEST).ticket_id is not None
        [done] = drain(app)
        assert done.step == Step.SUCCEEDED
        [got] = hooks.deliveries
        expected = "sha256=" + hmac.new(SECRET, got.body, hashlib.sha256).hexdigest()
        assert got.headers[SIGNATURE_HEADER] == expected
    finally:
        app.close()


@sqlite_only
def test_5xx_is_tried_again_with_backoff_then_succeeds(
    settings: Settings, clock: FakeClock, tmp_path: Path, hooks: HookServer
) -> None:
    hooks.answers = [ERROR, ERROR]
    app = webhook_app(settings, clock, tmp_path, hooks.url())
    try:
        ticket_id = deliver(app, REQUEST).ticket_id or 0
        [first] = drain(app)
        assert (first.step, first.status) == (Step.RETRY, 500)
        [run] = runs(app)
        assert run["state"] == "pending" and run["last_status"] == 500
        assert drain(app) == []  # not due before its backoff
        clock.advance(timedelta(seconds=10))
        assert [d.step for d in drain(app)] == [Step.RETRY]
        clock.advance(timedelta(seconds=19))
        assert drain(app) == []  # the second wait is twice as long
        clock.advance(timedelta(seconds=1))
        [last] = drain(app)
        assert (last.step, last.status, last.attempt) == (Step.SUCCEEDED, 200, 3)
        keys = {d.headers[KEY_HEADER] for d in hooks.deliveries}
        ids = {d.headers[DELIVERY_HEADER] for d in hooks.deliveries}
        bodies = {d.body for d in hooks.deliveries}
        assert len(hooks.deliveries) == 3 and len(keys) == 1 and len(ids) == 3 and len(bodies) == 1
        assert [e["new"] for e in events(app, ticket_id, "action")] == [
            "pending",
            "pending",
            "succeeded",
        ]
        assert len(events(app, ticket_id, "note")) == 1  # the end of the run, not each try
        assert outbox(app, "action_failed") == []
    finally:
        app.close()


@sqlite_only
def test_4xx_fails_at_once_and_the_assignee_is_told(
    settings: Settings, clock: FakeClock, tmp_path: Path, hooks: HookServer
) -> None:
    hooks.answers = [BAD]
    app = webhook_app(settings, clock, tmp_path, hooks.url())
    try:
        ticket_id = deliver(app, REQUEST).ticket_id or 0
        [done] = drain(app)
        assert (done.step, done.status) == (Step.FAILED, 400)
        clock.advance(timedelta(hours=2))
        assert drain(app) == [] and len(hooks.deliveries) == 1  # never tried again
        [run] = runs(app)
        assert run["state"] == "failed" and run["last_error"].startswith("HTTP 400")
        [told] = outbox(app, "action_failed")
        assert told.recipients == ["ops@example.test"]  # the assignee (locale en)
        text = text_of(told)
        assert "HTTP 400" in text and f"actions retry {run['id']}" in text
        [note] = events(app, ticket_id, "note")
        assert "400" in note["detail"]["text"]
    finally:
        app.close()


@sqlite_only
@pytest.mark.parametrize(
    "key", [b"", b"k", b"s3cret", b"0123456789abcde", b"k" * 32, b"password1234567890"]
)
def test_a_key_too_short_or_made_up_signs_nothing(
    settings: Settings, clock: FakeClock, tmp_path: Path, hooks: HookServer, key: bytes
) -> None:
    """A receiver trusts what carries the signature: with a key of a few bytes, anyone
    who tries the likely ones can sign a request of their own (an account for them).
    The gateway secret must be 16 random bytes at least (not one letter repeated, not a
    word and the digit row); so must this one, and ``catalog check`` says so with the
    line."""
    app = webhook_app(settings, clock, tmp_path, hooks.url())
    (tmp_path / "hook.secret").write_bytes(key + b"\n")  # replaced after the check at start
    try:
        deliver(app, REQUEST)
        [done] = drain(app)
        assert done.step == Step.FAILED and "the secret_file is too weak" in done.error
        assert hooks.deliveries == []
    finally:
        app.close()


@sqlite_only
@pytest.mark.parametrize("answer", [HANG, TRICKLE], ids=["hanging", "trickling"])
def test_a_slow_target_times_out_and_counts_as_temporary(
    settings: Settings, clock: FakeClock, tmp_path: Path, hooks: HookServer, answer: str
) -> None:
    """Silence, and a byte now and then (which keeps every read under the timeout): the
    whole answer must not be allowed longer, or one such target holds a worker (and,
    after the lease, the next) for as long as it likes."""
    hooks.answers = [answer] * 4
    app = webhook_app(settings, clock, tmp_path, hooks.url(), timeout=2)
    try:
        deliver(app, REQUEST)
        started = time.monotonic()
        [done] = drain(app)
        took = time.monotonic() - started
        assert done.step == Step.RETRY and done.status is None
        assert done.error == "no answer within 2s"
        # cut at the timeout, not at the target's whim (a hang lasts HANG_LIMIT, a trickle
        # until released); the upper bound leaves a loaded machine its seconds
        assert 1.5 < took < HANG_LIMIT / 2
    finally:
        app.close()


@sqlite_only
def test_tls_is_verified(
    settings: Settings,
    clock: FakeClock,
    tmp_path: Path,
    tls_files: tuple[Path, Path],
) -> None:
    server = HookServer(tls=tls_files).start()
    try:
        app = webhook_app(settings, clock, tmp_path, server.url())
        try:
            deliver(app, REQUEST)
            [done] = drain(app)
            assert done.step == Step.FAILED and "certificate not trusted" in done.error
            assert server.deliveries == []
        finally:
            app.close()
        trusted = tmp_path / "trusted"
        trusted.mkdir()
        app = webhook_app(settings, clock, trusted, server.url(), extra=f"ca_file: {tls_files[0]}")
        try:
            deliver(app, mail(subject="account", body="User ID: hanako\n"))
            assert [d.step for d in drain(app)] == [Step.SUCCEEDED]
            assert len(server.deliveries) == 1
        finally:
            app.close()
    finally:
        server.stop()


@sqlite_only
def test_success_moves_the_state_and_mails_the_teams_template(
    settings: Settings, clock: FakeClock, tmp_path: Path, hooks: HookServer
) -> None:
    team = tmp_path / "team"
    for locale, text in (
        ("en", "Account {{ result.account }} is ready"),
        ("ja", "アカウント {{ result.account }} を作成しました"),
    ):
        (team / locale).mkdir(parents=True)
        (team / locale / "account_created.subject.j2").write_text(text + "\n", encoding="utf-8")
        (team / locale / "account_created.txt.j2").write_text(
            "Dear {{ recipient.display }}, {{ fields.user_id }} starts {{ fields.start_date }}.\n",
            encoding="utf-8",
        )
    app = webhook_app(
        settings,
        clock,
        tmp_path,
        hooks.url(),
        extra="on_success: {state: pending, reply: account_created}",
        templates_dir=team,
    )
    try:
        ticket_id = deliver(app, REQUEST).ticket_id or 0
        drain(app)
        t = show(app, ticket_id)
        assert t["state"] == "pending"
        [reply] = outbox(app, "action_reply")
        assert reply.recipients == ["alice@customer.test"]
        subjects = [m["subject"] for m in show(app, ticket_id)["messages"]]
        assert f"[#{ticket_id}] アカウント taro を作成しました" in subjects  # the requester's ja
        # the team's own words speak for the state change: no status mail beside them
        # (it once went out, the transaction's changes told apart by a savepoint)
        assert not outbox(app, "status_change")
        assert "taro.yamada starts 2026-04-01" in text_of(reply)
    finally:
        app.close()
