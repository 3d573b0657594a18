"""A ticket filed under an entry the catalog no longer has is the fallback's in the
conversation too, until someone refiles it: the fallback's ``mails_off`` switches
decide its mails, the fallback's manager hears of it when nobody is assigned, and
every name people read shows the removed entry's id with the board's mark
"(not in the catalog)" (``Catalog.rules_for`` for the rules, ``Catalog.shown_name``
for the name)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.config.settings import ScheduleSettings, Settings
from gateway.core.clock import FakeClock
from gateway.core.model import TicketState
from gateway.notify import views
from gateway.runtime.app import App
from gateway.scheduling import digest, scheduler
from store import tickets
from store.db import transaction
from tests.support.app import reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, text_of
from tests.support.scheduling import make_app, scheduled_settings, set_state

GONE = "printer-3f"  # an entry removed from the catalog since its ticket was filed
BOSS = "boss@example.test"  # the fallback's manager
ALICE = "alice@customer.test"
# the fallback sends no status mails; vpn does
CATALOG = """
entries:
  - id: vpn
    name: {ja: VPN接続, en: VPN access}
    keywords: [{term: vpn, weight: 3}]
  - id: other
    name: {ja: その他, en: Other}
    fallback: true
    manager: boss@example.test
    mails_off: [status_change]
"""


@pytest.fixture
def gw(settings: Settings, tmp_path: Path, clock: FakeClock) -> Iterator[App]:
    off = ScheduleSettings(digest="off")
    app = make_app(scheduled_settings(settings, tmp_path, off, CATALOG), clock)
    yield app
    app.close()


def _gone(app: App, subject: str, key: str) -> int:
    """A ticket filed under vpn, left unassigned, whose entry then leaves the catalog."""
    tid = deliver(app, mail(subject=subject, message_id=f"<{key}@customer.test>")).ticket_id
    assert tid is not None
    with transaction(app.sessions) as s:
        ticket = tickets.get(s, tid)
        assert ticket is not None and ticket.catalog == "vpn"
        ticket.catalog, ticket.assignee = GONE, None
    return tid


def test_the_fallbacks_mails_off_decide_the_requesters_mails(gw: App) -> None:
    """vpn's tickets hear of a close; one of a removed entry follows the fallback,
    whose status mails are off, and the event names the fallback's switch."""
    kept = deliver(gw, mail(subject="VPN one", message_id="<k@customer.test>")).ticket_id
    assert kept is not None
    tid = _gone(gw, "VPN two", "g")
    set_state(gw, kept, TicketState.CLOSED)
    set_state(gw, tid, TicketState.CLOSED)
    assert [f"#{kept}" in text_of(m) for m in outbox(gw, "status_change")] == [True]
    [off] = [e for e in show(gw, tid)["events"] if e["kind"] == "no-auto-answer"]
    assert "the entry Other (other) by its mails_off" in off["detail"]["reason"]


def test_the_fallbacks_manager_hears_of_an_unassigned_ticket(gw: App) -> None:
    tid = _gone(gw, "VPN down", "n")
    to = reply_address(gw, tid, ALICE)
    deliver(gw, mail(subject=f"Re: [#{tid}] VPN", body="It is still down.\n", to=to))
    [notice] = outbox(gw, "ticket_notice")
    assert notice.recipients == [BOSS]
    assert "It is still down." in text_of(notice)


def test_the_digest_names_the_removed_entry_with_the_mark(gw: App, clock: FakeClock) -> None:
    tid = _gone(gw, "VPN slow", "d")
    with transaction(gw.sessions) as s:
        ctx, now = scheduler.context(gw), clock.now()
        mails = digest.build(s, ctx, now, digest.manual_run(now, ctx.tz))
    [summary] = [m.view for m in mails if isinstance(m.view, views.WeeklySummary)]
    assert [c.name for c in summary.by_entry] == [f"{GONE}（カタログにない項目）"]
    refs = [r for r in summary.oldest if r.id == tid]
    assert [r.catalog for r in refs] == [f"{GONE}（カタログにない項目）"]


def test_a_name_shown_is_the_entrys_or_the_removed_id_marked(gw: App) -> None:
    catalog = gw.catalog.current
    assert catalog.shown_name("vpn", "en") == "VPN access"
    assert catalog.shown_name(GONE, "en") == f"{GONE} (not in the catalog)"
    assert catalog.shown_name(None, "ja") == ""
