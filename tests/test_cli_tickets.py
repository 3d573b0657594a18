"""``tickets list`` with its filters and search (the web's query layer), ``tickets show``
with notes, fields, SLA and due times in the team's time zone, and ``--version``;
on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from gateway.config.load import load_settings
from gateway.core.clock import FakeClock
from gateway.core.model import TicketState
from gateway.tickets import changes
from store import tickets
from store.db import transaction
from tests.support.app import MEMBERS
from tests.support.cli import run
from tests.support.config import members_toml, write_config
from tests.support.mails import mail
from tests.support.pipeline import deliver
from tests.support.scheduling import make_app, set_state

NEW_YORK = ZoneInfo("America/New_York")
KEYS = {
    "id",
    "state",
    "subject",
    "requester",
    "catalog",
    "assignee",
    "created_at",
    "updated_at",
    "closed_at",
    "message_count",
    "messages_total",
}


@pytest.fixture
def config(db_url: str, tmp_path: Path) -> Path:
    """The packaged example catalog, its members, and a team in New York."""
    path = write_config(tmp_path, url=db_url, secret_file=True, extra=members_toml(MEMBERS))
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("[gateway]\n", '[gateway]\ntimezone = "America/New_York"\n', 1),
        encoding="utf-8",
    )
    return path


@pytest.fixture
def start() -> datetime:
    """Five hours ago: the VPN entry's 4h first-response deadline has passed."""
    return datetime.now(UTC).replace(microsecond=0) - timedelta(hours=5)


@pytest.fixture
def seeded(config: Path, start: datetime) -> dict[str, int]:
    app = make_app(load_settings(config), FakeClock(start))
    try:
        vpn = deliver(
            app,
            mail(
                "VPN に接続できません",
                "在宅勤務中です。朝から接続が切れます。\nOS: windows\n",
                sender="伊藤 花子 <ito@customer.test>",
                date=start,
            ),
        ).ticket_id
        printer = deliver(
            app,
            mail(
                "Printer jam on 3F", "The printer jams.\n", sender="bob@customer.test", date=start
            ),
        ).ticket_id
        room = deliver(
            app,
            mail(
                "会議室の予約ができません",
                "予約画面が開きません。\n",
                sender="c@x.test",
                date=start,
            ),
        ).ticket_id
        assert vpn and printer and room
        set_state(app, room, TicketState.CLOSED)
        with transaction(app.sessions) as s:
            ticket = tickets.get(s, vpn)
            assert ticket is not None
            now, who = app.clock.now(), {"actor": "cli:tanaka", "channel": "cli"}
            changes.add_note(s, ticket, "電話で確認済み。\n明日また連絡します。", now, **who)
            changes.set_field(s, ticket, "os", "macos", now, **who)
            changes.set_due(s, ticket, start + timedelta(hours=6), now, **who)
    finally:
        app.close()
    return {"vpn": vpn, "printer": printer, "room": room}


def _ids(config: Path, capsys: pytest.CaptureFixture[str], *args: str) -> list[int]:
    ran = run(config, "tickets", "list", "--json", *args, capsys=capsys)
    assert ran.code == 0, ran.err
    return [t["id"] for t in json.loads(ran.out)]


