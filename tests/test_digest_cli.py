"""``ticket-gateway digest`` and ``sweep`` on a seeded database: each member's mail in
their language with exactly their tickets that are not closed; dry runs write nothing."""

from __future__ import annotations

import io
import re
import sqlite3
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, make_url, text

from gateway.config.load import load_settings
from gateway.core.clock import FakeClock
from gateway.core.model import TicketState
from gateway.core.sqlite_url import sqlite_path
from gateway.runtime.cli.main import main
from tests.conftest import PG_URL
from tests.support.app import MEMBERS
from tests.support.config import members_toml, write_config
from tests.support.pipeline import outbox
from tests.support.scheduling import CATALOG, make_app, open_ticket, set_state, tick_and_send
from tests.support.unwrap import unwrapped

SEPARATOR = "-" * 72
OPS = "ops@example.test"


@pytest.fixture
def config(db_url: str, tmp_path: Path) -> Path:
    (tmp_path / "catalog.yaml").write_text(CATALOG, encoding="utf-8")
    return write_config(
        tmp_path,
        url=db_url,
        secret_file=True,
        extra='[catalog]\npath = "catalog.yaml"\n' + members_toml(MEMBERS),
    )


@pytest.fixture
def seeded(config: Path) -> dict[str, int]:
    """Open, pending and closed tickets of two members."""
    # long before the real clock the CLI reads: every ticket is stale and overdue by then
    app = make_app(load_settings(config), FakeClock(datetime(2024, 1, 8, 1, 0, tzinfo=UTC)))
    try:
        ids = {
            "vpn_open": open_ticket(app, "VPN drops every hour", key="c1", state=TicketState.OPEN),
            "vpn_closed": open_ticket(
                app, "VPN password reset", key="c2", state=TicketState.CLOSED
            ),
            "buy_new": open_ticket(app, "購入申請: モニター", key="c3"),
            "buy_pending": open_ticket(
                app, "Purchase: keyboard", key="c4", state=TicketState.PENDING
            ),
            "buy_closed": open_ticket(app, "Purchase: headset", key="c5"),
        }
        set_state(app, ids["buy_closed"], TicketState.CLOSED)
    finally:
        app.close()
    return ids


def _mails(out: str) -> dict[str, list[str]]:
    """Printed mails by recipient (a member may get a digest and a summary)."""
    found: dict[str, list[str]] = {}
    for block in out.split(SEPARATOR):
        block = block.strip()
        if block.startswith("To: "):
            to = block.splitlines()[0].removeprefix("To: ").split("<")[-1].rstrip(">")
            found.setdefault(to, []).append(block)
    return found


def _tags(block: str, ids: dict[str, int]) -> set[str]:
    return {name for name, tid in ids.items() if f"[#{tid}]" in block}


