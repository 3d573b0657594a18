"""Several gateways on one PostgreSQL database: every message one ticket, every
outbox mail sent once, the digest once, and a mailbox polled by one instance at a
time, taken over when its holder stops.

Two real daemons (``daemon.run`` in threads, each with its own data_dir and SMTP
port) against one Dovecot mailbox and the machine's PostgreSQL.
"""

from __future__ import annotations

import hashlib
import smtplib
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from gateway.config.settings import (
    CatalogSettings,
    DatabaseSettings,
    GatewaySettings,
    Member,
    OutboundSettings,
    ScheduleSettings,
    Settings,
    SmtpSettings,
)
from gateway.receive import mailbox_lock
from gateway.runtime import daemon
from gateway.runtime.app import App, build
from gateway.scheduling.rules import Job
from store import jobs
from store.advisory import schema_key
from store.db import make_engine, transaction
from store.models import SourceState
from store.row_claims import ROW_SPACE
from tests.conftest import pg_schema
from tests.support.app import PLAIN_CATALOG, SECRET
from tests.support.databases import postgres_only
from tests.support.dovecot import Dovecot
from tests.support.mails import mail
from tests.support.pipeline import all_tickets, outbox
from tests.support.ports import free_port
from tests.support.waiting import PATIENCE, eventually

NOW = datetime.now(UTC)  # the daemons run on the real clock


def _digest_an_hour_ago() -> str:
    """A weekly digest time an hour before ``NOW`` in the team's zone, so the first
    start always finds one due. The default ("mon 09:00") is not due at a start in the
    hours before it on a Monday (one digest that day, not last week's late and then
    today's): on the real clock the test failed every Sunday from 15:00 UTC."""
    local = (NOW - timedelta(hours=1)).astimezone(ZoneInfo(GatewaySettings().timezone))
    day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[local.weekday()]
    return f"{day} {local:%H:%M}"


# ---------------------------------------------------------------- the lock alone


@postgres_only
def test_one_holder_per_mailbox_and_the_other_takes_over(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mailbox_lock, "TAKEOVER_INTERVAL", 0.05)
    engine = make_engine(db_url)
    # an account of this test's own, though the lock is keyed by the schema too: one
    # guard fewer to rely on for what another run on the same server holds meanwhile
    box = f"box-{uuid.uuid4().hex}"
    running: list[str] = []

    def loop(name: str) -> Callable[[threading.Event], None]:
        def run(stop: threading.Event) -> None:
            running.append(name)
            stop.wait()
            running.remove(name)

        return run

    stops = {n: threading.Event() for n in "ab"}
    threads = {
        n: threading.Thread(target=mailbox_lock.exclusive(engine, box, loop(n)), args=(stops[n],))
        for n in "ab"
    }
    try:
        threads["a"].start()
        assert eventually(lambda: running == ["a"])
        threads["b"].start()
        time.sleep(0.3)
        assert running == ["a"]  # b stands by
        stops["a"].set()
        threads["a"].join(5)
        assert eventually(lambda: running == ["b"])
    finally:
        for n in "ab":
            stops[n].set()
            threads[n].join(5)
        engine.dispose()
    assert not any(t.is_alive() for t in threads.values())


