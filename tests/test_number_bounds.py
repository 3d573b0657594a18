"""A number field's bounds and step (``min``/``max``/``step`` in the catalog): a quantity
of -1 against a ``min`` of 0, or 2.5 where ``step: 1`` wants a whole number, is refused
where a value comes in (the web form, a mail's sheet, a member's ``/field``) with the
field named, as a value that is not a number is; a bad ``step`` in the catalog is a
problem named with its key, its file and its line."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from gateway.catalog.reader import read
from gateway.catalog.sheet import validate
from gateway.config.settings import CatalogSettings, Settings
from gateway.core.clock import FakeClock
from gateway.core.i18n import N_, translate
from gateway.runtime.app import App, build
from tests.support.app import MEMBERS, reply_address
from tests.support.cli import run
from tests.support.config import write_config
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
      - {name: quantity, label: {ja: 数量, en: Quantity}, type: number, min: 0, max: 500, step: 1}
      - {name: hours, label: {ja: 時間, en: Hours}, type: number, min: 0.5, step: 0.5}
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
    assert len(read(CATALOG.replace("min: 0,", "min: few,"))[1]) == 1


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


def test_the_step_is_read_and_a_bad_one_is_a_problem_named_with_its_key() -> None:
    entries, problems = read(CATALOG)
    assert problems == []
    assert [f.step for f in entries[0].fields] == [None, 1, Decimal("0.5")]
    for bad, said in [
        ("step: 0.5}", "step must be a number above 0, not '0'"),
        ("step: 0.5}", "step must be a number above 0, not '-1'"),
        ("step: 0.5}", "step must be a number above 0, not 'half'"),
    ]:
        value = said.split("'")[1]
        text = CATALOG.replace(bad, f"step: {value}}}")
        [problem] = read(text)[1]
        assert translate(problem.message, "en") == said
    [on_text] = read(CATALOG.replace("required: true}", "required: true, step: 1}"))[1]
    assert translate(on_text.message, "en") == "'step' applies to number fields only"


def test_catalog_check_names_the_file_the_line_and_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text(CATALOG.replace("step: 0.5}", "step: 0}"), encoding="utf-8")
    config = str(write_config(tmp_path, secret_file=True))
    code, out, _ = run(config, "catalog", "check", str(path), capsys=capsys)
    assert code == 65
    assert out.splitlines() == [f"{path}:10: step must be a number above 0, not '0'"]


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("2.5", "数量「2.5」: 整数にしてください"),
        ("1.0", ""),  # a whole number, however written
        ("２", ""),
    ],
)
def test_a_mails_value_off_the_step_is_refused_and_named(app: App, typed: str, said: str) -> None:
    out = deliver(
        app, mail(subject="モニター購入のお願い", body=f"品名：モニター\n数量：{typed}\n")
    )
    stored = show(app, out.ticket_id or 0)["fields"]
    [ack] = outbox(app, "acknowledgement")
    if said:
        assert "quantity" not in stored
        assert said in text_of(ack), text_of(ack)
    else:
        assert stored["quantity"] in ("1", "2")


def test_a_step_that_is_not_one_names_the_nearest_values(app: App) -> None:
    """A half-hour step from a minimum of 0.5: 0.5, 1, 1.5… are taken; 1.2 is refused
    with the two nearest values, said in the requester's language."""
    out = deliver(app, mail(subject="Purchase hours", body="item: support\nhours: 1.2\n"))
    assert "hours" not in show(app, out.ticket_id or 0)["fields"]
    [ack] = outbox(app, "acknowledgement")
    assert 'Hours "1.2": must go in steps of 0.5: the nearest are 1 and 1.5' in text_of(ack), (
        text_of(ack)
    )
    again = deliver(app, mail(subject="Purchase hours", body="item: support\nhours: 2.5\n"))
    assert show(app, again.ticket_id or 0)["fields"]["hours"] == "2.5"


def test_a_members_field_off_the_step_is_refused_and_named(app: App) -> None:
    out = deliver(app, mail(subject="Purchase: monitor", body="item: monitor\n"))
    tid = out.ticket_id or 0
    to = reply_address(app, tid, "ops@example.test")
    reply = mail(
        f"Re: [#{tid}] Purchase", body="/field quantity 1.5\n", sender="ops@example.test", to=to
    )
    deliver(app, reply, envelope_to=(to,))
    assert "quantity" not in show(app, tid)["fields"]
    [transcript] = outbox(app, "command_result")
    assert "must be a whole number" in text_of(transcript), text_of(transcript)


def test_a_long_number_is_kept_to_its_last_digit() -> None:
    """Thirty digits are a value the sheet takes: stored as written, not rounded to the
    28 digits of Python's default decimal context (…890.5 came back as …900)."""
    entry = read(CATALOG)[0][0]
    hours = entry.fields[2]
    assert validate(hours, "123456789012345678901234567890.5") == (
        "123456789012345678901234567890.5",
        None,
    )
    assert validate(hours, "123456789012345678901234567890.2")[1] == N_(
        "must go in steps of {step}: the nearest are {below} and {above}",
        step="0.5",
        below="123456789012345678901234567890",
        above="123456789012345678901234567890.5",
    )


