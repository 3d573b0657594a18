"""A run awaiting approval whose ticket was filed elsewhere, withdrawn by one instance's
worker while, on the other instance, a manager files the ticket back and approves it
(one mail), on one PostgreSQL database. Whichever comes first, the approval stands:
the run is released once, never left ``failed`` over the manager's approval, and runs
once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from tests.support.actions import drain, recorded, runs
from tests.support.databases import postgres_only
from tests.support.mails import mail
from tests.support.pipeline import deliver, show
from tests.test_actions_approval_withdrawn import approval_app, member_mail


def _at_once(*calls: Callable[[], object]) -> None:
    """Each call in a thread of its own, let go at the same instant."""
    start = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def run(call: Callable[[], object]) -> None:
        start.wait()
        try:
            call()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors


@postgres_only
def test_a_withdrawal_racing_an_approval_leaves_the_approval_standing(
    settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    first, log = approval_app(settings, clock, tmp_path)
    second, _ = approval_app(settings, clock, tmp_path)
    try:
        for n in range(3):  # a few rounds: either may come first
            body = f"User ID: taro{n}\n"
            tid = deliver(first, mail(subject="account", body=body)).ticket_id or 0
            deliver(first, member_mail(first, tid, "ops@example.test", "/category other\n"))
            back = member_mail(second, tid, "boss@example.test", "/category account\n/approve\n")
            _at_once(partial(drain, first), partial(deliver, second, back))
            drain(first)
            run_of = [r for r in runs(first) if r["ticket"] == tid]
            assert [r["state"] for r in run_of] == ["succeeded"], run_of
            kinds = [e["kind"] for e in show(first, tid)["events"]]
            assert kinds.count("action-approved") == 1, kinds
        assert len(recorded(log)) == 3
    finally:
        first.close()
        second.close()