@postgres_only
def test_two_schemas_poll_mailboxes_of_the_same_name_at_once(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two teams' gateways in two schemas of one database, each polling its own mailbox
    of the same name (the same account string): advisory locks are the whole database's,
    so the key is the schema's as well as the account's, or one team's poller would stand
    by behind the other's for ever."""
    monkeypatch.setattr(mailbox_lock, "TAKEOVER_INTERVAL", 0.05)
    box = f"support@imap.example.test:993/INBOX-{uuid.uuid4().hex}"
    running: list[str] = []

    def run(name: str) -> Callable[[threading.Event], None]:
        def poll(stop: threading.Event) -> None:
            running.append(name)
            stop.wait()
            running.remove(name)

        return poll

    with pg_schema() as other_url:
        engines = {"a": make_engine(db_url), "b": make_engine(other_url)}
        stops = {n: threading.Event() for n in "ab"}
        threads = {
            n: threading.Thread(
                target=mailbox_lock.exclusive(engines[n], box, run(n)), args=(stops[n],)
            )
            for n in "ab"
        }
        try:
            for thread in threads.values():
                thread.start()
            assert eventually(lambda: sorted(running) == ["a", "b"])
        finally:
            for n in "ab":
                stops[n].set()
                threads[n].join(5)
                engines[n].dispose()
    assert not any(t.is_alive() for t in threads.values())


def test_on_sqlite_the_poller_runs_unwrapped(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/g.db")

    def run(_stop: threading.Event) -> None: ...

    assert mailbox_lock.exclusive(engine, "box", run) is run
    engine.dispose()


def test_lock_keys_are_stable_signed_and_the_schemas_own() -> None:
    box = "support@imap.example.test:993/INBOX"
    key = schema_key("team_a", mailbox_lock.MAILBOX, box)
    assert key == schema_key("team_a", mailbox_lock.MAILBOX, box)
    assert -(2**63) <= key < 2**63
    assert key != schema_key("team_a", mailbox_lock.MAILBOX, "other@x:993/INBOX")
    assert key != schema_key("team_b", mailbox_lock.MAILBOX, box)
    assert key != schema_key("team_a", "merges", box)
    # a runner's rows are keyed as by the release before, which it shares rows out with
    before = hashlib.sha256(b"ticket-gateway inbox team_a").digest()[:4]
    space = schema_key("team_a", ROW_SPACE, bits=32)
    assert space == int.from_bytes(before, "big", signed=True) and -(2**31) <= space < 2**31


# ---------------------------------------------------------------- two daemons


@dataclass
class Instance:
    settings: Settings
    stop: threading.Event = field(default_factory=threading.Event)
    ready: threading.Event = field(default_factory=threading.Event)
    result: list[int] = field(default_factory=list)
    thread: threading.Thread | None = None

    def start(self) -> None:
        self.thread = threading.Thread(
            target=lambda: self.result.append(
                daemon.run(self.settings, ready=self.ready, stop=self.stop)
            )
        )
        self.thread.start()
        assert self.ready.wait(30)

    def halt(self) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join(daemon.STOP_BOUND + PATIENCE)
            assert not self.thread.is_alive() and self.result == [0]

    def send(self, raw: bytes, sender: str) -> None:
        with smtplib.SMTP("127.0.0.1", self.settings.smtp.port, timeout=PATIENCE) as client:
            client.sendmail(sender, ["support@example.test"], raw)

    @property
    def maildir(self) -> Path:
        return self.settings.outbound.maildir / "new"


def _instance(db_url: str, data_dir: Path, account: object) -> Instance:
    data_dir.mkdir()
    return Instance(
        Settings(
            source="<test>",
            gateway=GatewaySettings(
                address="support@example.test", secret=SECRET, data_dir=data_dir, locale="en"
            ),
            database=DatabaseSettings(url=db_url),
            catalog=CatalogSettings(path=PLAIN_CATALOG),
            smtp=SmtpSettings(port=free_port()),
            imap=(account,),  # type: ignore[arg-type]
            outbound=OutboundSettings(maildir=data_dir / "outbound"),
            schedule=ScheduleSettings(digest=_digest_an_hour_ago()),
            members=(Member(email="boss@example.test", role="manager", locale="en"),),
        )
    )


def _check(db_url: str) -> App:
    base = Settings(
        source="<test>",
        gateway=GatewaySettings(secret=SECRET),
        database=DatabaseSettings(url=db_url),
        catalog=CatalogSettings(path=PLAIN_CATALOG),
    )
    return build(base, migrate_schema=False)


def _polled(app: App) -> bool:
    with transaction(app.sessions) as s:
        return s.scalar(select(SourceState.last_success_at)) is not None


def _sent_ids(*folders: Path) -> list[str]:
    return [
        str(message_from_bytes(f.read_bytes())["Message-ID"]).strip("<>")
        for folder in folders
        if folder.exists()
        for f in folder.iterdir()
    ]


@postgres_only
def test_two_daemons_share_the_database_and_hand_over_the_mailbox(
    db_url: str, tmp_path: Path, dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mailbox_lock, "TAKEOVER_INTERVAL", 0.2)
    monkeypatch.setattr(daemon, "POLL_INTERVAL", 0.3)  # the other runner's look for rows
    user = dovecot.add_user()
    account = dovecot.account(user, poll_interval=timedelta(seconds=1))
    a = _instance(db_url, tmp_path / "a", account)
    b = _instance(db_url, tmp_path / "b", account)
    check: App | None = None
    try:
        a.start()
        check = _check(db_url)
        app = check
        assert eventually(  # a holds the mailbox and has run its scheduler before b starts
            lambda: _polled(app) and _digest_runs(app) == 1, 10
        )
        b.start()
        with dovecot.client(user) as c:
            for n in range(5):
                c.append(
                    "INBOX",
                    mail(
                        subject=f"imap {n}",
                        message_id=f"<imap-{n}@c.test>",
                        sender=f"imap{n}@customer.test",
                        date=NOW,
                    ),
                )
        for n in range(5):
            a.send(
                mail(
                    subject=f"via a {n}",
                    message_id=f"<a-{n}@c.test>",
                    sender=f"a{n}@customer.test",
                    date=NOW,
                ),
                f"a{n}@customer.test",
            )
            b.send(
                mail(
                    subject=f"via b {n}",
                    message_id=f"<b-{n}@c.test>",
                    sender=f"b{n}@customer.test",
                    date=NOW,
                ),
                f"b{n}@customer.test",
            )
        assert eventually(lambda: len(all_tickets(app)) == 15)
        assert eventually(lambda: all(r.state == "sent" for r in outbox(app)))
        subjects = sorted(t["subject"] for t in all_tickets(app))
        assert len(set(subjects)) == 15  # every message exactly one ticket
        rows = outbox(app)
        sent = _sent_ids(a.maildir, b.maildir)
        assert sorted(sent) == sorted(r.message_id for r in rows)  # each mail sent once
        assert {r.kind for r in rows} >= {"acknowledgement"}
        # the digest claimed once; a fresh site's first summary has nothing to say: not sent
        assert [r for r in rows if r.kind == "weekly_summary"] == []
        assert _digest_runs(app) == 1
        a.halt()  # the holder goes: b takes the mailbox over
        with dovecot.client(user) as c:
            c.append(
                "INBOX",
                mail(
                    subject="after the stop",
                    message_id="<late@c.test>",
                    sender="late@customer.test",
                    date=NOW,
                ),
            )
        assert eventually(lambda: "after the stop" in {t["subject"] for t in all_tickets(app)})
    finally:
        a.halt()
        b.halt()
        if check is not None:
            check.close()


def _digest_runs(app: App) -> int:
    with transaction(app.sessions) as s:
        return len(jobs.runs(s, Job.DIGEST))
