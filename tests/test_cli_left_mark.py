"""The CLI's text tables mark an assignee taken out of ``[[members]]`` as the pages do:
``tickets list`` puts a ``*`` after their address, kept when a long address is cut to
its column, and one line under the table says what it means, in the reader's language;
``--json`` keeps the plain address, and with no ``[[members]]`` nobody is marked."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.config.load import load_settings
from gateway.config.settings import Member
from gateway.core.model import CloseReason, TicketState
from gateway.runtime.cli.common import columns
from tests.support.app import MEMBERS
from tests.support.cli import run
from tests.support.config import SECRET_ENV, members_toml, write_config
from tests.support.mails import mail

LEFT = "ops2@example.test"
LONG = "someone-with-a-long-address@support.example.test"  # wider than the column
TEAM = (*MEMBERS, Member(email=LONG, name="Long", role="ops", locale="en"))
STAYED = "ops@example.test"
LEGEND = {
    "en": "* not in the team (no longer in [[members]])",
    "ja": "* チームにいません（[[members]] から外れています）",
}
CATALOG = """
entries:
  - id: other
    name: {ja: その他, en: Other}
    fallback: true
    manager: boss@example.test
"""
SITE = '[catalog]\npath = "catalog.yaml"\n'
ENV = {"en": "en_US.UTF-8", "ja": "ja_JP.UTF-8"}


@pytest.fixture
def config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Path:
    """Three tickets: one given to each of two members who then leave (one with an
    address longer than the column), one to a member who stays."""
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    (tmp_path / "catalog.yaml").write_text(CATALOG, encoding="utf-8")
    path = write_config(tmp_path, extra=SITE + members_toml(TEAM))
    for n, who in enumerate((LEFT, LONG, STAYED), start=1):
        message = tmp_path / f"req{n}.eml"
        message.write_bytes(mail(f"request {n}", date=datetime.now(UTC)))
        assert run(path, "ingest", str(message), capsys=capsys).code == 0
        assert run(path, "tickets", "assign", str(n), who, capsys=capsys).code == 0
    stayed = tuple(m for m in TEAM if m.email not in (LEFT, LONG))
    write_config(tmp_path, extra=SITE + members_toml(stayed))
    return path


def _cells(out: str) -> tuple[dict[str, str], list[str]]:
    """The assignee cell of each ticket's row (the fifth column: after 7, 18, 8 and 4
    terminal columns and their spaces), and the lines under the rows."""
    _, *lines = out.splitlines()
    rows = [x for x in lines if x.startswith("#")]
    return {r.split()[0]: _slice(r, 7 + 18 + 8 + 4 + 4, 24) for r in rows}, lines[len(rows) :]


def _slice(row: str, start: int, width: int) -> str:
    """``width`` terminal columns of ``row`` from column ``start``."""
    out, used = "", 0
    for ch in row:
        if start <= used < start + width:
            out += ch
        used += columns(ch)
    return out


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_list_marks_who_left_in_the_readers_language(
    config: Path, lang: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LC_ALL", ENV[lang])
    ran = run(config, "tickets", "list", capsys=capsys)
    assert ran.code == 0, ran
    cells, after = _cells(ran.out)
    assert cells["#1"] == f"{LEFT}*".ljust(24)
    assert cells["#2"].endswith("…*") and LONG.startswith(cells["#2"][:-2])
    assert columns(cells["#2"]) == 24  # the columns after it stay in line
    assert cells["#3"] == STAYED.ljust(24)
    assert after == [LEGEND[lang]]
    data = json.loads(run(config, "tickets", "list", "--json", capsys=capsys).out)
    assert [t["assignee"] for t in data] == [LEFT, LONG, STAYED]  # the data: plain


def test_list_marks_nobody_when_none_left(
    config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LC_ALL", ENV["en"])
    for extra in ("", members_toml(TEAM)):  # no [[members]]: anyone is on the team
        write_config(config.parent, extra=SITE + extra)
        out = run(config, "tickets", "list", capsys=capsys).out
        cells, after = _cells(out)
        assert cells["#1"] == LEFT.ljust(24)
        assert cells["#2"] == LONG[:23] + "…"
        assert after == []
        assert "*" not in out


def _force_close(config: Path, *ids: int) -> None:
    """What the inventory sweep does to a ticket left too long: the close counted in
    ``stats`` against whoever held it (a row of their own, though they left since)."""
    from gateway.tickets import changes
    from store import reminders, tickets
    from store.db import make_engine, session_factory, transaction

    engine = make_engine(load_settings(config).database.url)
    try:
        with transaction(session_factory(engine)) as s:
            for tid in ids:
                ticket = tickets.get(s, tid)
                assert ticket is not None
                changes.change_state(
                    s,
                    ticket,
                    TicketState.CLOSED,
                    datetime.now(UTC),
                    actor=reminders.INVENTORY_ACTOR,
                    channel="system",
                    reason=CloseReason.STALE,
                )
    finally:
        engine.dispose()


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_stats_marks_who_left_in_the_readers_language(
    config: Path, lang: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _force_close(config, 1, 2)  # ticket #3 stays open, with one who stayed
    monkeypatch.setenv("LC_ALL", ENV[lang])
    ran = run(config, "stats", capsys=capsys)
    assert ran.code == 0, ran
    lines = ran.out.splitlines()
    first = next(n for n, x in enumerate(lines) if x.startswith(("ops", "some")))
    rows = lines[first : first + 3]
    expected = [
        f"{LEFT}*".ljust(24),  # sorted by address: "2" before "@"
        STAYED.ljust(24),
        LONG[:22] + "…*",  # cut, the mark kept: the columns after it stay in line
    ]
    assert [_slice(r, 0, 24) for r in rows] == expected
    assert lines[first + 3] == LEGEND[lang]
    data = json.loads(run(config, "stats", "--json", capsys=capsys).out)
    assert {a["assignee"] for a in data["assignees"]} == {STAYED, LEFT, LONG}
    write_config(config.parent, extra=SITE)  # no [[members]]: nobody is marked
    out = run(config, "stats", capsys=capsys).out
    assert f"{LEFT} " in out and "*" not in out
