"""Structured submissions (web form, chat modal): stored first, then filed by the runner."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest

from gateway.config.settings import CatalogSettings, Settings
from gateway.core.clock import FakeClock
from gateway.core.model import InboxState
from gateway.pipeline.parse import submission
from gateway.runtime.app import App, build
from store import inbox
from store.db import transaction
from tests.support.catalogs import EXAMPLE
from tests.support.pipeline import all_tickets, outbox, show, text_of


@pytest.fixture
def example_app(settings: Settings, clock: FakeClock) -> Iterator[App]:
    application = build(replace(settings, catalog=CatalogSettings(path=EXAMPLE)), clock)
    yield application
    application.close()


def _doc(app: App, **changes: object) -> bytes:
    values: dict[str, object] = {
        "source": "web",
        "nonce": "form-7f3a",
        "submitted_at": app.clock.now() - timedelta(seconds=2),
        "entry_id": "vpn",
        "requester_email": "Ito@Customer.test",
        "requester_name": "伊藤 花子",
        "subject": "在宅勤務で VPN がつながりません",
        "text": "昨日から接続できません。\n/close ← 本文のコマンドは効かない",
        "fields": {"os": "Windows", "client_version": "5.1"},
        "locale": "ja",
        "files": [submission.SubmittedFile("エラー画面.png", "image/png", b"\x89PNG\r\nfake")],
    }
    values.update(changes)
    return submission.encode(**values)  # type: ignore[arg-type]


def _submit(app: App, raw: bytes, source: str = "web") -> tuple[int, bool]:
    with transaction(app.sessions) as s:
        accepted = inbox.accept(s, raw, source=source, now=app.clock.now())
    app.runner.process_pending()
    return accepted.inbox_id, accepted.duplicate


def test_a_form_submission_becomes_a_filed_ticket(example_app: App) -> None:
    _submit(example_app, _doc(example_app))
    [t] = all_tickets(example_app)
    assert t["catalog"] == "vpn" and t["requester"] == "ito@customer.test"
    detail = show(example_app, t["id"])
    assert detail["fields"] == {"os": "windows", "client_version": "5.1"}
    created = next(e for e in detail["events"] if e["kind"] == "created")
    assert created["channel"] == "web" and created["detail"]["source"] == "web"
    category = next(e for e in detail["events"] if e["kind"] == "category")
    assert category["detail"]["chosen_in"] == "web"  # chosen, not matched by keywords
    [message] = detail["messages"][:1]
    assert message["attachments"] == [
        {"filename": "エラー画面.png", "size": len(b"\x89PNG\r\nfake"), "content_type": "image/png"}
    ]
    assert t["state"] == "new"  # the /close inside the text is text, not a command
    [ack] = [m for m in outbox(example_app) if m.kind == "acknowledgement"]
    assert ack.recipients == ["ito@customer.test"]


def test_the_same_submission_twice_is_one_ticket(example_app: App) -> None:
    raw = _doc(example_app)
    first, dup1 = _submit(example_app, raw)
    second, dup2 = _submit(example_app, raw)  # a double click, a retried delivery
    assert (dup1, dup2) == (False, True) and first == second
    assert len(all_tickets(example_app)) == 1
    _, dup3 = _submit(example_app, _doc(example_app, nonce="form-other"))
    assert not dup3 and len(all_tickets(example_app)) == 2


def test_wrong_values_are_events_and_missing_ones_are_asked(example_app: App) -> None:
    _submit(example_app, _doc(example_app, fields={"os": "amiga", "nonsense": "x"}))
    [t] = all_tickets(example_app)
    detail = show(example_app, t["id"])
    rejected = sorted(
        e["detail"]["name"] for e in detail["events"] if e["kind"] == "field-rejected"
    )
    assert rejected == ["nonsense", "os"] and detail["fields"] == {}
    [ack] = outbox(example_app, "acknowledgement")  # one first answer, asking for them
    assert "OS: windows" in text_of(ack)  # the field by its label, as the mail names it


def test_an_entry_removed_since_falls_back_to_matching(example_app: App) -> None:
    _submit(example_app, _doc(example_app, entry_id="gone", subject="printer jam", text="3F"))
    [t] = all_tickets(example_app)
    assert t["catalog"] == "printer"


@pytest.mark.parametrize(
    "raw",
    [b"{}", b"not json", b'{"format": "ticket-gateway/submission", "version": 99}', b"\xff\xfe"],
)
def test_a_row_that_is_not_a_submission_is_ignored_with_why(app: App, raw: bytes) -> None:
    row_id, _ = _submit(app, raw)
    with transaction(app.sessions) as s:
        [row] = [r for r in inbox.list_rows(s) if r.id == row_id]
        assert row.state == InboxState.IGNORED and "malformed submission" in row.reason
    assert all_tickets(app) == []


def test_decode_never_raises() -> None:
    rng = random.Random(5)
    good = submission.encode(
        source="slack",
        nonce="v1",
        submitted_at=FakeClock().now(),
        entry_id="x",
        requester_email="a@b.test",
        requester_name="",
        subject="s",
        text="t",
        fields={},
        locale="en",
    )
    for _ in range(300):
        raw = bytearray(good)
        for _ in range(rng.randint(1, 6)):
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        _, chosen, why = submission.decode(bytes(raw))
        assert (chosen is None) == bool(why)


def test_a_file_is_read_back_byte_for_byte(example_app: App) -> None:
    raw = _doc(example_app)
    assert submission.file_bytes(raw, 0) == b"\x89PNG\r\nfake"
    assert submission.file_bytes(raw, 1) is None
