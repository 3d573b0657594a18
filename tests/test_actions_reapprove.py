"""A manager-approved run that failed for good on a wrong value (the directory knows no
such user) had no way back with the value corrected: ``actions retry`` sends what was
approved (deliberately: a manager approved those values, not the new ones), and
``/approve`` answered "already approved (run #1: failed)". Approving it again is the
manager approving the sheet as it is now: the run is queued with it, under a new
idempotency key when the sheet changed (other input is other work)."""

from __future__ import annotations

import json
from pathlib import Path

from gateway.actions.outcome import Step
from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App
from tests.support.actions import action_app, argv_yaml, drain, runs, script
from tests.support.app import MEMBERS, reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, text_of

# records each document, and refuses (exit 65) a user id the directory does not know
DIRECTORY = """
    import json, sys
    data = sys.stdin.buffer.read()
    with open(sys.argv[1], "ab") as log:
        log.write(data + b"\\n")
    user = json.loads(data)["fields"]["user_id"]
    if user != "hanako":
        print(f"no such user: {user}", file=sys.stderr)
        sys.exit(65)
    print(json.dumps({"account": user}))
"""


def member_mail(app: App, ticket_id: int, member: str, body: str) -> bytes:
    name = {m.email: m.name for m in MEMBERS}[member]
    to = reply_address(app, ticket_id, member)
    return mail(
        subject=f"Re: [#{ticket_id}] account", body=body, sender=f"{name} <{member}>", to=to
    )


def test_a_failed_approved_run_is_approved_again_with_the_corrected_sheet(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    log = tmp_path / "runs.jsonl"
    argv = [*script(tmp_path, "directory.py", DIRECTORY), str(log)]
    action = f"type: command\nargv: {argv_yaml(argv)}\nwhen: approved\nretries: 0\n"
    app = action_app(settings, clock, tmp_path, action)
    try:
        ticket_id = deliver(app, mail(subject="account", body="User ID: hanak0\n")).ticket_id or 0
        deliver(app, member_mail(app, ticket_id, "boss@example.test", "/approve\n"))
        assert [d.step for d in drain(app)] == [Step.FAILED]  # no such user: hanak0
        [failed] = runs(app)
        deliver(app, member_mail(app, ticket_id, "ops@example.test", "/field user_id hanako\n"))
        deliver(app, member_mail(app, ticket_id, "boss@example.test", "/approve\n"))
        [run] = runs(app)
        assert (run["state"], run["attempts"]) == ("pending", 0)
        assert run["idempotency_key"] != failed["idempotency_key"]  # other input, other work
        answer = text_of(outbox(app, "command_result")[-1])  # the boss reads Japanese
        assert f"承認しました: アカウントの自動処理を実行します（実行 #{run['id']}）" in answer
        assert [d.step for d in drain(app)] == [Step.SUCCEEDED]
        sent = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
        assert [d["fields"]["user_id"] for d in sent] == ["hanak0", "hanako"]
        assert sent[1]["approved_by"] == "boss@example.test"
        assert sent[1]["idempotency_key"] == run["idempotency_key"]
        kinds = [e["kind"] for e in show(app, ticket_id)["events"]]
        assert kinds.count("action-approved") == 2
        # succeeded now: approving again is refused, as before
        deliver(app, member_mail(app, ticket_id, "boss@example.test", "/approve\n"))
        assert f"承認済みです（実行 #{run['id']}: 成功）" in text_of(
            outbox(app, "command_result")[-1]
        )
        assert drain(app) == []
    finally:
        app.close()


def test_approved_again_unchanged_the_run_keeps_its_key(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    """The receiver was down (a failure for good after its tries): approving again sends
    the same work, under the same key, so a receiver that did it once does not redo it."""
    log = tmp_path / "runs.jsonl"
    argv = [*script(tmp_path, "directory.py", DIRECTORY), str(log)]
    action = f"type: command\nargv: {argv_yaml(argv)}\nwhen: approved\nretries: 0\n"
    app = action_app(settings, clock, tmp_path, action)
    try:
        ticket_id = deliver(app, mail(subject="account", body="User ID: jiro\n")).ticket_id or 0
        deliver(app, member_mail(app, ticket_id, "boss@example.test", "/approve\n"))
        assert [d.step for d in drain(app)] == [Step.FAILED]
        [failed] = runs(app)
        deliver(app, member_mail(app, ticket_id, "boss@example.test", "/approve\n"))
        [run] = runs(app)
        assert run["state"] == "pending"
        assert run["idempotency_key"] == failed["idempotency_key"]
    finally:
        app.close()
