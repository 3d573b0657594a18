"""Tickets filed under an entry the catalog no longer has: the catalog cannot place them,
so until someone refiles them (``catalog refile --from ID``) they follow the fallback
entry's rules — its stale time, its SLA, its manager — and are not left without
reminders or deadlines; ``status`` and the managers' summary say they are there."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gateway.config.load import load_settings
from gateway.config.settings import ScheduleSettings, Settings
from gateway.core.calendars import Calendars
from gateway.core.clock import FakeClock
from gateway.runtime.app import App
from gateway.scheduling import digest, rules, scheduler, sweeps
from store import tickets
from store.db import transaction
from tests.support.app import MEMBERS
from tests.support.cli import run
from tests.support.config import members_toml, write_config
from tests.support.pipeline import outbox, words_of
from tests.support.scheduling import make_app, open_ticket, scheduled_settings, weekly_summary

DAY = timedelta(days=1)
# the fallback has rules of its own: what a ticket the catalog cannot place follows
CATALOG = """
entries:
  - id: vpn
    name: {ja: VPN接続, en: VPN access}
    keywords: [{term: vpn, weight: 3}]
    assignee: ops@example.test
    sla: {first_response: 4h, resolve: 2d}
    stale_after: 3d
  - id: other
    name: {ja: その他, en: Other}
    fallback: true
    manager: boss@example.test
    sla: {first_response: 8h, resolve: 5d}
    stale_after: 2d
"""
GONE = "printer-3f"  # an entry removed from the catalog since its tickets were filed


def _site(tmp_path: Path, db_url: str) -> Path:
    (tmp_path / "catalog.yaml").write_text(CATALOG, encoding="utf-8")
    extra = '[catalog]\npath = "catalog.yaml"\n[health]\ndaemon = false\nmax_outbox_age = "3650d"\n'
    return write_config(tmp_path, url=db_url, secret_file=True, extra=extra + members_toml(MEMBERS))


def _seed(app: App) -> list[int]:
    """Three VPN tickets of ops@; the second one's entry is then gone from the catalog."""
    ids = [open_ticket(app, f"VPN problem {n}", key=f"v{n}") for n in range(3)]
    with transaction(app.sessions) as s:
        ticket = tickets.get(s, ids[1])
        assert ticket is not None
        ticket.catalog = GONE
    return ids


@pytest.fixture
def gw(settings: Settings, tmp_path: Path, clock: FakeClock) -> Iterator[App]:
    off = ScheduleSettings(digest="off")
    app = make_app(scheduled_settings(settings, tmp_path, off, CATALOG), clock)
    yield app
    app.close()


def test_a_ticket_of_a_removed_entry_follows_the_fallbacks_rules(gw: App, clock: FakeClock) -> None:
    """Its stale reminder and its SLA notice come as the fallback's would (the
    fallback's 8 h first response passed, its 2 days untouched), to its assignee."""
    ids = _seed(gw)
    clock.advance(timedelta(hours=9))
    scheduler.tick(gw)
    overdue = [words_of(r) for r in outbox(gw, "sla_overdue") + outbox(gw, "sla_overdue_list")]
    assert sum(f"#{ids[1]}" in t for t in overdue) == 1, overdue
    clock.advance(2 * DAY)
    scheduler.tick(gw)
    [reminder] = outbox(gw, "stale_reminder")  # the fallback's 2 days, not vpn's 3
    assert f"#{ids[1]}" in words_of(reminder) and f"#{ids[0]}" not in words_of(reminder)
    with transaction(gw.sessions) as s:
        ctx = scheduler.context(gw)
        ticket = tickets.get(s, ids[1])
        assert ticket is not None
        t = rules.times_of(ticket, ctx.rules(ticket), Calendars())
        assert (t.stale_after, t.resolve) == (2 * DAY, 5 * DAY)
        assert sweeps.responsible(ctx, ticket) == "ops@example.test"


def test_the_summary_says_which_tickets_wait_for_a_refile(gw: App, clock: FakeClock) -> None:
    ids = _seed(gw)
    clock.advance(DAY)
    summary = weekly_summary(gw)
    assert summary.outside_catalog is not None
    said = str(summary.outside_catalog)
    assert said.startswith("open tickets under entries not in the catalog: ")
    assert ", 1 in all — run" in said
    assert f"{GONE} (#{ids[1]})" in said
    assert "run `ticket-gateway catalog refile --from ID`" in said
    with transaction(gw.sessions) as s:
        ctx, now = scheduler.context(gw), clock.now()
        digest.send_run(s, ctx, now, digest.manual_run(now, ctx.tz))
    [mail] = outbox(gw, "weekly_summary")  # the manager's, in Japanese
    assert f"{GONE} (#{ids[1]})" in words_of(mail)
    assert "ticket-gateway catalog refile --from ID" in words_of(mail)


def test_stats_and_status_count_them_by_the_fallbacks_rules(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A member's stale count does not fall when an entry leaves the catalog, and
    ``status`` warns (exit status unchanged) with the ids and the command to run."""
    cfg = _site(tmp_path, db_url)
    app = make_app(load_settings(cfg), FakeClock(datetime(2024, 1, 8, 1, 0, tzinfo=UTC)))
    try:
        ids = _seed(app)
    finally:
        app.close()
    data = json.loads(run(cfg, "stats", "--json", capsys=capsys).out)
    [ops] = [a for a in data["assignees"] if a["assignee"] == "ops@example.test"]
    assert (ops["open"], ops["stale"]) == (3, 3)
    ran = run(cfg, "status", capsys=capsys)
    assert ran.code == 0, ran.out
    warning = next(line for line in ran.out.splitlines() if "not in the catalog" in line)
    assert warning.strip() == (
        f"warning: open tickets under entries not in the catalog: {GONE} (#{ids[1]}), 1 in all"
        " — run `ticket-gateway catalog refile --from ID`"
    )
    ran = run(cfg, "status", "--json", capsys=capsys)
    assert ran.code == 0
    status = json.loads(ran.out)
    assert status["outside_catalog"] == {"tickets": 1, "entries": {GONE: [ids[1]]}}
    [outside] = [w for w in status["warnings"] if w["code"] == "tickets_outside_catalog"]
    assert "not in the catalog" in outside["text"]
    # the shell names the entry as the board does: its id, marked
    listed = run(cfg, "tickets", "list", capsys=capsys).out
    [line] = [x for x in listed.splitlines() if x.startswith(f"#{ids[1]} ")]
    assert f"{GONE} (not in th…" in line  # the entry column is 22 wide
    shown = run(cfg, "tickets", "show", str(ids[1]), capsys=capsys).out
    assert f"{GONE} (not in the catalog)" in shown
