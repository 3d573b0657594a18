"""``ticket-gateway status``: what each mailbox, the inbox, the outbox and the jobs
are doing, and exit 1 with the reasons when something needs a human."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gateway.config.load import load_settings
from gateway.config.settings import HealthSettings, ImapSettings, Settings
from gateway.core.clock import FakeClock, SystemClock
from gateway.receive import pipe
from gateway.runtime.app import App, build
from gateway.runtime.cli import main as cli
from gateway.scheduling import health
from store import inbox, jobs, outbox, sources
from store.db import transaction
from store.health import Snapshot, SourceSeen
from tests.support.config import SECRET_ENV, with_database, write_config
from tests.support.mails import mail

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
LIMITS = HealthSettings()
ACCOUNT = ImapSettings(host="imap.example.test", username="support", password_env="IMAP_PASSWORD")


def _snap(
    *,
    last_success: datetime | None = NOW,
    known: bool = True,
    error: str = "",
    shunted: int = 0,
    oldest: datetime | None = None,
    unprocessed: datetime | None = None,
) -> Snapshot:
    return Snapshot(
        (SourceSeen("imap:a", known, last_success, error),),
        ({"shunted": shunted} if shunted else {}) | ({"pending": 1} if unprocessed else {}),
        1 if oldest else 0,
        oldest,
        0,
        {},
        inbox_oldest=unprocessed,
    )


@pytest.mark.parametrize(
    ("snap", "problem"),
    [
        (_snap(), None),  # all fine
        (_snap(last_success=NOW - timedelta(minutes=14)), None),  # within max_poll_age
        (
            _snap(last_success=NOW - timedelta(minutes=16)),
            "longer ago than health.max_poll_age = 15m",
        ),
        (_snap(last_success=None, known=False), "never polled successfully"),
        (
            _snap(last_success=NOW - timedelta(hours=1), error="login as 'support' refused"),
            "(last error: login as 'support' refused)",
        ),
        (_snap(shunted=1), "1 shunted inbox row, more than health.max_shunted = 0"),
        (_snap(oldest=NOW - timedelta(minutes=29)), None),
        (_snap(oldest=NOW - timedelta(minutes=31)), "longer than health.max_outbox_age = 30m"),
        (_snap(unprocessed=NOW - timedelta(minutes=14)), None),  # within max_inbox_age
        (
            _snap(unprocessed=NOW - timedelta(minutes=16)),
            "the oldest unprocessed mail arrived at 2026-03-02T00:44:00+00:00, longer ago than "
            "health.max_inbox_age = 15m (ticket-gateway inbox list --state pending)",
        ),
    ],
)
def test_assess_names_the_threshold_that_was_broken(snap: Snapshot, problem: str | None) -> None:
    report = health.assess(snap, ("a",), LIMITS, NOW)
    assert report.healthy is (problem is None)
    if problem is not None:
        assert len(report.problems) == 1 and problem in report.problems[0].text


def test_thresholds_come_from_the_health_section() -> None:
    lenient = HealthSettings(
        max_poll_age=timedelta(hours=2), max_shunted=3, max_inbox_age=timedelta(hours=1)
    )
    snap = _snap(
        last_success=NOW - timedelta(hours=1), shunted=3, unprocessed=NOW - timedelta(minutes=59)
    )
    assert health.assess(snap, ("a",), lenient, NOW).healthy


def test_max_inbox_age_is_read_from_the_config(tmp_path: Path) -> None:
    config = write_config(tmp_path, extra='[health]\nmax_inbox_age = "2h"\n')
    assert load_settings(config).health.max_inbox_age == timedelta(hours=2)
    assert HealthSettings().max_inbox_age == timedelta(minutes=15)


def _seed(app: App, now: datetime) -> None:
    """A mailbox polled a minute ago, one shunted row, one pending mail, one job run."""
    with transaction(app.sessions) as s:
        sources.advance(
            s, ACCOUNT.source, uidvalidity=1, last_uid=3, now=now - timedelta(minutes=1)
        )
        row = inbox.accept(s, mail(subject="broken"), source="smtp", now=now)
        inbox.set_disposition(s, row.inbox_id, "shunted", "ValueError: bug", now)
        inbox.accept(s, mail(subject="waiting"), source="smtp", now=now)
        outbox.enqueue(
            s,
            outbox.NewMail(
                "k1",
                "acknowledgement",
                "m1@example.test",
                "support@example.test",
                ("a@customer.test",),
                b"x",
            ),
            now - timedelta(minutes=5),
        )
        jobs.claim(s, "digest", "2026-W10", now - timedelta(hours=1))


def test_check_reads_the_database(app: App, settings: Settings, clock: FakeClock) -> None:
    _seed(app, clock.now())
    settings = replace(settings, imap=(ACCOUNT,))
    report = health.check(settings, app.sessions, clock.now()).as_dict()
    assert report["mailboxes"] == [
        {
            "account": ACCOUNT.key,
            "last_success_at": "2026-03-02T00:59:00+00:00",
            "last_error": "",
            "kept_by_server": 0,  # stored messages the server kept though it said OK
            "copied_back": 0,  # and those kept for coming back under new UIDs too often
            # stepped over unstored, left in the folder (gateway.scheduling.unread)
            "stepped_over": {"count": 0, "uids": [], "since": None},
        }
    ]
    assert report["inbox"]["pending"] == 1 and report["inbox"]["shunted"] == 1
    assert report["inbox"]["oldest_pending_at"] == "2026-03-02T01:00:00+00:00"
    assert report["inbox"]["oldest_pending_age_seconds"] == 0
    assert report["outbox"] == {
        "pending": 1,
        "failed": 0,
        "oldest_pending_at": "2026-03-02T00:55:00+00:00",
        "oldest_pending_age_seconds": 300,
        "held": 0,
        "held_until": None,
        "failed_last_24h": 0,
        "recent_failures": [],
    }
    assert report["jobs"] == {"digest": "2026-03-02T00:00:00+00:00"}
    assert [p["key"] for p in report["problems"]] == ["shunted"]
    clock.advance(timedelta(minutes=30))
    later = health.check(settings, app.sessions, clock.now())
    keys = [p.key for p in later.problems]
    assert keys == [f"mailbox:{ACCOUNT.key}", "shunted", "inbox", "outbox"]


def test_status_exits_0_when_healthy_and_1_with_reasons(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    config = with_database(write_config(tmp_path))
    running = pipe.hold_daemon_lock(tmp_path / "var")  # as `ticket-gateway run` holds it
    request.addfinalizer(running.close)
    assert cli.main(["--config", str(config), "status"]) == 0
    assert capsys.readouterr().out.startswith("healthy\n")
    app = build(load_settings(config))
    try:
        _seed(app, SystemClock().now())
    finally:
        app.close()
    assert cli.main(["--config", str(config), "status"]) == cli.EX_UNHEALTHY
    out = capsys.readouterr().out
    assert out.startswith("UNHEALTHY\n  problem: 1 shunted inbox row")
    assert "inbox: 1 pending, oldest since " in out and ", 1 shunted" in out
    assert "job digest: last run" in out
    assert cli.main(["--config", str(config), "status", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["healthy"] is False and data["outbox"]["pending"] == 1
    config = write_config(tmp_path, extra="[health]\nmax_shunted = 1\n")
    assert cli.main(["--config", str(config), "status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["healthy"] is True


def test_a_bad_threshold_names_key_and_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for key in ("max_poll_age", "max_inbox_age"):
        config = write_config(tmp_path, extra=f'[health]\n{key} = "soon"\n')
        assert cli.main(["--config", str(config), "status"]) == cli.EX_CONFIG
        err = capsys.readouterr().err
        assert str(config) in err and f"health.{key}" in err and "not a duration" in err


def test_status_counts_chat_posts_and_catalog_action_runs(
    app: App, settings: Settings, clock: FakeClock
) -> None:
    from store import action_runs, chat
    from store.models import Ticket

    now = clock.now()
    with transaction(app.sessions) as s:
        ticket = Ticket(requester="a@customer.test", created_at=now, updated_at=now)
        s.add(ticket)
        s.flush()
        for n, state in enumerate(("pending", "pending", "awaiting_approval", "failed")):
            run = action_runs.NewRun(
                ticket.id, f"entry{n}", "webhook", "fields_complete", "x", f"k{n}", "{}", "", state
            )
            action_runs.add(s, run, now)
        chat.enqueue(s, chat.NewPost("card:1", "slack", "card", "C1", {}, ticket.id), now)
    report = health.check(settings, app.sessions, clock.now())
    data = report.as_dict()
    assert data["action_runs"] == {
        "awaiting_approval": 1,
        "pending": 2,
        "running": 0,
        "succeeded": 0,
        "failed": 1,
    }
    assert data["chat_outbox"]["pending"] == 1 and data["chat_outbox"]["failed"] == 0
    assert report.healthy  # a failed action is the ticket's business (on_failure), not health
    clock.advance(timedelta(minutes=31))
    later = health.check(settings, app.sessions, clock.now())
    assert [p.key for p in later.problems] == ["chat_outbox"]
    problem = later.problems[0].text
    assert "chat post" in problem and "max_outbox_age = 30m" in problem


def _held_notice(app: App, now: datetime, held_until: datetime) -> None:
    with transaction(app.sessions) as s:
        outbox.enqueue(
            s,
            outbox.NewMail(
                "held-1",
                "ticket_notice",
                "h1@example.test",
                "support@example.test",
                ("ops@example.test",),
                b"x",
                held_until=held_until,
            ),
            now,
        )


def test_a_notice_held_back_shows_when_it_is_due_never_a_negative_age(
    app: App, settings: Settings, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    """A member notice gathering more until a time still to come is not late: status
    says until when it is held, and the age of the oldest unsent mail counts only mail
    already due."""
    now = clock.now()
    _held_notice(app, now, now + timedelta(minutes=5))
    data = health.check(settings, app.sessions, now).as_dict()["outbox"]
    assert data["pending"] == 1 and data["held"] == 1
    assert data["held_until"] == "2026-03-02T01:05:00+00:00"
    assert data["oldest_pending_at"] is None and data["oldest_pending_age_seconds"] is None
    from gateway.runtime.cli.common import Speaker
    from gateway.runtime.cli.schedule import _print_status

    report = health.check(settings, app.sessions, now)
    _print_status(Speaker(settings), report, settings.gateway.timezone)
    [line] = [x for x in capsys.readouterr().out.splitlines() if x.startswith("outbox:")]
    assert "-" not in line.split("oldest")[-1].replace("2026-03-02", "")  # no "(-300s)"
    assert "1 held until 2026-03-02 10:05 JST" in line
    clock.advance(timedelta(minutes=7))  # due since 01:05: two minutes late, no more
    data = health.check(settings, app.sessions, clock.now()).as_dict()["outbox"]
    assert data["held"] == 0 and data["oldest_pending_age_seconds"] == 120


def test_ages_are_never_negative(app: App, settings: Settings, clock: FakeClock) -> None:
    """A row written by an instance whose clock runs ahead is 'just now', not -300 s."""
    _seed(app, clock.now() + timedelta(minutes=10))
    report = health.check(settings, app.sessions, clock.now()).as_dict()
    assert report["inbox"]["oldest_pending_age_seconds"] == 0


def test_a_stopped_daemon_is_a_problem_whatever_the_sources(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A site that receives only by SMTP/LMTP has no mailbox whose polls would go stale:
    the daemon's own lock (held by `run` for its lifetime) says whether it runs."""
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    config = with_database(write_config(tmp_path))  # no [[imap]]
    assert cli.main(["--config", str(config), "status"]) == cli.EX_UNHEALTHY
    out = capsys.readouterr().out
    assert out.startswith("UNHEALTHY\n  problem: the daemon is not running")
    assert str(tmp_path / "var" / "daemon.lock") in out and "health.daemon = false" in out
    assert cli.main(["--config", str(config), "status", "--json"]) == cli.EX_UNHEALTHY
    data = json.loads(capsys.readouterr().out)
    assert [p["key"] for p in data["problems"]] == ["daemon"] and data["daemon"] is False
    running = pipe.hold_daemon_lock(tmp_path / "var")
    try:
        assert cli.main(["--config", str(config), "status", "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["daemon"] is True
    finally:
        running.close()
    # a site fed only by `ingest` from the MTA and cron runs no daemon, on purpose
    config = write_config(tmp_path, extra="[health]\ndaemon = false\n")
    assert cli.main(["--config", str(config), "status"]) == 0


def _queued(app: App, key: str, ticket: int | None, at: datetime) -> int:
    """An acknowledgement queued a minute before ``at``; its outbox row."""
    with transaction(app.sessions) as s:
        row_id = outbox.enqueue(
            s,
            outbox.NewMail(
                key,
                "acknowledgement",
                f"{key}@example.test",
                "support@example.test",
                (f"{key}@customer.test",),
                b"x",
                ticket_id=ticket,
            ),
            at - timedelta(minutes=1),
        )
    assert row_id is not None
    return row_id


def _failed_mail(app: App, key: str, ticket: int | None, failed_at: datetime) -> None:
    row_id = _queued(app, key, ticket, failed_at)
    with transaction(app.sessions) as s:
        outbox.mark_failed(s, row_id, "550 5.1.1 no such user", failed_at)


def test_mail_that_failed_for_good_recently_is_a_warning_not_a_problem(
    app: App, settings: Settings, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bounce to a mistyped customer address is the ticket's business (its history has
    a delivery-failed event) and must not page anyone at night: status counts the last
    24 hours' permanent failures as a warning, exit code unchanged, and names them."""
    now = clock.now()
    _failed_mail(app, "old", None, now - timedelta(hours=30))  # older than a day
    _failed_mail(app, "bad1", None, now - timedelta(hours=2))
    _failed_mail(app, "bad2", None, now - timedelta(minutes=5))
    report = health.check(settings, app.sessions, now)
    assert report.healthy
    data = report.as_dict()["outbox"]
    assert data["failed"] == 3 and data["failed_last_24h"] == 2
    assert [f["recipients"] for f in data["recent_failures"]] == [
        ["bad2@customer.test"],
        ["bad1@customer.test"],
    ]
    assert data["recent_failures"][0]["error"] == "550 5.1.1 no such user"
    from gateway.runtime.cli.common import Speaker
    from gateway.runtime.cli.status_lines import status_warnings

    said = Speaker(settings)
    [warning] = [said(w) for w in status_warnings(report)]
    assert "2 outgoing mails failed for good in the last 24 h" in warning
    assert "bad2@customer.test: 550 5.1.1 no such user" in warning


def test_status_says_times_in_the_teams_zone_and_json_keeps_utc(
    app: App, settings: Settings, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    """A member on call reads local times with the zone's name, as every other command
    prints them (gateway.core.zone); a problem naming a time says it so too, in either
    language. ``--json`` is data for scripts: ISO 8601 in UTC, as before."""
    from gateway.runtime.cli.common import Speaker
    from gateway.runtime.cli.schedule import _print_status

    _seed(app, clock.now())  # 01:00 UTC = 10:00 JST
    settings = replace(settings, imap=(ACCOUNT,))
    clock.advance(timedelta(minutes=30))
    report = health.check(settings, app.sessions, clock.now())
    for locale in ("ja", "en"):
        said = Speaker(settings)
        said.locale = locale
        _print_status(said, report, "Asia/Tokyo")
        out = capsys.readouterr().out
        assert "+00:00" not in out and "T00:" not in out and "T01:" not in out
        assert "2026-03-02 09:59 JST" in out  # the mailbox's last successful poll
        assert "2026-03-02 09:55 JST" in out  # the oldest unsent mail
        assert "2026-03-02 10:00 JST" in out  # the inbox's oldest, its problem, the job
        [problem] = [x for x in out.splitlines() if "max_inbox_age" in x]
        assert "2026-03-02 10:00 JST" in problem
    _print_status(Speaker(settings), report, "Europe/London")
    assert "2026-03-02 00:59 GMT" in capsys.readouterr().out
    data = report.as_dict()
    assert data["mailboxes"][0]["last_success_at"] == "2026-03-02T00:59:00+00:00"
    [inbox_problem] = [p for p in data["problems"] if p["key"] == "inbox"]
    assert "arrived at 2026-03-02T01:00:00+00:00" in inbox_problem["text"]


def _sent_mail(app: App, key: str, at: datetime) -> None:
    row_id = _queued(app, key, None, at)
    with transaction(app.sessions) as s:
        outbox.mark_sent(s, row_id, at)


def test_a_relay_that_refuses_every_mail_is_a_problem(
    app: App, settings: Settings, clock: FakeClock
) -> None:
    """One bounce is the ticket's business; the last five mails all refused for good, none
    delivered since, is the relay refusing us (our sender not allowed, an expired
    account): nothing reaches any customer, and status says so with the relay's answer."""
    from gateway.runtime.cli.common import Speaker

    now = clock.now()
    _sent_mail(app, "fine", now - timedelta(hours=3))
    for n in range(4):
        _failed_mail(app, f"no{n}", None, now - timedelta(minutes=50 - n))
    assert health.check(settings, app.sessions, now).healthy  # four: bounces, maybe
    _failed_mail(app, "no4", None, now - timedelta(minutes=5))
    report = health.check(settings, app.sessions, now)
    assert not report.healthy
    [problem] = report.problems
    assert problem.key == "outbox_refused"
    for locale, words in (
        ("en", "the last 5 outgoing mails all failed for good"),
        ("ja", "直近の送信メール 5 通がすべて"),
    ):
        said = Speaker(settings)
        said.locale = locale
        text = said(problem.message)
        assert words in text and "550 5.1.1 no such user" in text, text
        assert "health.max_failed_in_a_row" in text
    _sent_mail(app, "again", now)  # one mail delivered: the relay takes mail again
    assert health.check(settings, app.sessions, now).healthy


def test_refusals_a_day_old_or_the_check_turned_off_are_no_problem(
    app: App, settings: Settings, clock: FakeClock
) -> None:
    now = clock.now()
    for n in range(6):
        _failed_mail(app, f"old{n}", None, now - timedelta(hours=30, minutes=n))
    assert health.check(settings, app.sessions, now).healthy  # and no mail since
    for n in range(6):
        _failed_mail(app, f"new{n}", None, now - timedelta(minutes=n))
    assert not health.check(settings, app.sessions, now).healthy
    off = replace(settings, health=replace(settings.health, max_failed_in_a_row=0))
    assert health.check(off, app.sessions, now).healthy


BROKEN_CATALOG = """\
entries:
  - id: vpn
    name: VPN
    keywords: [vpn]
    asignee: ops@example.test
"""


def test_a_broken_catalog_is_a_problem_among_the_rest_of_the_status(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    """A catalog with problems stopped status before it said anything (exit 78 and the
    catalog's lines only), so a monitoring script had no health data at all. It is now
    reported as problems, each with its line, beside the mailboxes, inbox, outbox and
    jobs; the exit status is the configuration error's, as for a key that cannot be read."""
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    catalog = tmp_path / "catalog.yaml"
    config = write_config(tmp_path, extra=f'[catalog]\npath = "{catalog}"\n')
    catalog.write_text(CATALOG_OK, encoding="utf-8")
    app = build(load_settings(config))
    try:
        _seed(app, SystemClock().now())
    finally:
        app.close()
    catalog.write_text(BROKEN_CATALOG, encoding="utf-8")
    running = pipe.hold_daemon_lock(tmp_path / "var")
    request.addfinalizer(running.close)
    assert cli.main(["--config", str(config), "status"]) == cli.EX_CONFIG
    out = capsys.readouterr().out
    assert out.startswith("UNHEALTHY\n"), out
    assert f"{catalog}:5: unknown key 'asignee'" in out, out
    assert f"{catalog}:1: " in out and "fallback" in out, out  # the file's own problem
    assert "1 shunted inbox row" in out
    assert "inbox: 1 pending, oldest since " in out and "job digest: last run" in out
    assert cli.main(["--config", str(config), "status", "--json"]) == cli.EX_CONFIG
    data = json.loads(capsys.readouterr().out)
    assert data["healthy"] is False and data["outbox"]["pending"] == 1
    keys = [p["key"] for p in data["problems"]]
    assert "shunted" in keys and sum(k.startswith("catalog") for k in keys) >= 2, keys


CATALOG_OK = """\
entries:
  - id: vpn
    name: VPN
    keywords: [vpn]
  - id: other
    name: Other
    fallback: true
    manager: boss@example.test
"""
