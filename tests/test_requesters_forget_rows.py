"""``requesters forget`` and the rows of a person that belong to no ticket yet: a chat or
form submission not yet processed, a shunted mail, a web form's counter; another
person's rows beside them stay (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, update

from gateway.config.load import load_settings
from gateway.core.clock import FakeClock
from gateway.pipeline.parse import submission
from gateway.runtime.app import App
from gateway.runtime.app import build as make_app
from store import inbox
from store.db import transaction
from store.models import InboxRow, RateCounter
from tests.support.cli import run
from tests.support.config import write_config
from tests.support.mails import mail

NOW = datetime.now(UTC)


@pytest.fixture
def config(db_url: str, tmp_path: Path) -> Path:
    return write_config(tmp_path, url=db_url, secret_file=True)


@pytest.fixture
def app(config: Path) -> Iterator[App]:
    application = make_app(load_settings(config), FakeClock(NOW))
    yield application
    application.close()


def _submitted(source: str, email: str, nonce: str) -> bytes:
    return submission.encode(
        source=source,
        nonce=nonce,
        submitted_at=NOW,
        entry_id="other",
        requester_email=email,
        requester_name="",
        subject="VPN",
        text="It fails.",
        fields={},
        locale="ja",
    )


def test_unprocessed_rows_of_hers_go_and_others_stay(
    app: App, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [
        (_submitted("slack", "Alice@Customer.test", "s1"), "slack"),  # her form, any case
        (_submitted("web", "bob@customer.test", "w1"), "web"),  # Bob's
        (
            mail("Hi", sender="Someone <x@y.test>", headers={"Reply-To": "alice@customer.test"}),
            "imap",
        ),
        (mail("Hello", sender="Bob <bob@customer.test>", cc="alice@customer.test"), "imap"),
    ]
    with transaction(app.sessions) as s:
        ids = [inbox.accept(s, raw, source=src, now=NOW).inbox_id for raw, src in rows]
        s.execute(update(InboxRow).where(InboxRow.id == ids[2]).values(state="shunted"))
        s.add(RateCounter(key="submit-addr:alice@customer.test", window_start=NOW, count=1))
        s.add(RateCounter(key="submit-addr:bob@customer.test", window_start=NOW, count=1))
    ran = run(config, "requesters", "forget", "mailto:alice@customer.test", capsys=capsys)
    assert ran.code == 0, ran.err
    assert "raw inbox rows: 2" in ran.out and "web form counters: 1" in ran.out
    with transaction(app.sessions) as s:
        # her submission and the mail whose answers go to her; Bob's, which only copies
        # her, is his (see the README: other people's mail keeps its header)
        assert sorted(s.scalars(select(InboxRow.id))) == [ids[1], ids[3]]
        assert list(s.scalars(select(RateCounter.key))) == ["submit-addr:bob@customer.test"]
