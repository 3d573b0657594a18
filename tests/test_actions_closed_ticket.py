"""A run that waits (for its next try, or in the queue) on a ticket closed or merged
meanwhile is not run: the member who did the work by hand and closed the ticket, the
requester who withdrew, the duplicate merged into the ticket whose run does the work,
must not see the account created (again) by a retry an hour later. The run ends failed,
said on the ticket in each reader's language; ``actions retry`` still runs it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from gateway.actions.outcome import Step
from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App
from gateway.tickets import merge
from store import action_runs, tickets
from store.db import transaction
from tests.support.actions import action_app, drain, runs
from tests.support.app import MEMBERS, reply_address
from tests.support.hooks import ERROR, HookServer
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, text_of

SECRET = b"9f2c4e7a1b3d5f6081a2c3e4f5a6b7c8"


@pytest.fixture
def hooks() -> Iterator[HookServer]:
    server = HookServer().start()
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


def request(n: int) -> bytes:
    return mail(
        subject="New account please",
        body="User ID: taro.yamada\n",
        message_id=f"<req-{n}@customer.test>",
    )


def member_mail(app: App, ticket_id: int, member: str, body: str) -> bytes:
    name = {m.email: m.name for m in MEMBERS}[member]
    to = reply_address(app, ticket_id, member)
    return mail(
        subject=f"Re: [#{ticket_id}] account", body=body, sender=f"{name} <{member}>", to=to
    )


def notes(app: App, ticket_id: int) -> list[str]:
    return [e["detail"]["text"] for e in show(app, ticket_id)["events"] if e["kind"] == "note"]


@pytest.mark.parametrize("command", ["/close\n", "/close spam\n"])
def test_a_run_waiting_for_its_next_try_on_a_closed_ticket_is_not_run(
    settings: Settings, clock: FakeClock, tmp_path: Path, hooks: HookServer, command: str
) -> None:
    hooks.answers = [ERROR]
    app = hook_app(settings, clock, tmp_path, hooks.url())
    try:
        ticket_id = deliver(app, request(1)).ticket_id or 0
        [first] = drain(app)
        assert first.step == Step.RETRY  # the target is down; the member does it by hand
        deliver(app, member_mail(app, ticket_id, "ops@example.test", command))
        assert show(app, ticket_id)["state"] == "closed"
        clock.advance(timedelta(hours=1))
        [done] = drain(app)
        assert done.step == Step.FAILED
        assert len(hooks.deliveries) == 1  # never again
        [run] = runs(app)
        assert run["state"] == "failed" and "closed" in run["last_error"]
        assert any("closed" in n or "完了になりました" in n for n in notes(app, ticket_id))
        assert outbox(app, "action_failed") == []  # who closed it knows; nobody is woken
    finally:
        app.close()


def test_a_duplicate_merged_before_its_run_runs_only_the_other(
    settings: Settings, clock: FakeClock, tmp_path: Path, hooks: HookServer
) -> None:
    hooks.answers = [ERROR, ERROR]
    app = hook_app(settings, clock, tmp_path, hooks.url())
    try:
        kept = deliver(app, request(1)).ticket_id or 0
        dup = deliver(app, request(2)).ticket_id or 0
        assert kept != dup
        assert [d.step for d in drain(app)] == [Step.RETRY, Step.RETRY]
        deliver(app, member_mail(app, dup, "ops@example.test", f"/merge #{kept}\n"))
        assert show(app, dup)["state"] == "closed"
        clock.advance(timedelta(hours=1))
        done = drain(app)
        assert sorted((d.ticket_id, d.step) for d in done) == [
            (kept, Step.SUCCEEDED),
            (dup, Step.FAILED),
        ]
        assert len(hooks.deliveries) == 3  # two first tries, then the kept ticket's alone
        [dup_run] = [r for r in runs(app) if r["ticket"] == dup]
        assert f"#{kept}" in dup_run["last_error"]
    finally:
        app.close()


def test_an_approval_on_a_closed_ticket_is_refused_and_nothing_runs(
    settings: Settings, clock: FakeClock, tmp_path: Path, hooks: HookServer
) -> None:
    """The manager approves from an older mail after the ticket was closed: nothing is
    approved, and the manager is told why in their words; the run that waited is
    withdrawn as a queued one is (failed, not run: tests/test_actions_approval_withdrawn.py;
    it used to wait on for ever)."""
    (tmp_path / "hook.secret").write_bytes(SECRET + b"\n")
    action = f"""
        type: webhook
        url: {hooks.url()}
        secret_file: hook.secret
        when: approved
        """
    app = action_app(settings, clock, tmp_path, action)
    try:
        ticket_id = deliver(app, request(1)).ticket_id or 0
        [run] = runs(app)
        assert run["state"] == "awaiting_approval"
        deliver(app, member_mail(app, ticket_id, "ops@example.test", "/close duplicate\n"))
        deliver(app, member_mail(app, ticket_id, "boss@example.test", "/approve\n"))
        [done] = drain(app)
        assert (done.ran, done.attempt) == (False, 0) and hooks.deliveries == []
        [run] = runs(app)
        assert (run["state"], run["attempts"]) == ("failed", 0)
        assert show(app, ticket_id)["state"] == "closed"
        [answer] = [m for m in outbox(app) if m.recipients == ["boss@example.test"]][-1:]
        said = text_of(answer)
        assert "reopen it" in said or "対応中に戻して" in said, said
    finally:
        app.close()


def test_a_merged_runs_work_goes_to_the_ticket_it_went_into(
    settings: Settings, clock: FakeClock, tmp_path: Path, hooks: HookServer
) -> None:
    """Merged from the page or ``tickets merge`` (which do not look at the sheet), the
    duplicate's complete sheet filled the first ticket's missing field, and that ticket
    has no run. The duplicate's waiting run is not run; the work it was for must still
    be done once: the ticket it went into gets its run then."""
    hooks.answers = [ERROR]
    app = hook_app(settings, clock, tmp_path, hooks.url())
    try:
        first = deliver(app, mail(subject="New account please", body="Hello\n")).ticket_id or 0
        dup = deliver(app, request(2)).ticket_id or 0
        assert [r["ticket"] for r in runs(app)] == [dup]  # the first lacks the user id
        assert [d.step for d in drain(app)] == [Step.RETRY]
        with transaction(app.sessions) as s:
            source = tickets.get(s, dup)
            assert source is not None
            merge.merge(
                s,
                source,
                first,
                clock.now(),
                actor="ops@example.test",
                channel="web",
                tag=f"[#{first}]",
                max_watchers=10,
            )
        clock.advance(timedelta(hours=1))
        done = drain(app)
        assert sorted((d.ticket_id, d.step) for d in done) == [
            (first, Step.SUCCEEDED),
            (dup, Step.FAILED),
        ]
        assert [d.json()["ticket"] for d in hooks.deliveries] == [dup, first]
        assert show(app, first)["fields"]["user_id"] == "taro.yamada"
    finally:
        app.close()


@pytest.mark.parametrize(
    ("command", "said", "unsaid"),
    [
        ("/close\n", "対応中に戻してから ticket-gateway actions retry", "失敗"),
        ("/merge #{kept}\n", "に統合されました。自動処理は実行していません（実行 #", "retry"),
    ],
)
def test_a_run_never_tried_is_not_said_to_have_failed_after_an_attempt(
    settings: Settings,
    clock: FakeClock,
    tmp_path: Path,
    hooks: HookServer,
    command: str,
    said: str,
    unsaid: str,
) -> None:
    """Closed (or merged) before its first try: the note in the team's Japanese said
    "failed for good after 1 attempt" of a run never tried, and "actions retry runs it
    again" of one the worker would not run on the closed ticket. It says the run was not
    run, counts no attempt, and for a closed ticket how to run it after all."""
    app = hook_app(settings, clock, tmp_path, hooks.url())
    try:
        kept = deliver(app, request(1)).ticket_id or 0
        ticket_id = deliver(app, request(2)).ticket_id or 0
        with transaction(app.sessions) as s:  # the first ticket's run is not this test's
            for run in runs(app):
                if run["ticket"] == kept:
                    row = action_runs.locked(s, run["id"])
                    assert row is not None
                    row.state = "succeeded"
        member = "ops@example.test"
        deliver(app, member_mail(app, ticket_id, member, command.format(kept=kept)))
        [done] = drain(app)
        assert done.step == Step.FAILED and hooks.deliveries == []
        [run] = [r for r in runs(app) if r["ticket"] == ticket_id]
        assert (run["state"], run["attempts"]) == ("failed", 0)
        [note] = notes(app, ticket_id)
        assert note.startswith("アカウントの自動処理（Webhook）") and said in note, note
        assert unsaid not in note and "回試して" not in note, note
    finally:
        app.close()
