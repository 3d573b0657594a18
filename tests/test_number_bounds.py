"""A number field's bounds (``min``/``max`` in the catalog): a quantity of -1 against
a ``min`` of 0 is refused where a value comes in (the web form, a mail's sheet, a
member's ``/field``) with the field named, as a value that is not a number is."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from gateway.catalog.reader import read
from gateway.config.settings import CatalogSettings, Settings
from gateway.core.clock import FakeClock
from gateway.core.i18n import translate
from gateway.runtime.app import App, build
from tests.support.app import MEMBERS, reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, text_of
from tests.support.web import form_of, rig

EN = {"Accept-Language": "en"}
CATALOG = """
entries:
  - id: purchase
    name: {ja: 購入申請, en: Purchase requests}
    keywords: [{term: purchase, weight: 3}, {term: 購入, weight: 3}]
    assignee: ops2@example.test
    fields:
      - {name: item, label: {ja: 品名, en: Item}, required: true}
      - {name: quantity, label: {ja: 数量, en: Quantity}, type: number, min: 0, max: 500}
  - id: other
    name: {ja: その他, en: Other}
    fallback: true
    manager: boss@example.test
"""


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    path = tmp_path / "catalog.yaml"
    path.write_text(CATALOG, encoding="utf-8")
    return path


@pytest.fixture
def app(settings: Settings, clock: FakeClock, catalog: Path) -> Iterator[App]:
    application = build(
        replace(settings, catalog=CatalogSettings(path=catalog), members=MEMBERS), clock
    )
    yield application
    application.close()


def test_the_bounds_are_read_and_bad_ones_are_problems() -> None:
    entries, problems = read(CATALOG)
    assert problems == []
    quantity = entries[0].fields[1]
    assert (quantity.minimum, quantity.maximum) == (0, 500)
    bad = CATALOG.replace("min: 0, max: 500", "min: 9, max: 1").replace(
        "required: true}", "required: true, min: 1}"
    )
    said = [translate(p.message, "en") for p in read(bad)[1]]
    assert any("min" in s and "number" in s for s in said), said  # min on a text field
    assert any("9" in s and "1" in s for s in said), said  # min above max
    assert len(read(CATALOG.replace("min: 0", "min: few"))[1]) == 1


def test_a_mails_value_below_the_minimum_is_refused_and_named(app: App) -> None:
    out = deliver(app, mail(subject="モニター購入のお願い", body="品名：モニター\n数量：-1\n"))
    assert "quantity" not in show(app, out.ticket_id or 0)["fields"]
    [ack] = outbox(app, "acknowledgement")
    assert "数量「-1」: 0 以上の数にしてください" in text_of(ack), text_of(ack)
    deliver(app, mail(subject="モニター購入", body="品名：モニター\n数量：501\n"))
    assert "数量「501」: 500 以下の数にしてください" in text_of(outbox(app, "acknowledgement")[1])


def test_a_members_field_below_the_minimum_is_refused_and_named(app: App) -> None:
    out = deliver(app, mail(subject="Purchase: monitor", body="item: monitor\n"))
    tid = out.ticket_id or 0
    to = reply_address(app, tid, "ops@example.test")
    body = "/field quantity -1\n"
    reply = mail(f"Re: [#{tid}] Purchase", body=body, sender="ops@example.test", to=to)
    deliver(app, reply, envelope_to=(to,))
    assert "quantity" not in show(app, tid)["fields"]
    [transcript] = outbox(app, "command_result")
    told = text_of(transcript)
    assert "quantity" in told.lower() and "at least 0" in told, told


def test_the_form_refuses_a_value_below_the_minimum_next_to_the_field(
    settings: Settings, clock: FakeClock, catalog: Path
) -> None:
    async def scenario(client: TestClient[Any, Any]) -> tuple[int, str]:
        csrf, token = await form_of(client, "purchase")
        form = {
            "csrf": csrf,
            "form_token": token,
            "email": "alice@customer.test",
            "subject": "Monitor",
            "f_item": "monitor",
            "f_quantity": "-1",
        }
        answer = await client.post("/new/purchase", data=form, headers=EN)
        return answer.status, await answer.text()

    with rig(settings, clock, catalog=catalog) as r:
        status, html = r.serve(scenario)
    assert status == 400
    error = html.split('id="error-f_quantity"')[1].split("</p>")[0]
    assert "at least 0" in error, error
