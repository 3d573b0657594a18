"""A date without its year (``1/5``, ``4月1日``) read at every door of the sheet, not
only in mail: the web form and the Slack modal read it from the day they were
submitted (the injected clock, in the team's zone), and a ticket's request read
again for another entry (``/category``, ``catalog refile``) from the day the request
came, not the day it is moved. Near a year's end: 1/5 written on 12/28 is next year's.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from gateway.catalog.dates import next_month_day
from gateway.config.load import load_settings
from gateway.config.settings import CatalogSettings, Settings
from gateway.core.clock import FakeClock, day_in
from gateway.runtime.app import App, build
from tests.support import chat as c
from tests.support.app import MEMBERS
from tests.support.cli import run
from tests.support.config import SECRET_ENV, members_toml, write_config
from tests.support.mails import mail
from tests.support.pipeline import all_tickets, deliver, show
from tests.support.slack_fake import FakeSlack
from tests.support.web import form_of, rig
from tests.test_catalog_pipeline import CATALOG
from tests.test_category_sheet import member_mail

# 2026-12-28 12:00 in Tokyo, the team's zone (the default)
YEAR_END = datetime(2026, 12, 28, 3, 0, tzinfo=UTC)
# 2026-12-29 00:30 in Tokyo, still 12-28 in UTC: 12/28 is yesterday there
AFTER_MIDNIGHT = datetime(2026, 12, 28, 15, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "typed", "read"),
    [
        (YEAR_END, "1/5", "2027-01-05"),
        (YEAR_END, "1月5日(火)", "2027-01-05"),
        (YEAR_END, "12/28", "2026-12-28"),  # today is taken
        (AFTER_MIDNIGHT, "12/28", "2027-12-28"),  # the team's day, not UTC's
    ],
)
def test_the_web_form_reads_a_date_without_its_year_from_the_day_it_was_sent(
    settings: Settings, now: datetime, typed: str, read: str
) -> None:
    async def scenario(client: TestClient[Any, Any]) -> int:
        csrf, token = await form_of(client, "purchase")
        form = {
            "csrf": csrf,
            "form_token": token,
            "email": "ito@customer.test",
            "subject": "ノートPC",
            "f_item": "ThinkPad",
            "f_quantity": "2",
            "f_needed_by": typed,
        }
        answer = await client.post("/new/purchase", data=form, allow_redirects=False)
        return answer.status

    clock = FakeClock(now)
    with rig(settings, clock) as r:
        assert r.serve(scenario) == 303
        clock.advance(timedelta(days=9))  # processed late: the day it was sent still counts
        r.app.runner.process_pending()
        [t] = all_tickets(r.app)
        assert show(r.app, t["id"])["fields"]["needed_by"] == read


@pytest.fixture
def clock() -> FakeClock:
    """The chat tests' clock (the ``chat_app`` fixture's), at a year's end."""
    return FakeClock(YEAR_END)


def test_the_slack_modal_reads_a_date_without_its_year_from_the_day_it_was_sent(
    chat_app: App, fake: FakeSlack, clock: FakeClock
) -> None:
    """Slack's date picker sends ISO; a text reaches a date field when the catalog made
    a text field a date while the form was open, or from any client of the API."""
    fake.envelope("slash_commands", c.command())
    [opened] = fake.wait_for("views.open")
    step2 = fake.envelope("interactive", c.submission(opened["view"], c.chosen("purchase")))["view"]
    values = c.typed("ノートPCの購入", "", item="ノートPC", quantity="2", needed_by="1/5")
    assert fake.envelope("interactive", c.submission(step2, values)) == {}
    clock.advance(timedelta(days=9))
    chat_app.runner.process_pending()
    [t] = all_tickets(chat_app)
    assert show(chat_app, t["id"])["fields"]["needed_by"] == "2027-01-05"


@pytest.fixture
def catalog_app(settings: Settings, tmp_path: Path) -> Iterator[App]:
    path = tmp_path / "catalog.yaml"
    path.write_text(CATALOG, encoding="utf-8")
    s = replace(settings, catalog=CatalogSettings(path=path), members=MEMBERS)
    application = build(s, FakeClock(YEAR_END))
    yield application
    application.close()


