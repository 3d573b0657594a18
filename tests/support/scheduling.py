"""A gateway with members, a catalog with SLA and stale times, and ways to seed tickets
for the scheduler tests (real database, real templates, a fake clock)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from gateway.config.settings import CatalogSettings, ScheduleSettings, Settings
from gateway.core.clock import FakeClock
from gateway.core.model import TicketState
from gateway.notify import views
from gateway.outbound.sender import Sender, team_of
from gateway.runtime.app import App, build
from gateway.scheduling import digest, scheduler
from gateway.tickets import changes
from store import tickets
from store.db import transaction
from tests.support.app import MEMBERS
from tests.support.mails import mail
from tests.support.pipeline import deliver

CATALOG = """
entries:
  - id: vpn
    name: {ja: VPN接続, en: VPN access}
    keywords: [{term: vpn, weight: 3}]
    assignee: ops@example.test
    sla: {first_response: 4h, resolve: 2d}
    stale_after: 3d
  - id: purchase
    name: {ja: 購入申請, en: Purchase requests}
    keywords: [{term: purchase, weight: 3}, {term: 購入, weight: 3}]
    assignee: ops2@example.test
    stale_after: 3d
  - id: other
    name: {ja: その他, en: Other}
    fallback: true
    manager: boss@example.test
"""


def scheduled_settings(
    settings: Settings,
    tmp_path: Path,
    schedule: ScheduleSettings | None = None,
    catalog: str = CATALOG,
) -> Settings:
    path = tmp_path / "catalog.yaml"
    path.write_text(catalog, encoding="utf-8")
    return replace(
        settings,
        catalog=CatalogSettings(path=path),
        members=MEMBERS,
        schedule=schedule or ScheduleSettings(),
    )


def make_app(settings: Settings, clock: FakeClock) -> App:
    return build(settings, clock)


def open_ticket(
    app: App,
    subject: str,
    *,
    key: str,
    sender: str = "Alice Example <alice@customer.test>",
    state: TicketState | None = None,
) -> int:
    out = deliver(
        app,
        mail(
            subject=subject,
            body="Hello,\nplease help.\n",
            sender=sender,
            message_id=f"<{key}@customer.test>",
        ),
    )
    assert out.ticket_id is not None
    if state is not None:
        set_state(app, out.ticket_id, state)
    return out.ticket_id


def set_state(app: App, ticket_id: int, state: TicketState) -> None:
    with transaction(app.sessions) as s:
        ticket = tickets.get(s, ticket_id)
        assert ticket is not None
        changes.change_state(
            s, ticket, state, app.clock.now(), actor="ops@example.test", channel="cli"
        )


def tick_and_send(app: App) -> None:
    """A pass, then the sender's drain, as the daemon runs them: what the pass queued
    leaves the outbox (the test's maildir), and the close's grace counts from then."""
    scheduler.tick(app)
    send(app)


def send(app: App) -> None:
    """The outbox's due mail leaves, as the daemon's sender sends it."""
    Sender.configured(app.settings.outbound, app.clock, app.sessions, team_of(app.settings)).drain()


def weekly_summary(app: App) -> views.WeeklySummary:
    """The managers' summary the digest would mail now (one manager in MEMBERS)."""
    with transaction(app.sessions) as s:
        ctx = scheduler.context(app)
        mails = digest.build(s, ctx, app.clock.now(), digest.manual_run(app.clock.now(), ctx.tz))
    [summary] = [m.view for m in mails if isinstance(m.view, views.WeeklySummary)]
    return summary
