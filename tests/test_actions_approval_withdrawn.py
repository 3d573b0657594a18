"""A run waiting for a manager's approval, on a ticket that is then filed under another
entry, closed or merged: it is withdrawn as a queued run is (``failed``, not run, no
try counted, a note saying why and how to run it after all).

It stayed ``awaiting_approval`` for ever: ``actions list --state awaiting_approval`` and
``status`` counted it as work waiting for a manager, the ticket page kept its "Approve
the action" button, and an approval given later (the ticket filed back, or reopened)
ran what was asked long ago as if it had been waiting all along, with no trace that the
request had been withdrawn meanwhile. Now it ends when its ticket leaves it, and a later
``/approve`` is a new decision (``was: failed`` in its event)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from gateway.actions.outcome import Step
from gateway.chat.approval import Standing
from gateway.chat.ticket_facts import approval_of
from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App
from gateway.runtime.cli.actions import cmd_actions_retry
from gateway.runtime.cli.common import EX_DATAERR
from store import tickets
from store.db import transaction
from tests.support.actions import RECORDER, action_app, argv_yaml, drain, recorded, runs, script
from tests.support.app import MEMBERS, reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, show


def member_mail(app: App, ticket_id: int, member: str, body: str) -> bytes:
    name = {m.email: m.name for m in MEMBERS}[member]
    to = reply_address(app, ticket_id, member)
    return mail(
        subject=f"Re: [#{ticket_id}] account", body=body, sender=f"{name} <{member}>", to=to
    )


def approval_app(settings: Settings, clock: FakeClock, tmp_path: Path) -> tuple[App, Path]:
    log = tmp_path / "ran.jsonl"
    argv = [*script(tmp_path, "record.py", RECORDER), str(log)]
    action = f"type: command\nargv: {argv_yaml(argv)}\nwhen: approved\n"
    return action_app(settings, clock, tmp_path, action), log


@pytest.mark.parametrize(
    ("command", "said", "how"),
    [
        ("/category other\n", "その他", "/category"),  # the request was not account's
        ("/close\n", "解決", "対応中に戻して"),  # done by hand
        ("/close spam\n", "迷惑", "対応中に戻して"),  # never a request
    ],
)
def test_a_run_awaiting_approval_is_withdrawn_when_its_ticket_leaves_it(
    settings: Settings,
    clock: FakeClock,
    tmp_path: Path,
    command: str,
    said: str,
    how: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    app, log = approval_app(settings, clock, tmp_path)
    try:
        ticket_id = deliver(app, mail(subject="account", body="User ID: taro\n")).ticket_id or 0
        [waiting] = runs(app)
        assert waiting["state"] == "awaiting_approval"
        deliver(app, member_mail(app, ticket_id, "ops@example.test", command))
        [done] = drain(app)
        assert (done.step, done.ran, done.attempt) == (Step.FAILED, False, 0)
        [run] = runs(app)
        assert (run["state"], run["attempts"]) == ("failed", 0), run
        assert run["last_error"], run
        notes = [e for e in show(app, ticket_id)["events"] if e["kind"] == "note"]
        text = notes[-1]["detail"]["text"]  # in the team's language (ja)
        assert said in text and how in text and "/approve" in text, text
        assert "actions retry" not in text, text  # it was never approved: nothing to retry
        assert drain(app) == []  # once
        # never approved, it has no document to send: a retry is refused, not run empty
        capsys.readouterr()
        assert cmd_actions_retry(argparse.Namespace(id=run["id"]), app.settings) == EX_DATAERR
        assert "/approve" in capsys.readouterr().err
        assert recorded(log) == []
    finally:
        app.close()


def test_filed_back_a_withdrawn_run_runs_on_a_new_approval(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    app, log = approval_app(settings, clock, tmp_path)
    try:
        ticket_id = deliver(app, mail(subject="account", body="User ID: taro\n")).ticket_id or 0
        deliver(app, member_mail(app, ticket_id, "ops@example.test", "/category other\n"))
        drain(app)
        deliver(app, member_mail(app, ticket_id, "ops@example.test", "/category account\n"))
        assert drain(app) == []  # filed back: it waits for a manager again, nothing runs
        deliver(app, member_mail(app, ticket_id, "boss@example.test", "/approve\n"))
        [approved] = [e for e in show(app, ticket_id)["events"] if e["kind"] == "action-approved"]
        assert approved["detail"]["was"] == "failed"  # a new decision, on the record
        [done] = drain(app)
        assert done.step == Step.SUCCEEDED
        assert len(recorded(log)) == 1
    finally:
        app.close()


def test_a_merged_tickets_waiting_run_is_withdrawn(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    app, log = approval_app(settings, clock, tmp_path)
    try:
        first = deliver(app, mail(subject="account", body="User ID: taro\n")).ticket_id or 0
        second = deliver(app, mail(subject="account", body="User ID: hanako\n")).ticket_id or 0
        assert [r["state"] for r in runs(app)] == ["awaiting_approval"] * 2
        deliver(app, member_mail(app, second, "ops@example.test", f"/merge {first}\n"))
        assert show(app, second)["merged_into"] == first
        [done] = drain(app)
        assert (done.run_id, done.step, done.ran) == (runs(app)[1]["id"], Step.FAILED, False)
        assert [r["state"] for r in runs(app)] == ["awaiting_approval", "failed"]
        assert recorded(log) == []
    finally:
        app.close()


@pytest.mark.parametrize(
    ("command", "standing"),
    [("/close\n", Standing.CLOSED), (None, Standing.AWAITING)],
)
def test_the_slack_card_does_not_call_a_withdrawn_run_approved(
    settings: Settings,
    clock: FakeClock,
    tmp_path: Path,
    command: str | None,
    standing: Standing,
) -> None:
    """The card reads the run of the ticket's entry: withdrawn, it is ``failed`` and no
    longer waiting, which the card took for "approved by" whoever completed the sheet
    (the requester). Never approved, it says the ticket was closed; reopened, it offers
    Approve again (a manager's /approve runs it)."""
    app, _log = approval_app(settings, clock, tmp_path)
    try:
        ticket_id = deliver(app, mail(subject="account", body="User ID: taro\n")).ticket_id or 0
        deliver(app, member_mail(app, ticket_id, "ops@example.test", "/close\n"))
        drain(app)
        if command is None:  # reopened
            deliver(app, member_mail(app, ticket_id, "ops@example.test", "/open\n"))
        with transaction(app.sessions) as s:
            ticket = tickets.get(s, ticket_id)
            assert ticket is not None
            stands = approval_of(s, app.settings, app.catalog.current, ticket)
        assert stands.standing == standing, stands
    finally:
        app.close()
