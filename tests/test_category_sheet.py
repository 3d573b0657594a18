"""A member's ``/category ENTRY`` files the ticket as ``catalog refile`` would: the new
entry's parameter sheet takes the values the request already holds (never over a
value the ticket has), through the same code refile uses; a sheet completed that way
starts the entry's action like a sheet completed by the request, a reply or ``/field``.

The story: a request for an account falls to "other" because it never says
"account"; the member who reads it files it under ``account`` by reply, and the user
id the requester wrote in the first mail is not asked for again.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gateway.actions.outcome import Step
from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App
from tests.support.actions import RECORDER, action_app, argv_yaml, drain, recorded, runs, script
from tests.support.app import MEMBERS, reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, text_of

REQUEST = mail(
    subject="New colleague from April",
    body="Hello,\nplease set up our new colleague.\nUser ID: taro.yamada\nSeats: 2\n",
)


def recorder_app(settings: Settings, clock: FakeClock, tmp_path: Path) -> tuple[App, Path]:
    log = tmp_path / "runs.jsonl"
    argv = [*script(tmp_path, "record.py", RECORDER), str(log)]
    return action_app(settings, clock, tmp_path, f"type: command\nargv: {argv_yaml(argv)}"), log


def member_mail(app: App, ticket_id: int, body: str, member: str = "ops@example.test") -> bytes:
    """A member's verified reply (to the reply-token address issued to them)."""
    name = {m.email: m.name for m in MEMBERS}[member]
    to = reply_address(app, ticket_id, member)
    return mail(subject=f"Re: [#{ticket_id}]", body=body, sender=f"{name} <{member}>", to=to)


def field_events(app: App, ticket_id: int) -> list[dict[str, Any]]:
    return [e for e in show(app, ticket_id)["events"] if e["kind"] == "field"]


def test_category_takes_the_requests_values_and_starts_the_action(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    app, log = recorder_app(settings, clock, tmp_path)
    try:
        ticket_id = deliver(app, REQUEST).ticket_id or 0
        assert show(app, ticket_id)["catalog"] == "other"
        assert show(app, ticket_id)["fields"] == {} and runs(app) == []

        deliver(app, member_mail(app, ticket_id, "/category account\n"))

        t = show(app, ticket_id)
        assert t["catalog"] == "account"
        assert t["fields"] == {"user_id": "taro.yamada", "seats": "2"}
        assert {
            (e["detail"]["name"], e["detail"]["source"], e["actor"])
            for e in field_events(app, ticket_id)
        } == {
            ("user_id", "category", "ops@example.test"),
            ("seats", "category", "ops@example.test"),
        }
        # complete now: the action starts as for any sheet completed another way
        [run] = runs(app)
        assert (run["state"], run["triggered_by"]) == ("pending", "ops@example.test")
        assert [d.step for d in drain(app)] == [Step.SUCCEEDED]
        [document] = recorded(log)
        assert json.loads(document["stdin"])["fields"]["user_id"] == "taro.yamada"
        # the member's transcript says what the request gave
        [transcript] = outbox(app, "command_result")
        text = text_of(transcript)
        assert "filed under Accounts (account)" in text  # its name, and the id typed
        assert "user_id" in text and "seats" in text
    finally:
        app.close()


def test_category_never_overwrites_a_value_the_ticket_has(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    app, _ = recorder_app(settings, clock, tmp_path)
    try:
        ticket_id = deliver(app, REQUEST).ticket_id or 0
        deliver(app, member_mail(app, ticket_id, "/category account\n/field user_id hanako\n"))
        assert show(app, ticket_id)["fields"]["user_id"] == "hanako"
        # filed elsewhere and back: the member's correction stays
        deliver(app, member_mail(app, ticket_id, "/category other\n"))
        deliver(app, member_mail(app, ticket_id, "/category account\n"))
        t = show(app, ticket_id)
        assert t["catalog"] == "account"
        assert t["fields"] == {"user_id": "hanako", "seats": "2"}
        assert len(runs(app)) == 1  # one run per ticket and entry
    finally:
        app.close()


def test_category_without_request_values_fills_nothing(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    app, _ = recorder_app(settings, clock, tmp_path)
    try:
        ticket_id = deliver(app, mail(subject="Help", body="Something is odd.\n")).ticket_id or 0
        deliver(app, member_mail(app, ticket_id, "/category account\n"))
        t = show(app, ticket_id)
        assert (t["catalog"], t["fields"]) == ("account", {})
        assert runs(app) == []
        [transcript] = outbox(app, "command_result")
        assert "applied: filed under Accounts (account)\n" in text_of(transcript) + "\n"
    finally:
        app.close()
