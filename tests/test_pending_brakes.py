"""The pending reminder is automatic mail to the requester, and it keeps the brakes
the status mails keep: none to a requester whose request was automated (a monitoring
alert) or imported, none to an address that never reads answers or is our own. Why
not is recorded on the ticket, once. (It is not under the hourly rate limit: time
sends it, not an incoming mail, so it cannot loop.)"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from gateway.config.settings import ScheduleSettings, Settings
from gateway.core.clock import FakeClock
from gateway.core.model import TicketState
from gateway.runtime.app import App
from gateway.scheduling import scheduler
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show
from tests.support.scheduling import make_app, scheduled_settings, set_state

DAY = timedelta(days=1)


@pytest.fixture
def gw(settings: Settings, tmp_path: Path, clock: FakeClock) -> Iterator[App]:
    app = make_app(scheduled_settings(settings, tmp_path, ScheduleSettings(digest="off")), clock)
    yield app
    app.close()


def _reasons(app: App, tid: int) -> list[str]:
    return [
        e["detail"]["reason"]
        for e in show(app, tid)["events"]
        if e["kind"] == "no-auto-answer" and e["detail"].get("mail") == "pending_reminder"
    ]


@pytest.mark.parametrize(
    ("sender", "headers"),
    [
        ("alerts@monitor.test", {"Auto-Submitted": "auto-generated"}),
        ("no_reply@vendor.test", {}),
    ],
)
def test_no_pending_reminder_to_a_machine(
    gw: App, clock: FakeClock, sender: str, headers: dict[str, str]
) -> None:
    out = deliver(gw, mail(subject="Purchase order 4711 failed", sender=sender, headers=headers))
    assert out.ticket_id is not None
    set_state(gw, out.ticket_id, TicketState.PENDING)  # waiting on the vendor
    for _ in range(3):
        clock.advance(DAY)
        scheduler.tick(gw)
    assert outbox(gw, "pending_reminder") == []
    assert len(_reasons(gw, out.ticket_id)) == 1
