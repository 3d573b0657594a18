"""A member taken out of ``[[members]]`` (they left the team) keeps the assignee column
of their open tickets. Those tickets must not go quiet: the requester's reply, the
stale reminder and the SLA notice go to the entry's manager, and every member's
digest lists them with the tickets nobody has, until someone takes them."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from gateway.config.settings import Member, ScheduleSettings, Settings
from gateway.core.clock import FakeClock
from gateway.notify import views
from gateway.runtime.app import App
from gateway.scheduling import digest, scheduler
from store.db import transaction
from tests.support.app import MEMBERS, reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show
from tests.support.scheduling import (
    make_app,
    open_ticket,
    scheduled_settings,
    send,
    weekly_summary,
)

DAY = timedelta(days=1)

BEFORE = """
entries:
  - id: purchase
    name: {ja: 購入申請, en: Purchase requests}
    keywords: [{term: purchase, weight: 3}]
    assignee: [ops2@example.test, ops@example.test]
    manager: boss@example.test
    stale_after: 3d
    sla: {resolve: 2d}
  - id: other
    name: {ja: その他, en: Other}
    fallback: true
    manager: boss@example.test
"""
AFTER = BEFORE.replace("[ops2@example.test, ops@example.test]", "[ops@example.test]")


def test_the_tickets_of_a_member_who_left_go_to_the_manager(
    settings: Settings, tmp_path: Path, clock: FakeClock
) -> None:
    schedule = ScheduleSettings(digest="off")
    first = make_app(scheduled_settings(settings, tmp_path, schedule, BEFORE), clock)
    try:
        tid = open_ticket(first, "Purchase: a chair", key="left-1")
        assert show(first, tid)["assignee"] == "ops2@example.test"
    finally:
        first.close()
    team = tuple(m for m in MEMBERS if m.email != "ops2@example.test")
    later = scheduled_settings(settings, tmp_path, schedule, AFTER)
    app = make_app(replace(later, members=team), clock)
    try:
        clock.advance(DAY)
        deliver(
            app,
            mail(
                subject=f"Re: [#{tid}] Purchase: a chair",
                body="Any news? It is for the new colleague.\n",
                to=reply_address(app, tid, "alice@customer.test"),
                message_id="<left-2@customer.test>",
            ),
        )
        clock.advance(timedelta(minutes=30))  # past the notices' coalescing window
        [notice] = [r for r in outbox(app, "ticket_notice") if r.ticket_id == tid]
        assert notice.recipients == ["boss@example.test"]
        clock.advance(3 * DAY)
        scheduler.tick(app)
        assert [r.recipients for r in outbox(app, "stale_reminder")] == [["boss@example.test"]]
        assert [r.recipients for r in outbox(app, "sla_overdue")] == [["boss@example.test"]]
        with transaction(app.sessions) as s:
            ctx = scheduler.context(app)
            mails = digest.build(s, ctx, clock.now(), digest.manual_run(clock.now(), ctx.tz))
        digests = {m.view.recipient.email: m.view for m in mails}
        ops = digests["ops@example.test"]
        assert isinstance(ops, views.WeeklyDigest)
        assert [t.id for t in ops.unassigned] == [tid] and ops.assigned == ()
    finally:
        app.close()


# the entry names no manager of its own: the team's catch-all manager is the fallback's
UNMANAGED = AFTER.replace("    manager: boss@example.test\n    stale_after", "    stale_after")
TEAM_MANAGER = "boss2@example.test"


def test_a_left_ticket_of_an_entry_without_a_manager_goes_to_the_fallbacks_manager(
    settings: Settings, tmp_path: Path, clock: FakeClock
) -> None:
    """With nobody on the entry to hear of it, the ticket the leaver held would be told
    to no one but the weekly digest: the requester's reply, the stale reminder, the SLA
    notice and the leaver's own mail to an old reply address reach the manager of the
    fallback entry (the one manager every catalog has) instead, never the leaver."""
    schedule = ScheduleSettings(digest="off")
    boss2 = Member(email=TEAM_MANAGER, name="Boss Two", role="manager", locale="en")
    first = make_app(
        replace(
            scheduled_settings(settings, tmp_path, schedule, BEFORE), members=(*MEMBERS, boss2)
        ),
        clock,
    )
    try:
        tid = open_ticket(first, "Purchase: a desk", key="unmanaged-1")
        assert show(first, tid)["assignee"] == "ops2@example.test"
        leaver_address = reply_address(first, tid, "ops2@example.test")
        before = len(outbox(first))  # their new-ticket notice, while a member
    finally:
        first.close()
    team = (*(m for m in MEMBERS if m.email != "ops2@example.test"), boss2)
    catalog = UNMANAGED.replace("manager: boss@example.test", f"manager: {TEAM_MANAGER}")
    later = scheduled_settings(settings, tmp_path, schedule, catalog)
    app = make_app(replace(later, members=team), clock)
    try:
        clock.advance(DAY)
        deliver(
            app,
            mail(
                subject=f"Re: [#{tid}] Purchase: a desk",
                body="Any news? It is for the new colleague.\n",
                to=reply_address(app, tid, "alice@customer.test"),
                message_id="<unmanaged-2@customer.test>",
            ),
        )
        clock.advance(timedelta(minutes=30))  # past the notices' coalescing window
        assert [r.recipients for r in outbox(app, "ticket_notice")] == [[TEAM_MANAGER]]
        deliver(
            app,
            mail(
                subject=f"Re: [#{tid}] Purchase: a desk",
                body="/close\nI left, but here is what I know.\n",
                sender="Ops Two <ops2@example.test>",
                to=leaver_address,
                message_id="<unmanaged-3@example.test>",
            ),
            envelope_to=(leaver_address,),
        )
        assert [r.recipients for r in outbox(app, "outsider_reply")] == [[TEAM_MANAGER]]
        clock.advance(3 * DAY)
        scheduler.tick(app)
        assert [r.recipients for r in outbox(app, "stale_reminder")] == [[TEAM_MANAGER]]
        assert [r.recipients for r in outbox(app, "sla_overdue")] == [[TEAM_MANAGER]]
        assert show(app, tid)["state"] != "closed"
        everyone = {a for r in outbox(app)[before:] for a in r.recipients}
        assert "ops2@example.test" not in everyone
    finally:
        app.close()


def test_a_notice_still_waiting_for_one_who_left_is_not_sent(
    settings: Settings, tmp_path: Path, clock: FakeClock
) -> None:
    """A notice held to be coalesced (or a reminder waiting for the relay) when the
    restart reads the team without its member never goes to their address: it is
    withdrawn, and what it said is the manager's to hear from then on."""
    schedule = ScheduleSettings(digest="off")
    first = make_app(scheduled_settings(settings, tmp_path, schedule, BEFORE), clock)
    try:
        tid = open_ticket(first, "Purchase: a lamp", key="held-1")
        send(first)  # the new-ticket notice went while they were a member
        deliver(
            first,
            mail(
                subject=f"Re: [#{tid}] Purchase: a lamp",
                body="A white one, please.\n",
                to=reply_address(first, tid, "alice@customer.test"),
                message_id="<held-2@customer.test>",
            ),
        )
        [held] = [r for r in outbox(first, "ticket_notice") if r.state == "pending"]
        assert held.recipients == ["ops2@example.test"]
        listed = _notices_listed(first, tid)
    finally:
        first.close()
    team = tuple(m for m in MEMBERS if m.email != "ops2@example.test")
    app = make_app(
        replace(scheduled_settings(settings, tmp_path, schedule, AFTER), members=team), clock
    )
    try:
        clock.advance(timedelta(minutes=30))  # past the notices' coalescing window
        send(app)
        [row] = [r for r in outbox(app, "ticket_notice") if r.id == held.id]
        assert row.state == "withdrawn"
        assert _notices_listed(app, tid) == listed - 1  # the ticket lists what went out
        sent = [r for r in outbox(app) if r.state == "sent" and r.id > held.id]
        assert all("ops2@example.test" not in r.recipients for r in sent)
    finally:
        app.close()


def _notices_listed(app: App, tid: int) -> int:
    return sum(m["kind"] == "ticket_notice" for m in show(app, tid)["messages"])


def test_the_managers_summary_counts_a_leavers_ticket_as_nobodys(
    settings: Settings, tmp_path: Path, clock: FakeClock
) -> None:
    """Open tickets per assignee: the leaver's ticket is nobody's (""), as every member's
    digest lists it and the board and ``stats`` count it, where it was a row of its own
    that the "nobody" row's count left out (store.holders)."""
    schedule = ScheduleSettings(digest="off")
    first = make_app(scheduled_settings(settings, tmp_path, schedule, BEFORE), clock)
    try:
        open_ticket(first, "Purchase: a bag", key="summary-1")
    finally:
        first.close()
    team = tuple(m for m in MEMBERS if m.email != "ops2@example.test")
    app = make_app(
        replace(scheduled_settings(settings, tmp_path, schedule, AFTER), members=team), clock
    )
    try:
        clock.advance(DAY)
        rows = {row.name: row.count for row in weekly_summary(app).by_assignee}
        assert rows == {"": 1}
    finally:
        app.close()
