"""One mail delivered by SMTP to two instances on one PostgreSQL database (two MX, the
sending server retrying on the other after a timeout): two inbox rows, one ticket, one
acknowledgement to the requester; and the connections of one instance ended under
load (a PostgreSQL restart as the instance sees it): each mail is answered 250 (stored)
or 451 (sent again), never lost, never half-written."""

from __future__ import annotations

import smtplib
import threading
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.pool import NullPool

from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App, build
from tests.support.app import MEMBERS
from tests.support.databases import postgres_only
from tests.support.mails import mail
from tests.support.pipeline import all_tickets, inbox_rows, outbox
from tests.support.smtp import crlf, listening, smtp_settings


@pytest.fixture
def pair(settings: Settings, clock: FakeClock) -> Iterator[tuple[App, App]]:
    team = replace(smtp_settings(settings), members=MEMBERS)
    first, second = build(team, clock), build(team, clock)
    yield first, second
    first.close()
    second.close()


def _send(port: int, raw: bytes) -> tuple[int, bytes]:
    with smtplib.SMTP("127.0.0.1", port) as client:
        client.ehlo("mx.customer.test")
        client.mail("alice@customer.test")
        client.rcpt("support@example.test")
        try:
            return client.data(raw)
        except smtplib.SMTPDataError as exc:
            return exc.smtp_code, exc.smtp_error


@postgres_only
def test_one_mail_by_smtp_to_both_instances_is_one_ticket_and_one_answer(
    pair: tuple[App, App],
) -> None:
    first, second = pair
    copies = [
        crlf(mail(message_id="<both@customer.test>", headers={"Received": f"from mx{n}.test"}))
        for n in (1, 2)
    ]
    with (
        listening(first.settings, first.sessions, first.clock) as one,
        listening(second.settings, second.sessions, second.clock) as two,
    ):
        codes: list[tuple[int, bytes]] = []
        ts = [
            threading.Thread(target=lambda p=p, r=r: codes.append(_send(p, r)))
            for p, r in ((one.port, copies[0]), (two.port, copies[1]))
        ]
        for t in ts:
            t.start()
        for t in ts:
            t.join(30)
    assert [c for c, _ in codes] == [250, 250], codes
    done: list[Any] = []
    ts = [
        threading.Thread(target=lambda a=a: done.append(a.runner.process_pending())) for a in pair
    ]
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    states = sorted(r.state for r in inbox_rows(first))
    assert states == ["done", "ignored"], [(r.state, r.reason) for r in inbox_rows(first)]
    assert len(all_tickets(first)) == 1
    acks = [r for r in outbox(first) if "alice@customer.test" in r.recipients]
    assert len(acks) == 1, [r.kind for r in acks]


@postgres_only
def test_an_instances_connections_ended_under_smtp_load_lose_nothing(
    pair: tuple[App, App],
) -> None:
    first, _ = pair
    pids: set[int] = set()

    def opened(dbapi: Any, _record: Any) -> None:
        pid = getattr(getattr(dbapi, "info", None), "backend_pid", None)
        if pid is not None:
            pids.add(int(pid))

    event.listen(first.engine, "connect", opened)
    with first.engine.connect() as c:  # the pool's connection is ours too
        pids.add(c.scalar(text("SELECT pg_backend_pid()")))
    answers: dict[str, int] = {}
    stop = threading.Event()

    def kill_loop() -> None:
        admin = first.engine.url.render_as_string(hide_password=False)
        killer = create_engine(admin, poolclass=NullPool)
        try:
            while not stop.wait(0.05):
                with killer.connect() as c:
                    c.execute(
                        text("SELECT pg_terminate_backend(p) FROM unnest(CAST(:p AS int[])) t(p)"),
                        {"p": sorted(pids)},
                    )
                    c.commit()
        finally:
            killer.dispose()

    with listening(first.settings, first.sessions, first.clock) as srv:
        killer = threading.Thread(target=kill_loop)
        killer.start()
        try:
            for n in range(40):
                mid = f"<load-{n}@customer.test>"
                answers[mid] = _send(srv.port, crlf(mail(subject=f"VPN {n}", message_id=mid)))[0]
        finally:
            stop.set()
            killer.join(10)
    event.remove(first.engine, "connect", opened)
    assert set(answers.values()) <= {250, 451}, answers
    stored = [mid for mid, code in answers.items() if code == 250]
    with first.engine.connect() as c:
        rows = c.execute(text("SELECT id FROM inbox")).all()
        raws = c.scalar(text("SELECT count(*) FROM inbox_raw"))
    assert len(rows) >= len(stored) and raws == len(rows)  # no row without its bytes
    first.runner.process_pending()
    assert len(all_tickets(first)) == len(rows)
