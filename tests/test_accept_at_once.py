"""Two instances' acceptors storing at the same instant on one PostgreSQL database.
Both looked the message up before either inserted it: the same bytes (a mail through
two MX, a form sent twice) broke the inbox's unique digest in the second, an error
(the form's page failed; the SMTP writer logged its batch as failed and stored it again
one by one) where the first one's row makes it a duplicate.
And two documents under one claim (a form's token) are stored once."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from gateway.runtime.app import App
from store.accept import generic
from store.accept.contract import Accepted, Claim, Claimed, Incoming
from store.accept.generic import SessionInbox
from tests.support.databases import postgres_only
from tests.support.mails import mail
from tests.support.pipeline import inbox_rows

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
def both_look_first(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Barrier]:
    """Each acceptor's first look-up waits for the other's before either inserts."""
    meet = threading.Barrier(2)
    known = generic._known
    looked: list[int] = []

    def look(*args: Any) -> Any:
        found = known(*args)
        looked.append(1)
        if len(looked) <= 2:
            meet.wait(10)
        return found

    monkeypatch.setattr(generic, "_known", look)
    yield meet


def _at_once(*work: Callable[[], list[Accepted]]) -> list[list[Accepted] | BaseException]:
    got: list[list[Accepted] | BaseException] = [[] for _ in work]

    def run(n: int) -> None:
        try:
            got[n] = work[n]()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            got[n] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(work))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return got


@postgres_only
def test_the_same_bytes_at_once_on_two_instances_are_one_row(
    app: App, both_look_first: threading.Barrier
) -> None:
    raw = mail(message_id="<twice@customer.test>")
    one, two = SessionInbox(app.sessions), SessionInbox(app.sessions)
    got = _at_once(
        lambda: one.accept_many([Incoming(raw, "smtp")], now=NOW),
        lambda: two.accept_many([Incoming(raw, "smtp")], now=NOW),
    )
    assert all(isinstance(g, list) for g in got), got
    answers = sorted((a.inbox_id, a.duplicate) for g in got if isinstance(g, list) for a in g)
    rows = inbox_rows(app)
    assert len(rows) == 1
    assert answers == [(rows[0].id, False), (rows[0].id, True)]


@postgres_only
def test_two_documents_under_one_claim_at_once_are_stored_once(
    app: App, both_look_first: threading.Barrier
) -> None:
    claim = Claim("submit-token:t", NOW)
    one, two = SessionInbox(app.sessions), SessionInbox(app.sessions)
    first = Incoming(b'{"text": "one"}', "web", claim=claim)
    second = Incoming(b'{"text": "two"}', "web", claim=claim)
    got = _at_once(
        lambda: one.accept_many([first], now=NOW),
        lambda: two.accept_many([second], now=NOW),
    )
    assert len(inbox_rows(app)) == 1
    assert sorted(type(g).__name__ for g in got) == ["Claimed", "list"]
    assert any(isinstance(g, Claimed) for g in got)
