"""The managers' summary counts per member by address, as the board does: two members
who share a name (two Satos in one team) are two rows, each with their own counts, not
one row that took one of them (its SLA counts were the last one's: the other's overdue
tickets vanished from the summary, while the board listed them)."""

from __future__ import annotations

from datetime import timedelta

from gateway.config.settings import Member, Settings
from gateway.core.clock import FakeClock
from gateway.tickets import changes
from store import tickets
from store.db import transaction
from tests.support.mails import mail
from tests.support.pipeline import deliver
from tests.support.scheduling import weekly_summary
from tests.support.web import rig

TEAM = (
    Member(email="ops@example.test", name="Sato", role="ops", locale="en"),
    Member(email="ops2@example.test", name="Sato", role="ops", locale="en"),
    Member(email="boss@example.test", name="Boss", role="manager", locale="en"),
)


def test_members_of_one_name_keep_their_own_counts(settings: Settings, clock: FakeClock) -> None:
    with rig(settings, clock, members=TEAM) as r:
        for n, (who, many) in enumerate([("ops@example.test", 1), ("ops2@example.test", 2)]):
            for k in range(many):
                out = deliver(r.app, mail(subject=f"VPN down {n}.{k}", body="VPN\n"))
                with transaction(r.app.sessions) as s:
                    t = tickets.get(s, out.ticket_id or 0)
                    assert t is not None
                    changes.assign(s, t, who, clock.now(), actor="t", channel="cli")
        clock.advance(timedelta(hours=5))  # past vpn's 4-hour first response: all overdue
        summary = weekly_summary(r.app)
    rows = sorted((c.name, c.count) for c in summary.by_assignee)
    assert rows == [("Sato (ops2@example.test)", 2), ("Sato (ops@example.test)", 1)]
    sla = sorted((c.name, c.overdue) for c in summary.sla_by_assignee)
    assert sla == [("Sato (ops2@example.test)", 2), ("Sato (ops@example.test)", 1)]
