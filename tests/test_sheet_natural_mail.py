"""A sheet's values as requesters write them, through the real accept-then-process
path: a date without its year is the next such day from the day the mail came, in the
team's zone (not the day it is processed, nor the UTC day), in a request and in a reply;
Excel's tab-separated lines and a quantity with its counter fill the sheet; a value
still refused is told with the forms that work."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gateway.config.settings import CatalogSettings, Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App, build
from store import inbox
from store.db import transaction
from tests.support.app import MEMBERS
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show
from tests.test_catalog_pipeline import CATALOG, answer

# 2026-03-10 01:00 in Tokyo (the team's zone, the default), still 03-09 in UTC
CAME = datetime(2026, 3, 9, 16, 0, tzinfo=UTC)


@pytest.fixture
def app(settings: Settings, tmp_path: Path) -> Iterator[App]:
    path = tmp_path / "catalog.yaml"
    path.write_text(CATALOG, encoding="utf-8")
    application = build(
        replace(settings, catalog=CatalogSettings(path=path), members=MEMBERS), FakeClock(CAME)
    )
    yield application
    application.close()


def _came_then_processed(app: App, raw: bytes, later: timedelta) -> int:
    """Accepted at CAME, processed ``later`` (a backlog, a retry after an outage)."""
    with transaction(app.sessions) as s:
        accepted = inbox.accept(s, raw, source="test", now=app.clock.now())
    assert isinstance(app.clock, FakeClock)
    app.clock.advance(later)
    out = app.runner.process_one(accepted.inbox_id)
    assert out.ticket_id is not None
    return out.ticket_id


@pytest.mark.parametrize(
    ("body", "subject"),
    [
        ("品名：モニター\n数量：２台です\n希望納期：3/10\n", "モニター購入のお願い"),
        ("品名\tモニター\n数量\t二台\n希望納期\t3月10日\n", "モニター購入のお願い"),
        ("Item: Monitor\nQuantity: 2 units\nNeeded by: 3/10\n", "Monitor purchase"),
    ],
)
def test_a_request_without_the_year_is_read_from_the_day_it_came(
    app: App, body: str, subject: str
) -> None:
    ticket_id = _came_then_processed(app, mail(subject=subject, body=body), timedelta(days=2))
    fields = show(app, ticket_id)["fields"]
    assert fields == {"item": fields["item"], "quantity": "2", "needed_by": "2026-03-10"}


def test_the_day_is_the_teams_not_utcs(app: App) -> None:
    """3/9 came on 03-10 in Tokyo: yesterday there, so next year's."""
    raw = mail(subject="Monitor purchase", body="Item: Monitor\nQuantity: 1\nNeeded by: 3/9\n")
    ticket_id = _came_then_processed(app, raw, timedelta(0))
    assert show(app, ticket_id)["fields"]["needed_by"] == "2027-03-09"


def test_a_reply_gives_a_date_without_its_year(app: App) -> None:
    out = deliver(app, mail(subject="モニター購入のお願い", body="品名：モニター\n数量：1\n"))
    assert out.ticket_id is not None
    reply = answer(app, out.ticket_id, "Re: モニター購入のお願い", "希望納期：4月1日\n")
    _came_then_processed(app, reply, timedelta(0))
    assert show(app, out.ticket_id)["fields"]["needed_by"] == "2026-04-01"


def test_a_value_still_refused_is_told_with_the_forms_that_work(app: App) -> None:
    body = "品名：モニター\n数量：3台か4台\n"
    out = deliver(app, mail(subject="モニター購入のお願い", body=body))
    [ack] = [r for r in outbox(app) if r.kind == "acknowledgement"]
    said = email.message_from_bytes(ack.raw, policy=email.policy.default)
    text = said.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert out.ticket_id is not None and "3台か4台" in text
    assert "3、3台、三台のように数を一つ" in text, text