@pytest.mark.parametrize(
    ("example", "said"),
    [
        ("0", "must be at least 0.5"),
        ("1.2", "must go in steps of 0.5: the nearest are 1 and 1.5"),
        ("a few", "not a number: write one number, such as 3"),
    ],
)
def test_an_example_the_field_would_refuse_is_noted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], example: str, said: str
) -> None:
    """The "missing fields" mail tells the requester to write the field's example: one
    the field refuses (0 under ``min: 0.5``) had them write a value that is then
    refused. ``catalog check`` notes it (a note: an example may be a hint for a person,
    ``YYYY-MM-DD``, and the catalog stays usable)."""
    path = tmp_path / "catalog.yaml"
    written = f"min: 0.5, step: 0.5, example: '{example}'}}"
    path.write_text(CATALOG.replace("min: 0.5, step: 0.5}", written), encoding="utf-8")
    config = str(write_config(tmp_path, secret_file=True))
    code, out, _ = run(config, "catalog", "check", str(path), capsys=capsys)
    assert code == 0
    assert out.splitlines()[1:] == [
        f"note: purchase: the example {example!r} of hours is not a value it takes ({said});"
        " a requester who writes it is refused"
    ]
    path.write_text(CATALOG.replace("min: 0.5, step: 0.5}", "min: 0.5, step: 0.5, example: '2.5'}"))
    assert run(config, "catalog", "check", str(path), capsys=capsys).out.count("note:") == 0


HUGE = "9" * 400


@pytest.mark.parametrize(
    ("field", "typed", "said"),
    [
        (1, HUGE, "must be at most 500"),  # a field with a max: that bound, as for 501
        (1, "-" + HUGE, "must be at least 0"),
        (2, HUGE, "too large: at most 30 digits before the decimal point"),  # no max
        (2, "1e999999999", "too large: at most 30 digits before the decimal point"),
        (2, "1." + "5" * 400, "too many decimal places: at most 30"),
        (2, "1." + "0" * 400 + "1", "too many decimal places: at most 30"),
        (2, "0." + "0" * 400 + "1", "must be at least 0.5"),  # the bound first, as for 0
        (2, "1." + "0" * 400, ""),  # zeros after the point say nothing
        (2, "1" * 30, ""),  # thirty digits are a value
        (2, "1" * 31, "too large: at most 30 digits before the decimal point"),
        (2, "lots", "not a number: write one number, such as 3"),
    ],
)
def test_a_number_too_long_for_a_field_is_refused_as_too_large_not_as_no_number(
    field: int, typed: str, said: str
) -> None:
    """400 digits were refused as "not a number"; they are one, too large to keep."""
    f = read(CATALOG)[0][0].fields[field]
    value, problem = validate(f, typed)
    assert (translate(problem, "en") if problem else "") == said, (typed[:40], value)


def test_every_door_refuses_a_huge_number_with_the_same_words(
    app: App, settings: Settings, clock: FakeClock, catalog: Path
) -> None:
    """The form, a member's /field and a mail's sheet say the same refusal (the CLI's
    ``tickets field``: tests/test_cli_field.py)."""
    out = deliver(app, mail(subject="Purchase hours", body=f"item: support\nhours: {HUGE}\n"))
    [ack] = outbox(app, "acknowledgement")
    assert "too large: at most 30 digits before the decimal point" in text_of(ack), text_of(ack)
    tid = out.ticket_id or 0
    to = reply_address(app, tid, "ops@example.test")
    reply = mail(f"Re: [#{tid}] P", body=f"/field hours {HUGE}\n", sender="ops@example.test", to=to)
    deliver(app, reply, envelope_to=(to,))
    assert "hours" not in show(app, tid)["fields"]
    [transcript] = outbox(app, "command_result")
    told = " ".join(text_of(transcript).split())
    assert "too large: at most 30 digits before the decimal point" in told, told

    async def scenario(client: TestClient[Any, Any]) -> tuple[int, str]:
        csrf, token = await form_of(client, "purchase")
        form = {
            "csrf": csrf,
            "form_token": token,
            "email": "alice@customer.test",
            "subject": "Support",
            "f_item": "support",
            "f_hours": HUGE,
        }
        answer = await client.post("/new/purchase", data=form, headers=EN)
        return answer.status, await answer.text()

    with rig(settings, clock, catalog=catalog) as r:
        status, html = r.serve(scenario)
    assert status == 400
    error = html.split('id="error-f_hours"')[1].split("</p>")[0]
    assert "too large: at most 30 digits before the decimal point" in error, error


def test_the_forms_input_leaves_a_long_number_to_the_server() -> None:
    """The form's number input is text: 400 digits arrive as typed and the server names
    the limit (above); the page's script checks only plain numbers a double holds, with
    the field's bounds and step and the server's reasons."""
    from gateway.web.number_input import number_input

    hours = read(CATALOG)[0][0].fields[2]
    attrs = number_input(hours)
    assert "data-nan" not in attrs and "max" not in attrs and "step" not in attrs
    assert attrs["data-number"] == "1"
    assert attrs["data-step"] == "0.5" and attrs["data-base"] == "0.5"
    said = attrs["data-off-step"]
    assert not isinstance(said, str)
    assert translate(said, "en") == "must go in steps of 0.5 from 0.5"
