"""``tickets due ID DATE`` and ``tickets due ID --clear``: the ``/due`` reply command
from a shell. The date is read as ``/due`` reads it (2026-03-10, 2026/3/10, 3/10: the
next one, 2026年3月10日; the end of that day in the team's zone; not past), through
the tickets service, so the change is a ``due`` event with ``cli:<login>`` and ``cli``
like every CLI change; a date already set, or none to clear, changes nothing (exit 0)."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from gateway.config.load import load_settings
from gateway.config.settings import Settings
from gateway.core import zone
from gateway.core.clock import FakeClock
from gateway.core.i18n import N_, translate
from gateway.tickets import changes
from store import tickets
from store.db import transaction
from tests.support.cli import run
from tests.support.config import write_config
from tests.support.mails import mail
from tests.support.pipeline import deliver
from tests.support.web import member_page, rig
from tests.test_one_language import findings
from tests.test_web_history import READERS, _history


@pytest.fixture
def config(db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    cfg = write_config(tmp_path, url=db_url, secret_file=True, locale="en")
    (tmp_path / "a.eml").write_bytes(mail())
    assert run(cfg, "ingest", str(tmp_path / "a.eml"), capsys=capsys).code == 0
    return cfg


def _day(config: Path, days: int) -> tuple[date, ZoneInfo]:
    """The day ``days`` from today in the team's zone, and that zone."""
    tz = ZoneInfo(load_settings(config).gateway.timezone)
    return datetime.now(tz).date() + timedelta(days=days), tz


def _show(config: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    data: dict[str, object] = json.loads(
        run(config, "tickets", "show", "1", "--json", capsys=capsys).out
    )
    return data


def test_tickets_due_sets_and_clears_it_with_events(
    config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    day, tz = _day(config, 10)
    done = run(config, "tickets", "due", "1", day.isoformat(), capsys=capsys)
    said = translate(N_("due {date}", date=zone.Day(day)), "en")
    assert (done.code, done.out) == (0, f"ticket #1: {said}\n"), done
    end = datetime.combine(day, time(23, 59, 59), tz)
    data = _show(config, capsys)
    assert datetime.fromisoformat(str(data["due_at"])) == end
    again = run(config, "tickets", "due", "1", f"{day.month}/{day.day}", capsys=capsys)
    assert again.code == 0 and "nothing changed" in again.out, again  # 3/10: the same day
    later = day + timedelta(days=1)
    written = f"{later.year}年{later.month}月{later.day}日"  # as a Japanese member writes it
    assert run(config, "tickets", "due", "1", written, capsys=capsys).code == 0
    assert datetime.fromisoformat(str(_show(config, capsys)["due_at"])).date() == later
    cleared = run(config, "tickets", "due", "1", "--clear", capsys=capsys)
    assert (cleared.code, cleared.out) == (0, "ticket #1: due date cleared\n"), cleared
    data = _show(config, capsys)
    assert data["due_at"] is None
    events = [e for e in data["events"] if e["kind"] == "due"]  # type: ignore[attr-defined]
    assert len(events) == 3, events  # set, moved, cleared; the repeat wrote none
    assert all(e["channel"] == "cli" and e["actor"].startswith("cli") for e in events)
    assert events[-1]["new"] is None and events[-1]["old"] is not None
    none = run(config, "tickets", "due", "1", "--clear", capsys=capsys)
    assert none.code == 0 and "nothing changed" in none.out, none
    shown = run(config, "tickets", "show", "1", capsys=capsys).out
    assert "no due date" in shown, shown  # the history says the clearing in words


@pytest.mark.parametrize(
    ("args", "code", "said"),
    [
        (("1", "next week"), 65, "not a date: 'next week'"),
        (("1", "2020-01-01"), 65, "is in the past"),
        (("1", "2026-02-30"), 65, "no such date"),
        (("1",), 64, "give a date"),
        (("1", "2099-01-01", "--clear"), 64, "not both"),
        (("99", "2099-01-01"), 69, "no ticket #99"),
    ],
)
def test_tickets_due_refuses_what_due_refuses(
    config: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
    code: int,
    said: str,
) -> None:
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    refused = run(config, "tickets", "due", *args, capsys=capsys)
    assert (refused.code, refused.out) == (code, ""), refused
    assert said in refused.err, refused
    assert _show(config, capsys)["due_at"] is None


def test_tickets_due_speaks_japanese(
    config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LC_ALL", "ja_JP.UTF-8")
    day, _ = _day(config, 3)
    done = run(config, "tickets", "due", "1", day.isoformat(), capsys=capsys)
    assert done.code == 0 and findings(done.out, "ja") == [], done
    assert translate(N_("due {date}", date=zone.Day(day)), "ja") in done.out, done
    for args in (("--clear",), ("--clear",), ("not-a-date",)):
        line = run(config, "tickets", "due", "1", *args, capsys=capsys)
        text = line.out + line.err
        assert findings(text.replace("not-a-date", ""), "ja") == [], text


def test_a_cleared_due_date_is_said_on_the_ticket_page(
    settings: Settings, clock: FakeClock
) -> None:
    """The page's history says a due date taken away in words, as it says "unassigned"
    (an arrow to nothing said nothing of what happened)."""
    with rig(settings, clock) as r:
        tid = deliver(r.app, mail()).ticket_id
        assert tid
        with transaction(r.app.sessions) as s:
            ticket = tickets.get_to_change(s, tid)
            assert ticket is not None
            due = clock.now() + timedelta(days=3)
            changes.set_due(s, ticket, due, clock.now(), actor="cli:root", channel="cli")
            assert changes.clear_due(s, ticket, clock.now(), actor="cli:root", channel="cli")
            assert not changes.clear_due(s, ticket, clock.now(), actor="cli:root", channel="cli")
        for loc, said in (("ja", "期限なし"), ("en", "no due date")):
            rows = _history(member_page(r, READERS[loc], f"/tickets/{tid}"))
            [cleared] = [row for row in rows if "→" in row]
            assert f"→ {said} |" in cleared, cleared