@pytest.mark.parametrize(
    ("came", "written", "moved", "read"),
    [
        (YEAR_END, "1/5", datetime(2027, 1, 10, 3, 0, tzinfo=UTC), "2027-01-05"),
        # a ticket from March moved in May keeps the April 1st after its arrival
        (
            datetime(2026, 3, 2, 3, 0, tzinfo=UTC),
            "4月1日",
            datetime(2026, 5, 11, tzinfo=UTC),
            "2026-04-01",
        ),
    ],
)
def test_category_reads_the_request_from_the_day_it_came(
    catalog_app: App, came: datetime, written: str, moved: datetime, read: str
) -> None:
    clock = catalog_app.clock
    assert isinstance(clock, FakeClock)
    clock.advance(came - clock.now())
    body = f"Hello,\nplease get us a monitor.\nItem: Monitor\nQuantity: 2\nNeeded by: {written}\n"
    ticket_id = deliver(catalog_app, mail(subject="A new monitor", body=body)).ticket_id or 0
    assert show(catalog_app, ticket_id)["catalog"] == "other"
    clock.advance(moved - clock.now())
    deliver(catalog_app, member_mail(catalog_app, ticket_id, "/category purchase\n"))
    t = show(catalog_app, ticket_id)
    assert t["catalog"] == "purchase"
    assert t["fields"] == {"item": "Monitor", "quantity": "2", "needed_by": read}


REFILE_BEFORE = """\
entries:
  - id: other
    name: {ja: その他, en: Other}
    fallback: true
    manager: boss@example.test
"""
REFILE_AFTER = CATALOG


@pytest.fixture
def site(tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    (tmp_path / "catalog.yaml").write_text(REFILE_BEFORE, encoding="utf-8")
    extra = '[catalog]\npath = "catalog.yaml"\n' + members_toml(MEMBERS)
    return write_config(tmp_path, url=db_url, extra=extra)


def test_refile_reads_the_request_from_the_day_it_came(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A request of 2025-12-28 says 1/5: 2026-01-05, whenever ``catalog refile`` runs
    (the command's own clock, the wall clock, is long past it); the dry run says so too."""
    app = build(load_settings(site), FakeClock(datetime(2025, 12, 28, 3, 0, tzinfo=UTC)))
    try:
        body = "Item: Monitor\nQuantity: 2\nNeeded by: 1/5\n"
        ticket_id = deliver(app, mail(subject="Monitor purchase", body=body)).ticket_id or 0
        assert show(app, ticket_id)["catalog"] == "other"
        (site.parent / "catalog.yaml").write_text(REFILE_AFTER, encoding="utf-8")
        dry = run(site, "catalog", "refile", "--json", capsys=capsys)
        assert dry.code == 0, dry.err
        [foreseen] = json.loads(dry.out)["tickets"]
        assert foreseen["fields_stored"]["needed_by"] == "2026-01-05"
        ran = run(site, "catalog", "refile", "--apply", capsys=capsys)
        assert ran.code == 0, ran.err
        assert show(app, ticket_id)["fields"] == {
            "item": "Monitor",
            "quantity": "2",
            "needed_by": "2026-01-05",
        }
    finally:
        app.close()


def test_the_cli_field_command_reads_a_date_without_its_year_from_today(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``tickets field ID needed_by 1/5`` reads as ``/field`` does: the next 1/5 from the
    day it is given, in the team's zone (the command's clock is the wall clock)."""
    (site.parent / "catalog.yaml").write_text(REFILE_AFTER, encoding="utf-8")
    settings = load_settings(site)
    app = build(settings, FakeClock(YEAR_END))
    try:
        body = "Item: Monitor\nQuantity: 2\n"
        ticket_id = deliver(app, mail(subject="Monitor purchase", body=body)).ticket_id or 0
        assert show(app, ticket_id)["catalog"] == "purchase"

        def next_1_5() -> str:
            today = day_in(datetime.now(UTC), settings.gateway.timezone)
            return next_month_day((1, 5), today).isoformat()

        before = next_1_5()
        ran = run(site, "tickets", "field", str(ticket_id), "needed_by", "1/5", capsys=capsys)
        assert ran.code == 0, ran.err
        assert show(app, ticket_id)["fields"]["needed_by"] in {before, next_1_5()}
    finally:
        app.close()
