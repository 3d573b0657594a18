"""The log line of a row that failed (deferred after an outage, or shunted) says where
the row came from and which mail it is, as a processed row's line does.

It said ``source=- message_id=None``: an operator reading the journal after ``ingest -``
(the MTA's pipe) deferred a row could not tell which door the mail came in by, nor
find the mail."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.core.errors import BudgetExceeded, TransientError
from gateway.core.model import ParsedMessage
from gateway.runner.budget import Deadline, RowParser
from gateway.runtime.app import build
from store import inbox
from store.db import transaction
from tests.support.mails import mail


class _Failing(RowParser):
    def __init__(self, error: Exception) -> None:
        super().__init__(0, isolating=False)
        self.error = error

    def parse(
        self, raw: bytes, deadline: Deadline | None, ticket: int | None = None
    ) -> ParsedMessage:
        raise self.error


@pytest.mark.parametrize(
    ("error", "verdict"),
    [
        (TransientError("database unavailable: disk I/O error"), "transient"),
        (BudgetExceeded("processing budget of 30s exceeded while parsing"), "shunted"),
    ],
)
def test_a_failed_rows_line_names_its_source_and_message(
    settings: Settings, caplog: pytest.LogCaptureFixture, error: Exception, verdict: str
) -> None:
    app = build(settings, FakeClock())
    app = replace(app, runner=replace(app.runner, parser=_Failing(error)))
    with transaction(app.sessions) as s:  # as `ingest -` stores what the MTA pipes in
        inbox_id = inbox.accept(
            s,
            mail(message_id="<piped-1@customer.test>"),
            source="ingest",
            source_ref="-",
            now=app.clock.now(),
        ).inbox_id
    with caplog.at_level(logging.INFO, logger="gateway.runner"):
        [outcome] = app.runner.process_pending()
    assert outcome.source == "ingest" and outcome.message_id == "piped-1@customer.test"
    [line] = [r.getMessage() for r in caplog.records if r.getMessage().startswith("ingest inbox=")]
    assert f"inbox={inbox_id} " in line and f"verdict={verdict} " in line
    assert "source=ingest " in line and "message_id=piped-1@customer.test " in line
    assert "source=-" not in line