def test_dry_run_prints_each_members_open_tickets_in_their_language(
    config: Path, seeded: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    before = outbox_count(config)
    assert main(["--config", str(config), "digest", "--dry-run"]) == 0
    mails = _mails(capsys.readouterr().out)
    assert set(mails) == {"ops@example.test", "ops2@example.test", "boss@example.test"}
    [ops] = mails["ops@example.test"]
    assert "Subject: Weekly digest" in ops and "Your open tickets (1)" in ops
    assert _tags(ops, seeded) == {"vpn_open"}
    assert "support+" in ops  # how to act on it: the member's reply address
    assert "OVERDUE since" in ops and "STALE" in ops  # the SLA and stale marks
    [ops2] = mails["ops2@example.test"]
    assert (
        "Subject: 【週次ダイジェスト】" in ops2
        and "担当中のチケット（2 件、優先度の高い順、同じ優先度では古い順）" in ops2
    )
    assert _tags(ops2, seeded) == {"buy_new", "buy_pending"}
    assert ops2.index(f"[#{seeded['buy_new']}]") < ops2.index(f"[#{seeded['buy_pending']}]")
    assert "放置" in ops2 and "期限超過" not in ops2  # stale; its entry has no SLA
    [summary] = mails["boss@example.test"]  # no tickets of her own: only the summary
    assert "Subject: 【週次サマリー】" in summary
    assert _tags(summary, seeded) == {"vpn_open", "buy_new", "buy_pending"}
    assert outbox_count(config) == before  # a dry run writes nothing


def test_dry_run_says_each_members_times_in_their_own_zone(
    config: Path,
    seeded: dict[str, int],
    db_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """As mailed: ops reads London's clock (``[[members]] time_zone``)."""
    london = tuple(replace(m, time_zone="Europe/London") if m.email == OPS else m for m in MEMBERS)
    extra = '[catalog]\npath = "catalog.yaml"\n' + members_toml(london)
    write_config(tmp_path, url=db_url, secret_file=True, extra=extra)
    assert main(["--config", str(config), "digest", "--dry-run"]) == 0
    mails = _mails(capsys.readouterr().out)
    ops = unwrapped(mails[OPS][0])  # our sentences as written, not as wrapped
    # the resolve deadline, two days after 2024-01-08 01:00 UTC: 10:00 in Tokyo
    assert "OVERDUE since Wed, Jan 10, 2024, 01:00 GMT" in ops  # January: GMT, not BST
    assert "JST" not in ops


def test_the_digest_lists_the_commands_of_the_members_role(
    config: Path, seeded: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    """The grammar's own lines, in the member's language, for what their role may give;
    no "see the README"; and the CLI names the week the way ``stats`` does."""
    from gateway.config.settings import Member
    from gateway.scheduling.digest import member_commands

    assert main(["--config", str(config), "digest", "--dry-run"]) == 0
    out = capsys.readouterr().out
    mails = _mails(out)
    [ops], [ops2] = mails["ops@example.test"], mails["ops2@example.test"]
    assert "/assign <member>        give the ticket to a member" in ops
    assert "/note " in ops and "/approve" not in ops and "README" not in ops
    assert "/assign <担当者>        担当者を変える" in ops2 and "README" not in ops2
    assert re.search(r"would be sent for \d{4}-W\d\d \(\d{4}-\d\d-\d\d – \d{4}-", out)
    manager = member_commands(Member("boss@example.test", role="manager"), "en")
    assert "/approve" in manager and "(managers only)" in manager
    assert "/approve" not in member_commands(Member("ops@example.test"), "ja")


def test_member_filter(
    config: Path, seeded: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["--config", str(config), "digest", "--dry-run", "--member", "OPS2@example.test"]) == 0
    )
    out = capsys.readouterr().out
    assert set(_mails(out)) == {"ops2@example.test"}


@pytest.mark.parametrize("dry_run", [["--dry-run"], []])
def test_a_member_nobody_is_called_is_refused(
    config: Path, seeded: dict[str, int], capsys: pytest.CaptureFixture[str], dry_run: list[str]
) -> None:
    """A typo in --member printed or queued nothing and exited 0, as if the member
    simply had no mail; it is refused as tickets list refuses an unknown --assignee."""
    before = outbox_count(config)
    args = ["digest", *dry_run, "--member", "opz2@example.test"]
    assert main(["--config", str(config), *args]) == 64
    captured = capsys.readouterr()
    assert captured.err == "ticket-gateway: no member 'opz2@example.test'\n"
    assert captured.out == "" and outbox_count(config) == before


def test_digest_queues_once_and_sweep_dry_run_writes_nothing(
    config: Path, seeded: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    before = outbox_count(config)
    assert main(["--config", str(config), "sweep", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "nothing written" in out and "<ops2@example.test>" in out  # stale by now
    assert outbox_count(config) == before
    assert main(["--config", str(config), "digest"]) == 0
    assert "3 mails queued" in capsys.readouterr().out
    assert main(["--config", str(config), "digest"]) == 0
    assert "sent already" in capsys.readouterr().out
    assert main(["--config", str(config), "sweep"]) == 0
    assert "stale" in capsys.readouterr().out


def outbox_count(config: Path, kind: str | None = None) -> int:
    app = make_app(load_settings(config), FakeClock())
    try:
        return len(outbox(app, kind))
    finally:
        app.close()


def test_member_resends_a_digest_already_sent(
    config: Path, seeded: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    """``--member`` queues that member's mail again (their digest went astray): it is a
    resend, so the week's own mail having gone out already must not swallow it."""
    assert main(["--config", str(config), "digest"]) == 0
    assert "3 mails queued" in capsys.readouterr().out
    before = outbox_count(config, "weekly_digest")
    for _ in range(2):
        assert main(["--config", str(config), "digest", "--member", "ops2@example.test"]) == 0
        assert "1 mail queued" in capsys.readouterr().out
    assert outbox_count(config, "weekly_digest") == before + 2
    assert main(["--config", str(config), "digest"]) == 0  # the week stays sent
    assert "sent already" in capsys.readouterr().out


def _others_wait(db_url: str) -> bool:
    """Whether a writer would wait for another connection right now: on SQLite, the write
    lock is taken; on PostgreSQL, a transaction holds locks on this test's tables."""
    path = sqlite_path(db_url)
    if path is not None:
        con = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            con.execute("BEGIN IMMEDIATE")
            con.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:
            return True
        finally:
            con.close()
    schema = str(make_url(db_url).query["options"]).split("=", 1)[1]
    engine = create_engine(PG_URL)
    try:
        with engine.connect() as conn:
            held = conn.execute(
                text(
                    "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = :schema AND l.pid <> pg_backend_pid()"
                ),
                {"schema": schema},
            ).scalar_one()
    finally:
        engine.dispose()
    return bool(held)


class _Pager(io.StringIO):
    """``| less``: the operator reads the first screen for as long as they like. What
    the database looks like to the others meanwhile is noted at the first line."""

    def __init__(self, db_url: str) -> None:
        super().__init__()
        self.db_url = db_url
        self.others_waited: bool | None = None

    def write(self, s: str) -> int:
        if self.others_waited is None:
            self.others_waited = _others_wait(self.db_url)
        return super().write(s)


@pytest.mark.parametrize("command", ["sweep", "digest"])
def test_a_dry_run_read_in_a_pager_holds_nothing(
    config: Path,
    seeded: dict[str, int],
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    command: str,
) -> None:
    """Its mails are printed once its transaction is over: on SQLite the write lock held
    while a person reads made the listener answer 451; on PostgreSQL the rows it locked
    kept the other instances waiting, and the server's idle-transaction cap ended it."""
    assert not _others_wait(db_url)
    pager = _Pager(db_url)
    monkeypatch.setattr(sys, "stdout", pager)
    assert main(["--config", str(config), command, "--dry-run"]) == 0
    assert "To: " in pager.getvalue()  # it printed mails
    assert pager.others_waited is False


def test_sweep_dry_run_names_the_tickets_it_would_change(
    config: Path, seeded: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    """The README promises the dry run's "mails and changes": a count of closes alone
    ("pending-close 1") leaves the operator to guess which ticket it would close, and a
    close whose requester gets no mail (a monitoring alert) shows in no printed mail."""
    assert main(["--config", str(config), "sweep", "--dry-run"]) == 0
    out = capsys.readouterr().out  # never asked again: the reminder comes before a close
    assert f"pending-reminder: #{seeded['buy_pending']}\n" in out
    assert "pending-close:" not in out
    # the requester was asked again in 2024, on time (three days): now it is closed
    app = make_app(load_settings(config), FakeClock(datetime(2024, 1, 11, 2, 0, tzinfo=UTC)))
    try:
        tick_and_send(app)  # the reminder leaves then: its grace starts
    finally:
        app.close()
    capsys.readouterr()
    assert main(["--config", str(config), "sweep", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"pending-close: #{seeded['buy_pending']}\n" in out
    stale = next(line for line in out.splitlines() if line.startswith("stale: "))
    open_ = ("vpn_open", "buy_new", "buy_pending")
    assert set(stale.removeprefix("stale: ").split(", ")) >= {f"#{seeded[n]}" for n in open_[:2]}
    assert main(["--config", str(config), "sweep"]) == 0  # a real pass: the counts alone
    assert "pending-close:" not in capsys.readouterr().out


def test_a_site_run_by_cron_gets_its_weekly_digest_from_the_sweep(
    config: Path,
    seeded: dict[str, int],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without the daemon, cron runs ``sweep; actions run; send`` (the README's line): the
    scheduled digest is the daemon pass's job, so such a site never got one. The sweep
    sends it when it is due, once, as the pass does; a dry run prints it."""
    from gateway.runtime import app as app_module

    build = app_module.build
    # Tuesday 2026-03-03 10:00 JST: Monday's 09:00 digest (2026-W09) is due and unsent
    clock = FakeClock(datetime(2026, 3, 3, 1, 0, tzinfo=UTC))
    monkeypatch.setattr(app_module, "build", lambda s, **kw: build(s, clock, **kw))
    assert main(["--config", str(config), "sweep", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "digest 1" in out and "Weekly digest" in out and "nothing written" in out
    assert outbox_count(config, "weekly_digest") == 0
    assert main(["--config", str(config), "sweep"]) == 0
    assert "digest 1" in capsys.readouterr().out
    sent = outbox_count(config, "weekly_digest")
    assert sent > 0
    clock.advance(timedelta(minutes=5))  # the next cron run: not again
    assert main(["--config", str(config), "sweep"]) == 0
    assert "digest" not in capsys.readouterr().out
    assert outbox_count(config, "weekly_digest") == sent
    assert main(["--config", str(config), "digest"]) == 0
    assert "sent already" in capsys.readouterr().out


def test_a_ticket_that_fails_in_the_sweep_makes_cron_see_a_non_zero_exit(
    config: Path,
    seeded: dict[str, int],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One ticket's failure is logged and the others go on; cron only sees the exit
    status and stderr, so the sweep says which ticket failed there and exits 75 (the
    README's "retry later": the next sweep tries it again)."""
    from gateway.scheduling import sweeps

    real = sweeps._pending

    def broken(session: object, ctx: object, ticket: Any, *rest: Any) -> None:
        if ticket.id == seeded["buy_pending"]:
            raise RuntimeError("boom")
        real(session, ctx, ticket, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(sweeps, "_pending", broken)
    assert main(["--config", str(config), "sweep"]) == 75
    captured = capsys.readouterr()
    assert f"#{seeded['buy_pending']}" in captured.err and "stale" in captured.out
    assert main(["--config", str(config), "sweep", "--dry-run"]) == 75
    assert f"#{seeded['buy_pending']}" in capsys.readouterr().err
