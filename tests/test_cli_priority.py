"""``tickets priority``, ``tickets answer``, ``answers list`` and ``tickets list --priority``
(issue #19), on SQLite and PostgreSQL: the CLI changes what ``/priority`` and ``/answer``
change, with the same events, and the digest and list orders follow the level."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gateway.config.load import load_settings
from gateway.core.clock import FakeClock
from store import reminders
from store.db import transaction
from store.models import Ticket
from tests.support.app import MEMBERS
from tests.support.cli import run
from tests.support.config import members_toml, write_config
from tests.support.mails import mail
from tests.support.pipeline import deliver, show
from tests.support.scheduling import make_app

ANSWERS = Path(__file__).parent / "data" / "answers"
CATALOG = """entries:
  - id: account
    name: {ja: アカウント, en: Accounts}
    keywords: [{term: password, weight: 3}, パスワード]
    assignee: ops2@example.test
    sla: {first_response: 4h, urgent: {first_response: 30m}}
  - id: printer
    name: {ja: プリンタ, en: Printers}
    keywords: [{term: printer, weight: 3}]
    priority: low
  - id: other
    name: {ja: その他, en: Other}
    fallback: true
    manager: boss@example.test
"""
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
def config(db_url: str, tmp_path: Path) -> Path:
    (tmp_path / "catalog.yaml").write_text(CATALOG, encoding="utf-8")
    shutil.copytree(ANSWERS, tmp_path / "answers")
    extra = f'[catalog]\npath = "{tmp_path / "catalog.yaml"}"\n' + members_toml(MEMBERS)
    return write_config(tmp_path, url=db_url, secret_file=True, locale="ja", extra=extra)


@pytest.fixture
def seeded(config: Path) -> dict[str, int]:
    app = make_app(load_settings(config), FakeClock(START))
    try:
        ids = {
            key: deliver(app, mail(subject, "本文です。\n", sender=sender, date=START)).ticket_id
            for key, subject, sender in [
                ("password", "パスワードを忘れました", "伊藤 花子 <ito@customer.test>"),
                ("printer", "Printer jam", "bob@customer.test"),
                ("urgent", "【至急】パスワード期限切れ", "c@customer.test"),
            ]
        }
    finally:
        app.close()
    assert all(ids.values())
    return {k: v for k, v in ids.items() if v is not None}


def test_tickets_priority_changes_it_with_an_event_and_moves_the_sla(
    config: Path, seeded: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    tid = seeded["password"]
    ran = run(config, "tickets", "priority", str(tid), "urgent", capsys=capsys)
    assert ran.code == 0 and f"ticket #{tid}: priority normal → urgent" in ran.out
    data = json.loads(run(config, "tickets", "show", str(tid), "--json", capsys=capsys).out)
    assert data["priority"] == "urgent"
    [first] = [d for d in data["deadlines"] if d["target"] == "first_response"]
    assert datetime.fromisoformat(first["at"]) - START == timedelta(minutes=30)
    [event] = [e for e in data["events"] if e["kind"] == "priority"]
    assert event["channel"] == "cli" and event["actor"].startswith("cli")
    assert (event["old"], event["new"], event["detail"]) == ("normal", "urgent", {"source": "cli"})
    again = run(config, "tickets", "priority", str(tid), "urgent", capsys=capsys)
    assert again.code == 0 and "already" in again.out
    assert run(config, "tickets", "priority", "999", "low", capsys=capsys).code == 69
    refused = run(config, "tickets", "priority", str(tid), "asap", capsys=capsys)
    assert refused.code == 64 and "asap" in refused.err
    shown = run(config, "tickets", "show", str(tid), capsys=capsys).out
    assert "priority: urgent" in shown


@pytest.mark.parametrize(
    ("lang", "said", "refusal"),
    [
        (
            "ja_JP.UTF-8",
            "優先度 通常 → 高",
            "「asap」という優先度はありません（使えるのは低（low）、",
        ),
        ("en_US.UTF-8", "priority normal → high", "unknown priority 'asap' (use one of: low,"),
    ],
)
def test_tickets_priority_takes_what_the_reply_command_takes(
    config: Path,
    seeded: dict[str, int],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    lang: str,
    said: str,
    refusal: str,
) -> None:
    """``/priority 至急`` and ``/priority 高`` work in a reply: the same words work here,
    read by the same function; a word that is no level is refused in the reader's
    language with the levels, and nothing changes."""
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", lang)
    tid = seeded["password"]
    ran = run(config, "tickets", "priority", str(tid), "高", capsys=capsys)
    assert ran.code == 0 and said in ran.out, ran
    marked = run(config, "tickets", "priority", str(tid), "【至急】", capsys=capsys)
    assert marked.code == 0
    data = json.loads(run(config, "tickets", "show", str(tid), "--json", capsys=capsys).out)
    assert data["priority"] == "urgent"
    refused = run(config, "tickets", "priority", str(tid), "asap", capsys=capsys)
    assert refused.code == 64 and refusal in refused.err, refused
    again = json.loads(run(config, "tickets", "show", str(tid), "--json", capsys=capsys).out)
    assert again["priority"] == "urgent"


def test_the_entrys_default_and_list_priority(
    config: Path, seeded: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    def ids(*args: str) -> list[int]:
        out = run(config, "tickets", "list", "--json", *args, capsys=capsys).out
        return [t["id"] for t in json.loads(out)]

    assert ids("--priority", "low") == [seeded["printer"]]  # the printer entry's default
    assert ids("--priority", "urgent") == [seeded["urgent"]]  # 【至急】
    assert ids("--priority", "normal") == [seeded["password"]]
    assert ids("--priority", "high") == []
    rows = json.loads(run(config, "tickets", "list", "--json", capsys=capsys).out)
    assert {r["id"]: r["priority"] for r in rows}[seeded["printer"]] == "low"


@pytest.mark.parametrize(
    ("lang", "refusal"),
    [
        ("ja_JP.UTF-8", "「asap」という優先度はありません（使えるのは低（low）、"),
        ("en_US.UTF-8", "unknown priority 'asap' (use one of: low,"),
    ],
)
def test_list_priority_takes_what_tickets_priority_takes(
    config: Path,
    seeded: dict[str, int],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    lang: str,
    refusal: str,
) -> None:
    """``tickets priority 5 緊急`` and ``/priority 至急`` work, but ``tickets list
    --priority 緊急`` was argparse's "invalid choice" (exit 2, English): the filter
    reads the level as they do (:func:`gateway.pipeline.priority.level_named`), and a
    word that is none is refused as ``tickets priority`` refuses it (64, the choices)."""
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", lang)

    def ids(*args: str) -> list[int]:
        done = run(config, "tickets", "list", "--json", *args, capsys=capsys)
        assert done.code == 0, done
        return [t["id"] for t in json.loads(done.out)]

    urgent, low = [seeded["urgent"]], [seeded["printer"]]
    assert ids("--priority", "緊急") == urgent  # the level's Japanese name
    assert ids("--priority", "至急") == urgent  # a subject marker of the team's
    assert ids("--priority", "【至急】") == urgent
    assert ids("--priority", "低") == low
    assert ids("--priority", "URGENT") == urgent  # as /priority reads it, any case
    assert ids("--priority", "高") == []
    refused = run(config, "tickets", "list", "--priority", "asap", capsys=capsys)
    assert (refused.code, refused.out) == (64, ""), refused
    assert refusal in refused.err and "【至急】" in refused.err, refused  # with the markers


def test_digests_and_reminders_walk_urgent_tickets_first(
    config: Path, seeded: dict[str, int]
) -> None:
    app = make_app(load_settings(config), FakeClock(START))
    try:
        with transaction(app.sessions) as s:
            order = [t.id for t in reminders.open_tickets(s)]
    finally:
        app.close()
    assert order == [seeded["urgent"], seeded["password"], seeded["printer"]]


def test_answers_list(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ran = run(config, "answers", "list", capsys=capsys)
    assert ran.code == 0
    assert ran.out.splitlines() == ["password-reset  en, ja", "vpn-client      en"]
    found = json.loads(run(config, "answers", "list", "--json", capsys=capsys).out)
    assert found == {"password-reset": ["en", "ja"], "vpn-client": ["en"]}
    shutil.rmtree(config.parent / "answers")
    assert "no saved answers" in run(config, "answers", "list", capsys=capsys).out


def test_tickets_answer_relays_the_saved_text_in_the_requesters_language(
    config: Path, seeded: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    tid = seeded["password"]
    ran = run(config, "tickets", "answer", str(tid), "password-reset", capsys=capsys)
    assert ran.code == 0, ran.err
    assert "password-reset (ja)" in ran.out
    assert ran.out.rstrip().endswith("sent to 1 person"), ran.out  # not "1 people"
    app = make_app(load_settings(config), FakeClock(START))
    try:
        data = show(app, tid)
    finally:
        app.close()
    [out] = [m for m in data["messages"] if m["kind"] == "ops_reply"]
    assert "伊藤 花子 様" in out["text"] and "パスワードの再設定は" in out["text"]
    [event] = [e for e in data["events"] if e["kind"] == "answer"]
    assert event["detail"] == {"name": "password-reset", "locale": "ja", "as": "ops2@example.test"}
    assert data["first_response_at"] is not None


@pytest.mark.parametrize(
    ("args", "code", "said"),
    [
        (("password-reset",), 0, ""),
        (("../etc/passwd",), 65, "not a saved answer's name"),
        (("faq",), 65, "no saved answer 'faq' (there are: password-reset, vpn-client)"),
        (("password-reset", "--as", "stranger@x.test"), 65, "unknown member 'stranger@x.test'"),
    ],
)
def test_tickets_answer_refuses_what_it_cannot_send(
    config: Path,
    seeded: dict[str, int],
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    code: int,
    said: str,
) -> None:
    tid = seeded["printer"] if "--as" in args else seeded["password"]
    ran = run(config, "tickets", "answer", str(tid), *args, capsys=capsys)
    assert ran.code == code and said in ran.err


def test_the_list_for_people_has_a_priority_column(
    config: Path, seeded: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    header, *lines = run(config, "tickets", "list", capsys=capsys).out.splitlines()
    at = header.index("priority")
    level = {line.split()[0]: line[at:].split()[0] for line in lines}
    assert level[f"#{seeded['urgent']}"] == "urgent"
    assert level[f"#{seeded['printer']}"] == "low"
    assert level[f"#{seeded['password']}"] == "normal"


def test_a_merged_ticket_gets_no_saved_answer(
    config: Path, seeded: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    """Its requester would read "your reply is added to ticket [#1]" while a reply goes
    to the ticket it was merged into: the answer is sent there, so say where."""
    source, target = seeded["urgent"], seeded["password"]
    assert run(config, "tickets", "merge", str(source), str(target), capsys=capsys).code == 0
    ran = run(config, "tickets", "answer", str(source), "password-reset", capsys=capsys)
    assert ran.code == 65 and f"was merged into #{target}" in ran.err
    events = json.loads(run(config, "tickets", "show", str(source), "--json", capsys=capsys).out)
    assert "answer" not in [e["kind"] for e in events["events"]]


@pytest.mark.parametrize(
    ("key", "locale", "said"),
    [
        ("password", "ja", "状態: 受付、優先度: 通常 (new, normal)"),
        ("printer", "en", "State: new, priority: low (new, low)"),
    ],
)
def test_a_saved_answer_names_the_state_and_priority_in_the_answers_language(
    config: Path,
    seeded: dict[str, int],
    capsys: pytest.CaptureFixture[str],
    key: str,
    locale: str,
    said: str,
) -> None:
    """A requester reads the words the team's mails use (受付, 通常), not the stored
    values; the values stay within reach as ``state_id`` and ``priority_id``."""
    folder = config.parent / "answers"
    (folder / "where.ja.txt.j2").write_text(
        "状態: {{ ticket.state }}、優先度: {{ ticket.priority }}"
        " ({{ ticket.state_id }}, {{ ticket.priority_id }})",
        encoding="utf-8",
    )
    (folder / "where.en.txt.j2").write_text(
        "State: {{ ticket.state }}, priority: {{ ticket.priority }}"
        " ({{ ticket.state_id }}, {{ ticket.priority_id }})",
        encoding="utf-8",
    )
    app = make_app(load_settings(config), FakeClock(START))
    try:
        with transaction(app.sessions) as s:
            ticket = s.get(Ticket, seeded[key])
            assert ticket is not None
            ticket.locale = locale
    finally:
        app.close()
    ran = run(config, "tickets", "answer", str(seeded[key]), "where", capsys=capsys)
    assert ran.code == 0, ran.err
    app = make_app(load_settings(config), FakeClock(START))
    try:
        data = show(app, seeded[key])
    finally:
        app.close()
    [out] = [m for m in data["messages"] if m["kind"] == "ops_reply"]
    assert said in out["text"]
