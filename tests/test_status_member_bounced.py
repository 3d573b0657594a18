"""A member's weekly digest (or another mail of ours about no ticket) that bounced was
only an ignored row in ``inbox list``: nobody looks there, and the member missed their
digests for months. ``status`` warns of it (``member_mail_bounced``), naming the member
and the mail: their address in ``[[members]]`` is broken, or their mailbox is gone."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.i18n import translate
from gateway.runtime.app import App
from gateway.runtime.cli.warning_codes import Seen, warnings
from gateway.scheduling import health
from tests.support import dsn
from tests.support.pipeline import deliver, outbox
from tests.support.scheduling import make_app, open_ticket, scheduled_settings, tick_and_send

WHO = "ops@example.test"


@pytest.fixture
def gw(settings: Settings, tmp_path: Path, clock: FakeClock) -> Iterator[App]:
    app = make_app(scheduled_settings(settings, tmp_path), clock)  # digest "mon 09:00"
    open_ticket(app, "VPN down in Osaka", key="vpn")
    clock.advance(timedelta(days=7))  # Monday 10:00 JST: the digests are due
    tick_and_send(app)
    yield app
    app.close()


def _bounce_the_digest(app: App) -> None:
    [ours] = [m for m in outbox(app, "weekly_digest") if m.recipients == [WHO]]
    deliver(app, dsn.postfix(ours.message_id, WHO))


def _warned(app: App, settings: Settings | None = None) -> list[str]:
    settings = settings or app.settings
    report = health.check(settings, app.sessions, app.clock.now())
    found = warnings(Seen(settings, report, None))
    return [translate(w.message, "en") for w in found if w.code == "member_mail_bounced"]


def test_a_bounced_digest_is_a_warning_naming_the_member(gw: App) -> None:
    assert _warned(gw) == []
    _bounce_the_digest(gw)
    [line] = _warned(gw)
    assert WHO in line and "weekly digest" in line and "[[members]]" in line
    report = health.check(gw.settings, gw.sessions, gw.clock.now())
    assert report.healthy  # a warning: nobody on call can fix a member's mailbox at night
    json_codes = [w.as_dict()["code"] for w in warnings(Seen(gw.settings, report, None))]
    assert "member_mail_bounced" in json_codes


def test_it_ends_when_the_address_is_fixed_or_after_a_week_and_a_day(
    gw: App, clock: FakeClock
) -> None:
    _bounce_the_digest(gw)
    assert _warned(gw)
    member = gw.settings.member(WHO)
    assert member is not None
    others = tuple(m for m in gw.settings.members if m.email != WHO)
    fixed = replace(gw.settings, members=(*others, replace(member, email="o@example.test")))
    assert _warned(gw, fixed) == []  # the member's address was corrected
    clock.advance(timedelta(days=8, minutes=1))
    assert _warned(gw) == []  # the next digest went out since, and did not come back


def test_backscatter_after_it_does_not_hide_it(gw: App) -> None:
    """Spam sent under the support address comes back from strangers' servers, bounces
    of no mail of ours (``bounce that belongs to no ticket``), by the hundred on a bad
    day. Newer than the digest's bounce, they hid it: only the newest few bounces on no
    ticket were read, and the member's came no longer among them."""
    _bounce_the_digest(gw)
    for n in range(60):
        forged = dsn.postfix(f"spam{n}.x@bulk.invalid", f"victim{n}@customer.test")
        forged = forged.replace(b"4F1C21A2B3@mx", f"{n}.backscatter@mx".encode(), 1)
        deliver(gw, forged)
    [line] = _warned(gw)
    assert WHO in line and "weekly digest" in line
