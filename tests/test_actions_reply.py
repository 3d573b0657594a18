"""The team's ``on_success`` reply is their template, filled with what the action
answered: one that cannot be rendered with this answer (a value the action did not
return, a template removed since ``catalog check``) must not undo the success.

It once did: the outcome's transaction failed, the run stayed ``running`` until its
lease ran out, the action ran again (an account created three times) and the run ended
"failed: the worker died", with a mail telling the assignee to retry it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from gateway.actions.outcome import Step
from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App
from tests.support.actions import action_app, drain, runs
from tests.support.hooks import HookServer
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, text_of

REQUEST = mail(subject="New account please", body="Hello,\nUser ID: taro.yamada\n")


@pytest.fixture
def hooks() -> Iterator[HookServer]:
    server = HookServer(reply={"ok": True}).start()  # no "account" in the answer
    yield server
    server.stop()


def team_templates(folder: Path, body: str) -> Path:
    for locale in ("en", "ja"):
        (folder / locale).mkdir(parents=True)
        (folder / locale / "account_created.subject.j2").write_text("Ready\n", encoding="utf-8")
        (folder / locale / "account_created.txt.j2").write_text(body, encoding="utf-8")
    return folder


def reply_app(settings: Settings, clock: FakeClock, tmp_path: Path, url: str) -> App:
    (tmp_path / "hook.secret").write_bytes(b"hook-secret-0123456789\n")
    action = f"""
        type: webhook
        url: {url}
        secret_file: hook.secret
        timeout: 2s
        on_success: {{state: pending, reply: account_created}}
        on_failure: {{notify: assignee}}
        """
    team = team_templates(tmp_path / "team", "Account {{ result.account }} is ready.\n")
    return action_app(settings, clock, tmp_path, action, templates_dir=team)


def test_a_reply_that_cannot_be_rendered_leaves_the_run_succeeded_and_says_why(
    settings: Settings, clock: FakeClock, tmp_path: Path, hooks: HookServer
) -> None:
    app = reply_app(settings, clock, tmp_path, hooks.url())
    try:
        ticket_id = deliver(app, REQUEST).ticket_id or 0
        [done] = drain(app)
        assert done.step == Step.SUCCEEDED and done.recorded
        [run] = runs(app)
        assert (run["state"], run["attempts"]) == ("succeeded", 1)
        clock.advance(timedelta(hours=1))  # far past any lease: nothing runs it again
        assert drain(app) == []
        assert len(hooks.deliveries) == 1
        assert not outbox(app, "action_failed")
        t = show(app, ticket_id)
        assert t["state"] == "pending"
        assert not outbox(app, "action_reply")
        [event] = [e for e in t["events"] if e["kind"] == "action-reply-failed"]
        assert event["detail"]["run"] == run["id"]
        assert event["detail"]["template"] == "account_created"
        assert "account" in event["detail"]["error"]
        # the requester still hears that the ticket waits for them, from our own template
        assert [m.recipients for m in outbox(app, "status_change")] == [["alice@customer.test"]]
        notes = [e["detail"]["text"] for e in t["events"] if e["kind"] == "note"]
        assert not any("account_created" in n for n in notes)  # the event says it, once
    finally:
        app.close()


def test_the_recipient_reads_as_their_name_in_the_teams_template(
    settings: Settings, clock: FakeClock, tmp_path: Path, hooks: HookServer
) -> None:
    # what a team writes first; it printed "Person(email='alice@…', name='Alice Example')"
    (tmp_path / "hook.secret").write_bytes(b"hook-secret-0123456789\n")
    action = f"""
        type: webhook
        url: {hooks.url()}
        secret_file: hook.secret
        on_success: {{reply: account_created}}
        """
    team = team_templates(tmp_path / "team", "Dear {{ recipient }}, done.\n")
    app = action_app(settings, clock, tmp_path, action, templates_dir=team)
    try:
        deliver(app, REQUEST)
        drain(app)
        [reply] = outbox(app, "action_reply")
        assert "Dear Alice Example, done." in text_of(reply)
    finally:
        app.close()


@pytest.mark.parametrize(
    "answer",
    [
        b"[" * 3000,  # nested past the JSON parser's recursion limit, within output_limit
        b'{"a":[' * 680,  # objects in lists, the same depth
    ],
)
def test_an_answer_nested_too_deep_is_no_result_not_a_crash(
    settings: Settings, clock: FakeClock, tmp_path: Path, answer: bytes
) -> None:
    """Reading the answer's ``result`` raised RecursionError out of the outcome's
    transaction: the run stayed ``running`` past its lease and the target was called
    again for the same request. Such an answer is no JSON object: the reply says its
    ``result`` lacks the value, once, and the run is a success."""
    server = HookServer(body=answer).start()
    try:
        app = reply_app(settings, clock, tmp_path, server.url())
        try:
            ticket_id = deliver(app, REQUEST).ticket_id or 0
            [done] = drain(app)
            assert done.step == Step.SUCCEEDED and done.recorded
            clock.advance(timedelta(hours=1))
            assert drain(app) == [] and len(server.deliveries) == 1
            events = show(app, ticket_id)["events"]
            assert [e["kind"] for e in events].count("action-reply-failed") == 1
        finally:
            app.close()
    finally:
        server.stop()


def test_lone_surrogates_in_the_answer_reach_the_reply_as_replacement_characters(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    """``{"account": "\\ud800taro"}`` is valid JSON whose string holds no character: the
    reply's mail could not be encoded, and the requester got no reply for an action that
    had worked. The value is read with U+FFFD in its place, as undecodable bytes are."""
    server = HookServer(body=b'{"account": "\\ud800taro\\udc00"}').start()
    try:
        app = reply_app(settings, clock, tmp_path, server.url())
        try:
            deliver(app, REQUEST)
            [done] = drain(app)
            assert done.step == Step.SUCCEEDED
            [reply] = outbox(app, "action_reply")
            assert "Account \ufffdtaro\ufffd is ready." in text_of(reply)
        finally:
            app.close()
    finally:
        server.stop()


def test_an_answer_naming_states_and_fields_changes_neither(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    """What a target answers is its ``result`` for the team's reply, nothing more: a
    ``state`` (one that exists or not), ``fields`` or a field's name in it move no state
    and correct no sheet; the catalog's ``on_success`` does."""
    answer = {
        "account": "taro",
        "state": "closed",
        "close_reason": "spam",
        "user_id": "mallory",
        "fields": {"user_id": "mallory", "not_a_field": "x"},
        "plan": "enterprise",
    }
    server = HookServer(reply=answer).start()
    try:
        app = reply_app(settings, clock, tmp_path, server.url())
        try:
            ticket_id = deliver(app, REQUEST).ticket_id or 0
            [done] = drain(app)
            assert done.step == Step.SUCCEEDED
            t = show(app, ticket_id)
            assert t["state"] == "pending"  # on_success's, not the answer's "closed"
            assert t["fields"]["user_id"] == "taro.yamada" and "not_a_field" not in t["fields"]
            [reply] = outbox(app, "action_reply")
            assert "Account taro is ready." in text_of(reply)
        finally:
            app.close()
    finally:
        server.stop()
