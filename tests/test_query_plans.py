"""Every lookup the runner and the sender make is answered by an index (issue #18).

The per-message cost must stay flat as the store grows (``bench/ingest.py --scale``):
a lookup that scans a table is cheap on a test database and linear in its size on
a real one. So instead of a hand-kept list of queries, this test records every
statement the runner and the sender actually run while they work through the
kinds of mail that reach each lookup (a new request with a Cc, replies threaded by
In-Reply-To, by References and by subject tag, a member's answer through a reply
token, a resend, an auto-reply, a bounce, the sender's claim of the outbox, the
drop of old sent mail's bytes), asks
the database for its plan of each one, and fails on a full scan of a table that
grows with the mail. On PostgreSQL the planner is told to avoid sequential scans
(``enable_seqscan = off``), so a tiny test table shows which index it *could* use;
a scan that remains has none.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event

from gateway.actions.worker import ActionWorker
from gateway.config.settings import Settings
from gateway.core.clock import FakeClock
from gateway.outbound.sender import Sender
from gateway.outbound.transport import MaildirTransport
from gateway.runtime.app import App, build
from gateway.scheduling import sent_bytes
from store import inbox
from store.db import transaction
from tests.support.app import MEMBERS, reply_address
from tests.support.mails import mail
from tests.support.pipeline import deliver

# Tables that grow with every message; a scan of the others (installation,
# alembic_version, source_state, …) costs the same at 100 000 messages as at 10.
GROWING = (
    "inbox",
    "tickets",
    "messages",
    "participants",
    "attachments",
    "ticket_events",
    "ticket_fields",
    "outbox",
    "action_runs",
    "chat_outbox",
    "chat_threads",
)

Recorded = list[tuple[str, Any]]


def _record(engines: list[Engine]) -> Iterator[Recorded]:
    seen: Recorded = []

    def before(
        conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool
    ) -> None:
        head = statement.lstrip().split(None, 1)[0].upper()
        if not many and head in ("SELECT", "UPDATE", "DELETE") and "WHERE" in statement.split():
            seen.append((statement, params))

    for engine in engines:
        event.listen(engine, "before_cursor_execute", before)
    yield seen
    for engine in engines:
        event.remove(engine, "before_cursor_execute", before)


def _work(app: App, tmp_path: Path) -> None:
    """The mail that reaches every lookup of the runner, then the sender's pass."""
    alice = "Alice Example <alice@customer.test>"
    first = mail(
        subject="VPN down",
        sender=alice,
        cc="Bob <bob@customer.test>",
        message_id="<req1@customer.test>",
    )
    deliver(app, first)
    deliver(
        app,
        mail(
            subject="Re: VPN down",
            sender=alice,
            message_id="<r1@customer.test>",
            in_reply_to="<req1@customer.test>",
        ),
    )
    deliver(
        app,
        mail(
            subject="Re: VPN down",
            sender="Bob <bob@customer.test>",
            message_id="<r2@customer.test>",
            references="<other@x.test> <req1@customer.test>",
        ),
    )
    deliver(app, mail(subject="[#1] still down", sender=alice, message_id="<r3@customer.test>"))
    deliver(app, first)  # a resend: the same Message-ID again
    token_to = reply_address(app, 1, "ops@example.test")
    deliver(
        app,
        mail(
            subject="Re: VPN down",
            sender="Ops One <ops@example.test>",
            to=token_to,
            message_id="<m1@example.test>",
            in_reply_to="<req1@customer.test>",
        ),
        envelope_to=(token_to,),
    )
    deliver(
        app,
        mail(
            subject="Out of office",
            sender=alice,
            message_id="<oof@customer.test>",
            headers={"Auto-Submitted": "auto-replied"},
            in_reply_to="<req1@customer.test>",
        ),
    )
    deliver(
        app,
        mail(
            subject="Printer jammed",
            sender="Carol <carol@other.test>",
            message_id="<req2@other.test>",
        ),
    )
    deliver(
        app,
        mail(
            subject="Undelivered Mail Returned to Sender",
            sender="MAILER-DAEMON@customer.test",
            message_id="<b1@customer.test>",
            headers={"Auto-Submitted": "auto-replied"},
        ),
    )
    with transaction(app.sessions) as s:  # and one row the way the daemon finds it
        inbox.accept(s, mail(subject="Wifi", sender=alice), source="smtp", now=app.clock.now())
    app.runner.process_pending()
    folder = tmp_path / "outbound"
    Sender(app.settings.outbound, app.clock, app.sessions, lambda: MaildirTransport(folder)).drain()
    # the action worker's first look, after every pass of the runner (issue #18)
    ActionWorker(app.settings, app.clock, app.sessions, app.catalog).drain()
    app.clock.advance(app.settings.outbound.keep_sent or timedelta(days=30))  # and their
    app.clock.advance(timedelta(days=1))  # bytes dropped once old (ix_outbox_sent_kept)
    assert sent_bytes.drop_old(app.sessions, app.settings.outbound, app.clock.now()) > 0


