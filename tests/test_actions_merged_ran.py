"""A duplicate whose action ran, merged into the requester's first ticket: the first mail
lacked the user ID, the second (a new ticket) held it and its run made the account. The
merge fills the first ticket's sheet from the duplicate's; that must not start the
action again under a new idempotency key (a second account): the work was done, by the
run of a ticket that is now part of this one. It is held, said as an ``action-held``
event naming that run, and a member decides."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.actions import trigger
from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runner import filing
from gateway.runtime.app import App
from store import tickets
from store.db import transaction
from tests.support.actions import RECORDER, action_app, argv_yaml, drain, recorded, runs, script
from tests.support.app import MEMBERS, reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, show


def member_mail(app: App, ticket_id: int, body: str) -> bytes:
    member = "ops@example.test"
    name = {m.email: m.name for m in MEMBERS}[member]
    to = reply_address(app, ticket_id, member)
    return mail(
        subject=f"Re: [#{ticket_id}] account", body=body, sender=f"{name} <{member}>", to=to
    )


def test_a_merge_that_completes_the_sheet_with_a_ran_duplicates_values_runs_nothing_again(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    log = tmp_path / "ran.jsonl"
    argv = [*script(tmp_path, "record.py", RECORDER), str(log)]
    app = action_app(settings, clock, tmp_path, f"type: command\nargv: {argv_yaml(argv)}\n")
    try:
        first = deliver(app, mail(subject="New account please", body="Hello.\n")).ticket_id or 0
        second = deliver(
            app,
            mail(subject="account", body="User ID: taro\n", message_id="<second@customer.test>"),
        ).ticket_id
        assert second is not None and second != first
        assert [d.step.value for d in drain(app)] == ["succeeded"]  # the account is made
        assert len(recorded(log)) == 1

        deliver(app, member_mail(app, second, f"/merge #{first}\n"))

        t = show(app, first)
        assert t["fields"]["user_id"] == "taro"  # the merge filled the sheet
        drain(app)
        assert len(recorded(log)) == 1  # not made twice
        assert [r["ticket"] for r in runs(app)] == [second]
        [held] = [e for e in t["events"] if e["kind"] == "action-held"]
        assert f"#{second}" in held["detail"]["reason"], held
    finally:
        app.close()


def test_approving_the_merged_into_ticket_says_why_it_is_held(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    """With ``when: approved``, the duplicate's approved run made the account; a manager's
    ``/approve`` on the ticket it went into is refused with that reason, not "the action
    could not be queued; try again" (a try again that never queues it)."""
    log = tmp_path / "ran.jsonl"
    argv = [*script(tmp_path, "record.py", RECORDER), str(log)]
    action = f"type: command\nargv: {argv_yaml(argv)}\nwhen: approved\n"
    app = action_app(settings, clock, tmp_path, action)
    try:
        first = deliver(app, mail(subject="New account please", body="Hello.\n")).ticket_id or 0
        second = deliver(
            app,
            mail(subject="account", body="User ID: taro\n", message_id="<second@customer.test>"),
        ).ticket_id
        assert second is not None
        with transaction(app.sessions) as s:
            ticket = tickets.get(s, second)
            assert ticket is not None
            trigger.approve(
                s,
                MEMBERS,
                app.catalog.current,
                ticket,
                clock.now(),
                actor="boss@example.test",
                channel="mail",
            )
        assert [d.step.value for d in drain(app)] == ["succeeded"]
        deliver(app, member_mail(app, second, f"/merge #{first}\n"))
        with transaction(app.sessions) as s:
            ticket = tickets.get(s, first)
            assert ticket is not None
            with pytest.raises(trigger.ApprovalRefused) as refused:
                trigger.approve(
                    s,
                    MEMBERS,
                    app.catalog.current,
                    ticket,
                    clock.now(),
                    actor="boss@example.test",
                    channel="mail",
                )
        assert f"ticket #{second} merged into it ran the action" in str(refused.value.reason)
        assert len(recorded(log)) == 1
    finally:
        app.close()


def test_refile_foresees_the_hold_of_a_merged_tickets_run(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    """The first ticket filed under the fallback, the duplicate that ran merged into it:
    ``catalog refile`` moving it to the entry says (dry run and ``--apply`` alike, by
    ``held_by``) that the action does not start and why; it said it started, with no
    run, as the move's own write held it."""
    log = tmp_path / "ran.jsonl"
    argv = [*script(tmp_path, "record.py", RECORDER), str(log)]
    app = action_app(settings, clock, tmp_path, f"type: command\nargv: {argv_yaml(argv)}\n")
    try:
        first = deliver(app, mail(subject="Hello", body="Please help.\n")).ticket_id or 0
        assert show(app, first)["catalog"] == "other"
        second = deliver(
            app,
            mail(subject="account", body="User ID: taro\n", message_id="<second@customer.test>"),
        ).ticket_id
        assert second is not None
        assert [d.step.value for d in drain(app)] == ["succeeded"]
        deliver(app, member_mail(app, second, f"/merge #{first}\n"))
        with transaction(app.sessions) as s:
            held = filing.held_by(s, first, "account")
        assert held is not None and f"ticket #{second} merged into it" in str(held)
    finally:
        app.close()
