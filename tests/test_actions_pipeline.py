"""Catalog actions through the real pipeline: the run is written in the transaction of
the change that completed the sheet (the request, a reply, a member's ``/field``), once
per ticket; ``when: approved`` waits for a manager's ``/approve``; an archive being
imported starts nothing; the runs show in ``tickets show`` and ``actions list``."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gateway.actions import trigger
from gateway.actions.outcome import Step
from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App
from store import action_runs, tickets
from store.db import transaction
from tests.support.actions import RECORDER, action_app, argv_yaml, drain, recorded, runs, script
from tests.support.app import MEMBERS, reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, text_of


def recorder_app(
    settings: Settings, clock: FakeClock, tmp_path: Path, extra: str = ""
) -> tuple[App, Path]:
    log = tmp_path / "runs.jsonl"
    argv = [*script(tmp_path, "record.py", RECORDER), str(log)]
    app = action_app(settings, clock, tmp_path, f"type: command\nargv: {argv_yaml(argv)}\n{extra}")
    return app, log


def member_mail(app: App, ticket_id: int, member: str, body: str) -> bytes:
    """A member's reply to the ticket's reply-token address issued to them (verified)."""
    name = {m.email: m.name for m in MEMBERS}[member]
    to = reply_address(app, ticket_id, member)
    return mail(
        subject=f"Re: [#{ticket_id}] account", body=body, sender=f"{name} <{member}>", to=to
    )


def requester_mail(app: App, ticket_id: int, subject: str, body: str) -> bytes:
    """The requester's reply to our mail, to the reply address issued to them (one found
    by In-Reply-To alone proves nothing: tests/test_unverified_thread_reply.py)."""
    to = reply_address(app, ticket_id, "alice@customer.test")
    return mail(subject=subject, body=body, to=to)


def kinds(app: App, ticket_id: int) -> list[str]:
    return [e["kind"] for e in show(app, ticket_id)["events"]]


def documents(log: Path) -> list[dict[str, Any]]:
    return [json.loads(r["stdin"]) for r in recorded(log)]


def test_a_complete_request_runs_the_action_once(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    app, log = recorder_app(settings, clock, tmp_path)
    try:
        out = deliver(
            app,
            mail(subject="New account", body="User ID: taro\n", message_id="<req-1@customer.test>"),
        )
        ticket_id = out.ticket_id or 0
        assert "action-queued" in kinds(app, ticket_id)
        assert [d.step for d in drain(app)] == [Step.SUCCEEDED]
        # a later correction or another reply does not start it again
        deliver(app, requester_mail(app, ticket_id, "Re: New account", "User ID: jiro\n"))
        assert drain(app) == []
        [doc] = documents(log)
        assert (doc["ticket"], doc["fields"]["user_id"]) == (ticket_id, "taro")
        assert len(runs(app)) == 1
        shown = show(app, ticket_id)
        assert [r["state"] for r in shown["action_runs"]] == ["succeeded"]
        assert shown["fields"]["user_id"] == "jiro"
    finally:
        app.close()


def test_an_incomplete_request_runs_nothing_until_a_reply_completes_it(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    app, log = recorder_app(settings, clock, tmp_path)
    try:
        out = deliver(
            app,
            mail(
                subject="アカウント作成のお願い",
                body="利用開始日：2026年4月1日\n",
                message_id="<req-2@customer.test>",
            ),
        )
        ticket_id = out.ticket_id or 0
        assert "asked for 1 field" in out.reason and "field(s)" not in out.reason
        assert "fields" not in out.reason  # one field: the singular
        assert runs(app) == [] and drain(app) == [] and recorded(log) == []
        deliver(
            app,
            requester_mail(app, ticket_id, "Re: アカウント作成のお願い", "ユーザーID：hanako\n"),
        )
        [run] = runs(app)
        assert (run["state"], run["triggered_by"]) == ("pending", "alice@customer.test")
        assert [d.step for d in drain(app)] == [Step.SUCCEEDED]
        [doc] = documents(log)
        assert doc["fields"]["user_id"] == "hanako"
        assert doc["fields"]["start_date"] == "2026-04-01"
        assert kinds(app, ticket_id).count("action") == 1
    finally:
        app.close()


def test_a_members_field_command_completes_the_sheet(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    app, log = recorder_app(settings, clock, tmp_path)
    try:
        ticket_id = deliver(app, mail(subject="account please", body="Hi!\n")).ticket_id or 0
        assert runs(app) == []
        deliver(app, member_mail(app, ticket_id, "ops@example.test", "/field user_id saburo\n"))
        [run] = runs(app)
        assert run["triggered_by"] == "ops@example.test"
        drain(app)
        assert documents(log)[0]["fields"]["user_id"] == "saburo"
    finally:
        app.close()


def test_approval_waits_for_a_managers_approve(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    app, log = recorder_app(settings, clock, tmp_path, "when: approved")
    try:
        ticket_id = deliver(app, mail(subject="account", body="User ID: shiro\n")).ticket_id or 0
        [run] = runs(app)
        assert run["state"] == "awaiting_approval" and run["input_sha256"] == ""
        assert drain(app) == []
        # an ops member may not approve; the transcript says why
        deliver(app, member_mail(app, ticket_id, "ops@example.test", "/approve\n"))
        assert runs(app)[0]["state"] == "awaiting_approval"
        refused = text_of(outbox(app, "command_result")[-1])
        assert "refused: only managers may use this command" in refused
        # a correction while it waits is what the approved run gets
        deliver(app, member_mail(app, ticket_id, "ops@example.test", "/field user_id goro\n"))
        deliver(app, member_mail(app, ticket_id, "boss@example.test", "/approve\n"))
        [run] = runs(app)
        assert (run["state"], run["trigger"], run["triggered_by"]) == (
            "pending",
            "approved",
            "boss@example.test",
        )
        transcript = text_of(outbox(app, "command_result")[-1])  # the boss reads Japanese
        # the entry by its name (アカウント), as the pages and the other mails name it
        assert f"承認しました: アカウントの自動処理を実行します（実行 #{run['id']}）" in transcript
        assert [d.step for d in drain(app)] == [Step.SUCCEEDED]
        [doc] = documents(log)
        assert (doc["fields"]["user_id"], doc["approved_by"], doc["trigger"]) == (
            "goro",
            "boss@example.test",
            "approved",
        )
        deliver(app, member_mail(app, ticket_id, "boss@example.test", "/approve\n"))
        again = text_of(outbox(app, "command_result")[-1])
        assert f"承認済みです（実行 #{run['id']}: 成功）" in again  # the state in words, too
        assert kinds(app, ticket_id).count("action-approved") == 1
    finally:
        app.close()


def test_approve_is_one_function_for_every_door(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    """The web and chat buttons (later issues) call :func:`trigger.approve`; it checks
    the role itself and says why it refuses."""
    app, _ = recorder_app(settings, clock, tmp_path, "when: approved")
    try:
        ticket_id = deliver(app, mail(subject="account", body="Hello\n")).ticket_id or 0
        with transaction(app.sessions) as s:
            ticket = tickets.get(s, ticket_id)
            assert ticket is not None
            catalog = app.catalog.current
            with pytest.raises(trigger.ApprovalRefused) as not_manager:
                trigger.approve(
                    s,
                    MEMBERS,
                    catalog,
                    ticket,
                    clock.now(),
                    actor="ops@example.test",
                    channel="web",
                )
            assert str(not_manager.value) == "only managers may approve an action"
            with pytest.raises(trigger.ApprovalRefused) as incomplete:
                trigger.approve(
                    s,
                    MEMBERS,
                    catalog,
                    ticket,
                    clock.now(),
                    actor="boss@example.test",
                    channel="web",
                )
            assert str(incomplete.value) == "the sheet is not complete yet: user_id missing"
    finally:
        app.close()


def test_approve_without_an_approval_action_is_refused(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    app, _ = recorder_app(settings, clock, tmp_path)  # when: fields_complete
    try:
        ticket_id = deliver(app, mail(subject="account", body="Hi\n")).ticket_id or 0
        deliver(app, member_mail(app, ticket_id, "boss@example.test", "/approve\n"))
        text = text_of(outbox(app, "command_result")[-1])
        assert "カタログ項目「アカウント」には承認待ちの自動処理がありません" in text
        assert runs(app) == []
    finally:
        app.close()


def test_an_imported_archive_starts_no_action(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    app, log = recorder_app(settings, clock, tmp_path)
    try:
        old = mail(subject="account", body="User ID: old\n", date=datetime(2019, 5, 1, tzinfo=UTC))
        ticket_id = deliver(app, old, bulk=True).ticket_id or 0
        assert runs(app) == [] and drain(app) == [] and recorded(log) == []
        [held] = [e for e in show(app, ticket_id)["events"] if e["kind"] == "action-held"]
        assert "too old to act on" in held["detail"]["reason"]
    finally:
        app.close()


def test_a_retry_keeps_what_a_manager_approved_and_takes_a_correction_otherwise(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    for when, kept in (("approved", True), ("fields_complete", False)):
        folder = tmp_path / when
        folder.mkdir()
        app, _ = recorder_app(settings, clock, folder, f"when: {when}")
        try:
            tid = deliver(app, mail(subject="account", body="User ID: taro\n")).ticket_id
            assert tid is not None
            if when == "approved":
                deliver(app, member_mail(app, tid, "boss@example.test", "/approve\n"))
            [before] = [r for r in runs(app) if r["ticket"] == tid]
            # the requester changes the value after it was approved (or sent)
            to = reply_address(app, tid, "alice@customer.test")  # a reply, not a tag alone
            reply = mail(subject=f"Re: [#{tid}] account", body="User ID: root\n", to=to)
            deliver(app, reply, envelope_to=(to,))
            assert show(app, tid)["fields"]["user_id"] == "root"
            with transaction(app.sessions) as s:
                ticket = tickets.get(s, tid)
                assert ticket is not None
                row = action_runs.find(s, tid, "account")
                assert row is not None
                changed = trigger.corrected_input(s, ticket, app.catalog.current, row)
                sent = json.loads(row.document)["fields"]["user_id"]
        finally:
            app.close()
        assert (changed, sent) == ((False, "taro") if kept else (True, "root")), when
        assert before["state"] == "pending"