def test_list_filters_and_search_narrow_like_the_web_list(
    config: Path, seeded: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    vpn, printer, room = seeded["vpn"], seeded["printer"], seeded["room"]
    assert _ids(config, capsys) == [vpn, printer, room]  # oldest first, by number
    assert _ids(config, capsys, "--state", "closed") == [room]
    assert _ids(config, capsys, "--state", "active") == [vpn, printer]
    assert _ids(config, capsys, "--catalog", "vpn") == [vpn]
    assert _ids(config, capsys, "--requester", "BOB@customer.test") == [printer]
    assert _ids(config, capsys, "--assignee", "ops@example.test") == [vpn]
    assert _ids(config, capsys, "--assignee", "ops") == [vpn]  # as /assign takes it
    assert _ids(config, capsys, "--assignee", "Ops One") == [vpn]  # a name, as /assign too
    assert _ids(config, capsys, "--assignee", "OpsOne") == [vpn]  # without its space
    assert _ids(config, capsys, "--assignee", "-") == []  # nobody: none here
    # subject and text, Japanese substrings of two characters and more, full width
    assert _ids(config, capsys, "--search", "予約") == [room]
    assert _ids(config, capsys, "--search", "接続") == [vpn]
    assert _ids(config, capsys, "--search", "ＶＰＮ") == [vpn]
    assert _ids(config, capsys, "--search", "printer jams") == [printer]  # every word
    assert _ids(config, capsys, "--search", "printer 予約") == []
    assert _ids(config, capsys, "--state", "active", "--search", "予約") == []
    assert run(config, "tickets", "list", "--assignee", "nobody", capsys=capsys).code == 64


def test_list_json_keeps_its_keys_and_counts_incoming_messages(
    config: Path, seeded: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    rows = json.loads(run(config, "tickets", "list", "--json", capsys=capsys).out)
    assert all(set(r) >= KEYS for r in rows)
    vpn = next(r for r in rows if r["id"] == seeded["vpn"])
    assert vpn["catalog"] == "vpn" and vpn["assignee"] == "ops@example.test"
    assert vpn["message_count"] == 1  # the request; our acknowledgement is not counted …
    assert vpn["messages_total"] > 1  # … here it is


def test_list_text_shows_assignee_and_the_entrys_name(
    config: Path,
    seeded: dict[str, int],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = run(config, "tickets", "list", capsys=capsys).out
    header, *lines = out.splitlines()
    assert header.split() == [
        "ticket",
        "state",
        "priority",
        "msgs",
        "assignee",
        "entry",
        "requester",
        "subject",
    ]
    [vpn] = [line for line in lines if line.startswith(f"#{seeded['vpn']} ")]
    assert "ops@example.test" in vpn and "VPN and remote access" in vpn
    assert re.search(r"new +normal +1 ops@", vpn)  # one message came in
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    out = run(config, "tickets", "list", "--catalog", "vpn", capsys=capsys).out
    assert out.splitlines()[0].startswith("番号") and "VPN・リモートアクセス" in out
    assert run(config, "tickets", "list", "--search", "xyzzy", capsys=capsys).out == (
        "該当するチケットはありません\n"
    )


def _local(at: datetime) -> str:
    return at.astimezone(NEW_YORK).strftime("%Y-%m-%d %H:%M %Z")


def test_show_spells_out_notes_fields_sla_and_times_in_the_teams_zone(
    config: Path, seeded: dict[str, int], start: datetime, capsys: pytest.CaptureFixture[str]
) -> None:
    out = run(config, "tickets", "show", str(seeded["vpn"]), capsys=capsys).out
    assert f"  created at: {_local(start)}\n" in out
    assert "  catalog entry: VPN and remote access (vpn)\n" in out
    assert "  requester: ito@customer.test (伊藤 花子)\n" in out
    due = start + timedelta(hours=6)  # an hour left of six: due soon (its last 25 %)
    assert f"  due: {_local(due)}\n" in out
    # the scheduler's deadlines: first response passed (4h), the /due date replaces resolve
    assert f"  SLA first response: {_local(start + timedelta(hours=4))} (overdue)\n" in out
    assert f"  SLA resolution: {_local(due)} (due soon)\n" in out
    assert "\nFields:\n  Operating system (os): macos\n" in out
    assert "  Client version (client_version): -\n" in out
    assert "note: 電話で確認済み。\n      明日また連絡します。\n" in out
    assert "field Operating system (os): windows → macos" in out
    assert f"due {_local(due)}" in out
    assert "+00:00" not in out and " UTC" not in out  # every time in New York's


def test_show_gives_a_choice_by_its_label_in_the_readers_language(
    config: Path,
    start: datetime,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A choice is stored as its value (capex) and shown as the form shows it: by its
    label in the reader's language, in the fields and in the history's field lines."""
    app = make_app(load_settings(config), FakeClock(start))
    try:
        tid = deliver(
            app,
            mail("購入申請: ノートPC", "品名: ThinkPad\n数量: 2\n予算区分: opex\n", date=start),
        ).ticket_id
        assert tid is not None
        with transaction(app.sessions) as s:
            ticket = tickets.get(s, tid)
            assert ticket is not None and ticket.catalog == "purchase"
            now, who = app.clock.now(), {"actor": "cli:tanaka", "channel": "cli"}
            changes.set_field(s, ticket, "budget", "capex", now, **who)
    finally:
        app.close()
    out = run(config, "tickets", "show", str(tid), capsys=capsys).out
    assert "  Budget (budget): Capital expense (CAPEX)\n" in out
    assert "field Budget (budget): Operating expense (OPEX) → Capital expense (CAPEX)" in out
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    out = run(config, "tickets", "show", str(tid), capsys=capsys).out
    assert "  予算区分 (budget): 設備投資（CAPEX）\n" in out
    shown = run(config, "tickets", "show", str(tid), "--json", capsys=capsys).out
    assert json.loads(shown)["fields"]["budget"] == "capex"  # scripts read the value


def test_show_json_adds_deadlines_and_keeps_its_shape(
    config: Path, seeded: dict[str, int], start: datetime, capsys: pytest.CaptureFixture[str]
) -> None:
    data: dict[str, Any] = json.loads(
        run(config, "tickets", "show", str(seeded["vpn"]), "--json", capsys=capsys).out
    )
    assert KEYS | {"messages", "events", "fields", "participants", "action_runs"} <= set(data)
    assert data["fields"] == {"os": "macos"}
    assert datetime.fromisoformat(data["due_at"]) == start + timedelta(hours=6)
    assert [(d["target"], d["state"]) for d in data["deadlines"]] == [
        ("first_response", "overdue"),
        ("resolve", "due-soon"),
    ]
    note = next(e for e in data["events"] if e["kind"] == "note")
    assert note["detail"]["text"].startswith("電話で確認済み")
    closed = json.loads(
        run(config, "tickets", "show", str(seeded["room"]), "--json", capsys=capsys).out
    )
    assert closed["deadlines"] == []


def test_show_in_japanese(
    config: Path,
    seeded: dict[str, int],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    out = run(config, "tickets", "show", str(seeded["vpn"]), capsys=capsys).out
    assert "  カタログ項目: VPN・リモートアクセス (vpn)\n" in out
    assert "（期限超過）" in out and "（期限間近）" in out and "SLA 初回応答: " in out
    assert "\nパラメータシート:\n  OS (os): macos\n" in out


def test_version_is_the_packages(capsys: pytest.CaptureFixture[str]) -> None:
    from gateway.runtime.cli.main import main

    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out == f"ticket-gateway {version('ticket-gateway')}\n"


def test_version_and_help_stay_light() -> None:
    """Neither loads SQLAlchemy, the parser or the settings: they answer at once."""
    probe = (
        "import sys\n"
        "from gateway.runtime import entry\n"
        "for args in (['--version'], ['--help'], ['tickets', 'list', '--help']):\n"
        "    sys.argv = ['ticket-gateway', *args]\n"
        "    try:\n"
        "        entry.main()\n"
        "    except SystemExit:\n"
        "        pass\n"
        "heavy = [m for m in ('sqlalchemy', 'mailparser', 'jinja2', 'gateway.config.load')"
        " if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert "HEAVY []" in done.stdout, done.stdout + done.stderr
    assert f"ticket-gateway {version('ticket-gateway')}" in done.stdout


def test_the_readme_command_reference_names_every_option() -> None:
    from gateway.runtime.cli.ticket_list import FILTERS
    from tests.support.paths import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    reference = readme.split("## Command reference", 1)[1].split("```", 2)[1]
    assert "ticket-gateway --version" in reference
    assert "tickets attachment ID N [-o FILE|FOLDER|-] [--force]" in reference
    for f in FILTERS:
        assert f"[{f.flag} {f.metavar}]" in reference, f.flag


@pytest.mark.parametrize(
    ("lang", "word"), [("en_US.UTF-8", "unassigned"), ("ja_JP.UTF-8", "担当者なし")]
)
def test_show_says_an_unassignment_in_words(
    config: Path,
    seeded: dict[str, int],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    lang: str,
    word: str,
) -> None:
    """``tickets assign ID -`` read "assign ops@example.test →" with nothing after the
    arrow in the history: the member is gone to nobody, and the history says so."""
    monkeypatch.setenv("LANG", lang)
    vpn = str(seeded["vpn"])
    assert run(config, "tickets", "assign", vpn, MEMBERS[1].email, capsys=capsys).code == 0
    assert run(config, "tickets", "assign", vpn, "-", capsys=capsys).code == 0
    out = run(config, "tickets", "show", vpn, capsys=capsys).out
    said = [x.rstrip() for x in out.splitlines() if "assign " in x and "→" in x]
    assert said[-1].endswith(f"ops2@example.test → {word}"), said