def _plan(engine: Engine, statement: str, params: Any) -> list[str]:
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        if engine.dialect.name == "sqlite":
            cur.execute("EXPLAIN QUERY PLAN " + statement, params)
            return [str(row[-1]) for row in cur.fetchall()]
        cur.execute("SET enable_seqscan = off")
        cur.execute("EXPLAIN " + statement, params)
        lines = [str(row[0]) for row in cur.fetchall()]
        raw.rollback()
        return lines
    finally:
        raw.close()


def _scans(engine: Engine, plan: list[str]) -> list[str]:
    """The plan lines that read a growing table whole (SQLite's ``SCAN t``, with or
    without ``USING INDEX``, which is a full pass over the index; PostgreSQL's
    ``Seq Scan on t``)."""
    marker = "SCAN " if engine.dialect.name == "sqlite" else "Seq Scan on "
    bad = []
    for line in plan:
        text = line.strip().removeprefix("->").strip()
        if text.startswith(marker) and text.removeprefix(marker).split()[0] in GROWING:
            bad.append(text)
    return bad


# an entry served in turn (round robin counts each candidate's tickets of the entry)
ROUND_ROBIN = """
entries:
  - id: vpn
    name: VPN
    keywords: [vpn]
    assignee: [ops@example.test, ops2@example.test]
  - id: other
    name: {ja: その他, en: Other}
    fallback: true
    manager: boss@example.test
"""


@pytest.fixture
def team_app(settings: Settings, clock: FakeClock, tmp_path: Path) -> Iterator[App]:
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(ROUND_ROBIN, encoding="utf-8")
    settings = replace(settings, catalog=replace(settings.catalog, path=catalog))
    application = build(replace(settings, members=MEMBERS), clock)
    yield application
    application.close()


def test_every_lookup_of_the_runner_and_the_sender_uses_an_index(
    team_app: App, tmp_path: Path
) -> None:
    engines = [team_app.engine]
    if team_app.runner_engine is not team_app.engine:
        engines.append(team_app.runner_engine)
    recorder = _record(engines)
    seen = next(recorder)
    _work(team_app, tmp_path)
    next(recorder, None)
    statements = {s: p for s, p in seen}
    assert len(statements) > 20, "the scenario no longer reaches the runner's lookups"
    scans = {}
    for statement, params in statements.items():
        bad = _scans(team_app.engine, _plan(team_app.engine, statement, params))
        if bad:
            scans[" ".join(statement.split())[:300]] = bad
    assert not scans, "\n".join(f"{s}\n    -> {b}" for s, b in scans.items())


def test_the_drop_of_old_sent_bytes_reads_only_the_mails_still_kept(team_app: App) -> None:
    """Not a search of every row ever sent by state (ix_outbox_due), which on SQLite
    reads each row's bytes to reach its later columns: a year of mail every pass."""
    deliver(team_app, mail(subject="VPN down", message_id="<req1@customer.test>"))
    recorder = _record([team_app.engine])
    seen = next(recorder)
    sent_bytes.drop_old(team_app.sessions, team_app.settings.outbound, team_app.clock.now())
    next(recorder, None)
    [(statement, params)] = [(s, p) for s, p in seen if s.lstrip().upper().startswith("SELECT")]
    plan = " ".join(_plan(team_app.engine, statement, params))
    assert "ix_outbox_sent_kept" in plan, plan
