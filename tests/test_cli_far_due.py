"""A due date an older release stored far in the future (year 9999, the end of what a
``datetime`` holds): said in a zone east of UTC (Pacific/Auckland, UTC+13 in December)
it lies past 9999-12-31, and ``astimezone`` raised ``OverflowError``, so ``tickets
show`` (and any page or mail showing it) ended in a traceback. Such a time is shown as
stored, in UTC with the zone's name, and everything else as before."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.zone import in_zone, local_time
from gateway.tickets import changes
from store.db import make_engine, session_factory, transaction
from store.models import Ticket
from tests.support.app import MEMBERS
from tests.support.cli import run
from tests.support.config import write_config
from tests.support.mails import mail
from tests.support.pipeline import deliver

FAR = datetime(9999, 12, 31, 23, 59, tzinfo=UTC)


@pytest.mark.parametrize("zone", ["Pacific/Auckland", "Pacific/Kiritimati", "Asia/Tokyo"])
def test_a_time_past_the_last_day_in_the_zone_is_shown_as_stored(zone: str) -> None:
    moment = in_zone(FAR, zone)
    assert str(moment) == "9999-12-31 23:59 UTC"
    assert "9999" in moment.said("ja") and "9999" in moment.said("en")
    assert local_time(FAR.isoformat(), zone) == moment


def test_a_time_that_fits_in_the_zone_is_still_the_zones() -> None:
    """Only the overflow is kept in UTC: a day earlier is Auckland's, as ever."""
    earlier = FAR - timedelta(days=1)
    assert str(in_zone(earlier, "Pacific/Auckland")) == "9999-12-31 12:59 NZDT"
    assert str(in_zone(FAR, "America/New_York")) == "9999-12-31 18:59 EST"


@pytest.mark.parametrize("locale", ["en", "ja"])
def test_tickets_show_says_a_due_date_in_year_9999(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], locale: str
) -> None:
    url = f"sqlite:///{tmp_path}/gateway.db"
    config = write_config(tmp_path, url=url, secret_file=True, locale=locale)
    team = '[gateway]\ntimezone = "Pacific/Auckland"\n'  # the team's zone: east of UTC
    config.write_text(config.read_text().replace("[gateway]\n", team))
    message = tmp_path / "req.eml"
    message.write_bytes(mail("Printer jams"))
    assert run(config, "ingest", str(message), capsys=capsys).code == 0
    engine = make_engine(url)
    try:
        with transaction(session_factory(engine)) as s:
            s.execute(update(Ticket).values(due_at=FAR))
    finally:
        engine.dispose()
    shown = run(config, "tickets", "show", "1", capsys=capsys)
    assert shown.code == 0, shown.err
    assert "9999-12-31 23:59 UTC" in shown.out
    assert "Traceback" not in shown.err
    listed = run(config, "tickets", "show", "1", "--json", capsys=capsys)
    assert listed.code == 0


def test_the_ticket_page_says_a_due_date_in_year_9999_to_a_member_in_auckland(
    settings: Settings,
) -> None:
    """The page of a member whose own zone is east of UTC (``[[members]] time_zone``)."""
    from tests.support.web import member_page, rig

    ops = "ops@example.test"
    team = tuple(replace(m, time_zone="Pacific/Auckland") if m.email == ops else m for m in MEMBERS)
    with rig(settings, FakeClock(datetime(2026, 12, 5, 16, 0, tzinfo=UTC)), members=team) as r:
        tid = deliver(r.app, mail(subject="VPN down", sender="<alice@customer.test>")).ticket_id
        with transaction(r.app.sessions) as s:  # as an older release's /due stored it
            ticket = s.get(Ticket, tid)
            assert ticket is not None
            changes.set_due(s, ticket, FAR, r.clock.now(), actor=ops, channel="mail")
        page = member_page(r, ops, f"/tickets/{tid}")
    assert "9999" in page and "UTC" in page
