"""An action's answer ``{"created": true}`` reaches the team's reply as a boolean.

The ``result`` a reply template sees kept a JSON object's strings and numbers and left
its booleans out: ``{% if result.created %}`` failed on a value "not there" (StrictUndefined),
the requester got no reply and the ticket an ``action-reply-failed`` event, for an
action that had worked and said so. ``true`` and ``false`` are kept as booleans, so a
template's ``if`` reads them as the action meant (as text, ``"false"`` was true).
"""

from __future__ import annotations

from pathlib import Path

from gateway.actions.outcome import Attempt, Step, Verdict
from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from tests.support.actions import action_app, drain
from tests.support.hooks import HookServer
from tests.support.pipeline import deliver, outbox, show, text_of
from tests.test_actions_reply import REQUEST, team_templates

BODY = (
    "Account {{ result.account }}: "
    "{% if result.created %}made now{% else %}there before{% endif %}, "
    "{% if result.locked %}locked{% else %}usable{% endif %}.\n"
)


def test_booleans_of_the_answer_are_kept_as_booleans() -> None:
    answer = b'{"account": "taro", "created": true, "locked": false, "n": 3, "x": null}'
    attempt = Attempt(Verdict.OK, 200, "", answer.decode(), 0.1, result=answer.decode())
    values = attempt.values()
    assert values["created"] is True and values["locked"] is False
    assert values["account"] == "taro" and values["n"] == "3"


def test_the_reply_reads_the_answers_booleans(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    server = HookServer(reply={"account": "taro", "created": True, "locked": False}).start()
    try:
        (tmp_path / "hook.secret").write_bytes(b"hook-secret-0123456789\n")
        action = f"""
            type: webhook
            url: {server.url()}
            secret_file: hook.secret
            timeout: 30s
            on_success: {{state: pending, reply: account_created}}
            """
        team = team_templates(tmp_path / "team", BODY)
        app = action_app(settings, clock, tmp_path, action, templates_dir=team)
        try:
            ticket_id = deliver(app, REQUEST).ticket_id or 0
            [done] = drain(app)
            assert done.step == Step.SUCCEEDED
            kinds = [e["kind"] for e in show(app, ticket_id)["events"]]
            assert "action-reply-failed" not in kinds
            [reply] = outbox(app, "action_reply")
            assert "Account taro: made now, usable." in text_of(reply)
        finally:
            app.close()
    finally:
        server.stop()


def test_an_answer_cut_at_the_limit_says_why_the_reply_lacks_its_values(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    """A JSON answer longer than ``[actions] output_limit`` (4096 bytes here) is kept cut,
    so it is no JSON object and the reply had no ``result``: the ticket said only that
    ``result.account`` was undefined, and nobody could tell the limit was the cause. The
    ``action-reply-failed`` event now names the limit and the key to raise."""
    answer = {"account": "taro", "log": "x" * 10_000}
    server = HookServer(reply=answer).start()
    try:
        (tmp_path / "hook.secret").write_bytes(b"hook-secret-0123456789\n")
        action = f"""
            type: webhook
            url: {server.url()}
            secret_file: hook.secret
            timeout: 30s
            on_success: {{state: pending, reply: account_created}}
            """
        team = team_templates(tmp_path / "team", "Account {{ result.account }} is ready.\n")
        app = action_app(settings, clock, tmp_path, action, templates_dir=team)
        try:
            ticket_id = deliver(app, REQUEST).ticket_id or 0
            [done] = drain(app)
            assert done.step == Step.SUCCEEDED
            [failed] = [
                e for e in show(app, ticket_id)["events"] if e["kind"] == "action-reply-failed"
            ]
            error = failed["detail"]["error"]
            assert "output_limit" in error and "4096" in error, error
            assert outbox(app, "action_reply") == []
        finally:
            app.close()
    finally:
        server.stop()
