"""A due date an older release stored far in the future (year 9999, the end of what a
``datetime`` holds): said in a zone east of UTC (Pacific/Auckland, UTC+13 in December)
it lies past 9999-12-31, and ``astimezone`` raised ``OverflowError``, so ``tickets
show`` (and any page or mail showing it) ended in a traceback. Then it was shown in UTC
where the zone could not say it and in the zone elsewhere; now every view says it the
same way: in the reader's zone where that zone holds it, else that it is out of range
there, with the instant as stored (the plain text logs and scripts read keeps that
instant, in UTC)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.zone import in_zone, local_time
from gateway.notify.reader_zone import in_reader_zone
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
    assert moment.said("en") == f"out of range in {zone} (9999-12-31 23:59 UTC as stored)"
    assert moment.said("ja") == f"{zone}では表せない日時（保存値は9999-12-31 23:59 UTC）"
    assert local_time(FAR.isoformat(), zone) == moment
    # a reader whose zone holds it reads it there, as any other time
    assert in_reader_zone(moment, "America/New_York").said("en").endswith("18:59 EST")


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
    # in the CLI's language (the environment's before the config's)
    said = ("Pacific/Aucklandでは表せない日時", "out of range in Pacific/Auckland")
    assert any(s in shown.out for s in said), shown.out
    assert "12:59" not in shown.out  # no view of it in the zone's time
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
    assert "9999" in page and "out of range in Pacific/Auckland" in page


def test_a_members_mail_says_it_as_the_page_and_the_cli_do(settings: Settings) -> None:
    """The deadlines a member's mail shows (the ticket's brief, as the mail's templates
    print it): the team's zone (Tokyo, east of UTC) cannot say year 9999's last minute,
    and the mail says so in the member's language; it showed UTC as if it were a time."""
    from gateway.notify.brief import ticket_brief
    from gateway.notify.render import said
    from gateway.runtime.app import build

    app = build(settings, FakeClock(datetime(2026, 12, 5, 16, 0, tzinfo=UTC)))
    try:
        tid = deliver(app, mail(subject="VPN down", sender="<alice@customer.test>")).ticket_id
        with transaction(app.sessions) as s:  # as an older release's /due stored it
            ticket = s.get(Ticket, tid)
            assert ticket is not None
            changes.set_due(s, ticket, FAR, app.clock.now(), actor="ops", channel="mail")
            member = next(m for m in MEMBERS if m.locale == "ja")
            brief = ticket_brief(s, app.settings, app.catalog.current, ticket, member)
    finally:
        app.close()
    [resolve] = [d.at for d in brief.deadlines if d.target == "resolve"]
    assert said(resolve, "ja") == "Asia/Tokyoでは表せない日時（保存値は9999-12-31 23:59 UTC）"
    assert said(resolve, "en") == "out of range in Asia/Tokyo (9999-12-31 23:59 UTC as stored)"
