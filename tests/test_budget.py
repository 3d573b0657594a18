"""Issue #14: a row that runs past its processing budget is shunted with the reason.

Between stages the budget is checked on the injected clock (a stage that makes the
fake clock jump overruns it); a big or hostile row is parsed in a worker process
that is killed when the budget runs out, while the runner's thread only waits.
"""

from __future__ import annotations

import os
import time
from dataclasses import replace
from datetime import timedelta

import pytest

from gateway.config.settings import LimitsSettings
from gateway.core.clock import FakeClock
from gateway.core.errors import BudgetExceeded
from gateway.core.model import InboxState, ParsedMessage
from gateway.pipeline.parse.message import parse_message
from gateway.runner.arrival import Arrival
from gateway.runner.budget import Deadline, RowParser
from gateway.runner.chain import CHAIN, Link
from gateway.runner.parse_worker import ParseWorker
from gateway.runtime.app import App
from tests.support import hostile
from tests.support.mails import mail
from tests.support.pipeline import all_tickets, deliver, inbox_rows, outbox


def _slow_parse(raw: bytes) -> ParsedMessage:
    """Stands for a parser path we do not know yet that never ends (runs in the worker)."""
    time.sleep(60)
    return parse_message(raw)


def _with_limits(app: App, **limits: object) -> App:
    settings = replace(app.settings, limits=replace(app.settings.limits, **limits))
    return replace(app, settings=settings, runner=replace(app.runner, settings=settings))


def test_a_row_past_its_budget_is_shunted_with_the_reason_and_writes_nothing(
    app: App, clock: FakeClock
) -> None:
    def stuck(a: Arrival) -> Arrival:
        clock.advance(timedelta(seconds=31))  # the stage took 31 s on the injected clock
        return a

    slow = replace(
        app, runner=replace(app.runner, chain=(CHAIN[0], Link("stuck", stuck), *CHAIN[1:]))
    )
    outcome = deliver(slow, mail(subject="first"))
    assert outcome.state == InboxState.SHUNTED
    assert "processing budget of 30s exceeded" in outcome.reason
    assert "after stage 'stuck', before 'loops'" in outcome.reason
    assert all_tickets(app) == [] and outbox(app) == []  # rolled back: nothing half-written
    row = inbox_rows(app)[-1]
    assert row.state == "shunted" and "BudgetExceeded" in row.reason
    assert deliver(app, mail(subject="second")).state == InboxState.DONE  # the loop goes on


def test_the_budget_is_a_setting(app: App, clock: FakeClock) -> None:
    def slowish(a: Arrival) -> Arrival:
        clock.advance(timedelta(seconds=31))
        return a

    patient = _with_limits(app, processing_budget=timedelta(minutes=2))
    patient = replace(
        patient,
        runner=replace(patient.runner, chain=(CHAIN[0], Link("slowish", slowish), *CHAIN[1:])),
    )
    assert deliver(patient, mail()).state == InboxState.DONE


def test_deadline_counts_on_the_injected_clock(clock: FakeClock) -> None:
    deadline = Deadline.start(clock, timedelta(seconds=10))
    deadline.check("parse")
    clock.advance(timedelta(seconds=9))
    assert deadline.left() == pytest.approx(1.0)
    clock.advance(timedelta(seconds=2))
    with pytest.raises(BudgetExceeded, match=r"11\.0s after stage 'thread'"):
        deadline.check("thread")


def test_a_parse_that_overruns_is_killed_and_the_row_shunted(app: App) -> None:
    worker = ParseWorker(_slow_parse)
    impatient = _with_limits(app, processing_budget=timedelta(seconds=1))
    impatient = replace(
        impatient, runner=replace(impatient.runner, parser=RowParser(0, worker))
    )  # every row isolated, in a worker that never finishes
    try:
        outcome = deliver(impatient, mail())  # not after the minute the parse would take
        assert outcome.state == InboxState.SHUNTED
        assert "parsing took longer than" in outcome.reason
        assert worker.pid is None and len(worker.started) == 1
        with pytest.raises(ProcessLookupError):  # killed, not left burning a core
            os.kill(worker.started[0], 0)
    finally:
        worker.close()


def test_big_and_hostile_rows_are_parsed_in_the_worker_with_the_same_result() -> None:
    parser = RowParser(isolate_above=100_000)
    deadline = Deadline.start(FakeClock(), timedelta(seconds=30))
    try:
        small = mail(body="hello\n")
        assert not parser.isolates(small)
        for raw in (
            hostile.normal(200_000),
            hostile.many_parts(300),
            hostile.encoded_subject(70_000),
        ):
            assert parser.isolates(raw)
            assert parser.parse(raw, deadline) == parse_message(raw)
        assert parser._worker is not None and parser._worker.pid is not None
    finally:
        parser.close()


def test_limits_are_read_from_the_config(tmp_path: pytest.TempPathFactory) -> None:
    from tests.support.config import load_toml

    settings = load_toml(
        tmp_path,  # type: ignore[arg-type]
        '[gateway]\ndata_dir = "var"',
        '[limits]\nprocessing_budget = "5s"\nisolate_above = "2MB"\nmax_participants = 3\n'
        "max_relay = 4\nops_notices_per_hour = 2",
    )
    assert settings.limits == LimitsSettings(
        processing_budget=timedelta(seconds=5),
        isolate_above=2_000_000,
        max_participants=3,
        max_relay=4,
        ops_notices_per_hour=2,
    )


def test_a_row_with_a_big_attachment_goes_to_the_worker_slim_and_parses_the_same() -> None:
    import base64
    import random

    from gateway.pipeline.parse.message import SlimMessage, prepare

    data = base64.encodebytes(random.Random(4).randbytes(2_000_000)).decode("ascii")
    raw = (
        "From: a@example.test\nSubject: dump\nMIME-Version: 1.0\n"
        "Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n" + data
    ).encode()
    assert isinstance(prepare(raw), SlimMessage)
    parser = RowParser(isolate_above=100_000)
    try:
        parsed = parser.parse(raw, Deadline.start(FakeClock(), timedelta(seconds=30)))
        assert parser._worker is not None and parser._worker.pid is not None
    finally:
        parser.close()
    assert parsed == parse_message(raw, slim_above=None)
    assert parsed.attachments[0].size == 2_000_000
