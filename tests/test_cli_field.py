"""``tickets field``: a ticket's parameter sheet from a shell, as ``/field`` sets it by
mail. The same field lookup and type check (a refusal names the field, exit 65), the
same "the sheet holds it already" rule (no event, no notice), the change recorded as
the CLI's (actor ``cli:<login>``, channel ``cli``) with the notice to the assignee, and
a sheet it completes starts the entry's action, as every door's change does."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gateway.config.load import load_settings
from gateway.core.clock import FakeClock
from gateway.runtime.app import App
from gateway.runtime.cli.common import columns
from tests.support.actions import catalog_text
from tests.support.app import MEMBERS
from tests.support.cli import run
from tests.support.config import members_toml, write_config
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, text_of
from tests.support.scheduling import make_app

START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
# the request gives every value but the required user_id: the sheet is not complete
REQUEST = mail(
    subject="New account please",
    body="Please create an account.\nPlan: pro\nSeats: 2\n",
    date=START,
)


@pytest.fixture
def config(db_url: str, tmp_path: Path) -> Path:
    (tmp_path / "catalog.yaml").write_text(
        catalog_text('type: command\nargv: ["true"]'), encoding="utf-8"
    )
    extra = f'[catalog]\npath = "{tmp_path / "catalog.yaml"}"\n' + members_toml(MEMBERS)
    return write_config(tmp_path, url=db_url, secret_file=True, extra=extra)


def _app(config: Path) -> App:
    return make_app(load_settings(config), FakeClock(START))


@pytest.fixture
def ticket(config: Path) -> int:
    app = _app(config)
    try:
        tid = deliver(app, REQUEST).ticket_id
        assert tid is not None and show(app, tid)["catalog"] == "account"
    finally:
        app.close()
    return tid


def _look(config: Path, tid: int) -> tuple[dict[str, Any], list[str]]:
    app = _app(config)
    try:
        return show(app, tid), [r.kind for r in outbox(app)]
    finally:
        app.close()


def _fields(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in data["events"] if e["kind"] == "field"]


def test_a_value_is_set_as_the_cli_with_the_notice_and_completes_the_sheet(
    config: Path, ticket: int, capsys: pytest.CaptureFixture[str]
) -> None:
    before, sent = _look(config, ticket)
    ran = run(config, "tickets", "field", str(ticket), "user_id", "taro.yamada", capsys=capsys)
    assert ran.code == 0, ran
    assert f"ticket #{ticket}: field User ID (user_id) set to taro.yamada" in ran.out
    data, kinds = _look(config, ticket)
    assert data["fields"]["user_id"] == "taro.yamada"
    [event] = _fields(data)[len(_fields(before)) :]
    assert event["actor"].startswith("cli") and event["channel"] == "cli", event
    assert event["new"] == "taro.yamada" and event["detail"]["source"] == "cli"
    assert "ticket_notice" in kinds[len(sent) :], kinds  # the assignee hears of it, as by mail
    # the sheet is complete now: the entry's action is queued, once
    assert [e["kind"] for e in data["events"]].count("action-queued") == 1


def test_values_are_read_by_their_type_and_a_label_names_the_field(
    config: Path, ticket: int, capsys: pytest.CaptureFixture[str]
) -> None:
    for args, stored in [
        (("Seats", "３"), ("seats", "3")),  # the label, a full-width number
        (("plan", "basic"), ("plan", "basic")),
        (("start_date", "2026/4/1"), ("start_date", "2026-04-01")),
        (("contact", "Taro@Faß.DE"), ("contact", "taro@xn--fa-hia.de")),
        (("user_id", "taro", "yamada"), ("user_id", "taro yamada")),  # words: one value
    ]:
        ran = run(config, "tickets", "field", str(ticket), *args, capsys=capsys)
        assert ran.code == 0, (args, ran)
        assert _look(config, ticket)[0]["fields"][stored[0]] == stored[1]


def test_the_value_held_already_changes_nothing(
    config: Path, ticket: int, capsys: pytest.CaptureFixture[str]
) -> None:
    before, sent = _look(config, ticket)
    ran = run(config, "tickets", "field", str(ticket), "seats", "２", capsys=capsys)
    assert ran.code == 0, ran
    assert "field Seats (seats) already had the value 2: nothing changed" in ran.out
    after, kinds = _look(config, ticket)
    assert len(after["events"]) == len(before["events"]) and kinds == sent
    assert after["updated_at"] == before["updated_at"]


@pytest.mark.parametrize(
    ("key", "value", "said"),
    [
        ("sets", "3", "unknown field 'sets' for entry 'Accounts'; did you mean Seats (seats)?"),
        ("plan", "gold", "field plan: "),
        ("seats", "many", "field seats: "),
        ("start_date", "2026-02-30", "field start_date: "),
        ("contact", "not an address", "field contact: "),
    ],
)
def test_a_value_the_field_does_not_take_is_refused_naming_it(
    config: Path, ticket: int, key: str, value: str, said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before, _ = _look(config, ticket)
    ran = run(config, "tickets", "field", str(ticket), key, value, capsys=capsys)
    assert ran.code == 65, ran
    assert said in ran.err and not ran.out, ran
    assert _look(config, ticket)[0]["events"] == before["events"]


def test_clear_removes_a_value_with_an_event_and_twice_is_no_change(
    config: Path, ticket: int, capsys: pytest.CaptureFixture[str]
) -> None:
    ran = run(config, "tickets", "field", str(ticket), "plan", "--clear", capsys=capsys)
    assert ran.code == 0 and f"ticket #{ticket}: field Plan (plan) cleared" in ran.out, ran
    data, _ = _look(config, ticket)
    assert "plan" not in data["fields"]
    last = _fields(data)[-1]
    assert (last["old"], last["new"], last["channel"]) == ("pro", None, "cli"), last
    again = run(config, "tickets", "field", str(ticket), "plan", "--clear", capsys=capsys)
    assert again.code == 0 and "has no value: nothing changed" in again.out, again
    assert _fields(_look(config, ticket)[0]) == _fields(data)
    # a required field may be cleared too; the sheet is then incomplete again
    run(config, "tickets", "field", str(ticket), "user_id", "taro", capsys=capsys)
    ran = run(config, "tickets", "field", str(ticket), "user_id", "--clear", capsys=capsys)
    assert ran.code == 0 and "user_id" not in _look(config, ticket)[0]["fields"]


def test_a_value_and_clear_or_neither_is_a_usage_error(
    config: Path, ticket: int, capsys: pytest.CaptureFixture[str]
) -> None:
    both = run(config, "tickets", "field", str(ticket), "plan", "pro", "--clear", capsys=capsys)
    neither = run(config, "tickets", "field", str(ticket), "plan", capsys=capsys)
    assert both.code == 64 and neither.code == 64, (both, neither)
    assert "--clear" in both.err and "--clear" in neither.err


def test_without_a_key_the_sheet_is_listed_with_types(
    config: Path, ticket: int, capsys: pytest.CaptureFixture[str]
) -> None:
    ran = run(config, "tickets", "field", str(ticket), capsys=capsys)
    assert ran.code == 0, ran
    lines = [" ".join(line.split()) for line in ran.out.splitlines()]
    assert "User ID (user_id) text required -" in lines, lines
    # in columns: a value never stands where another line says "required", so an
    # optional field's "-" (no value) is not read as "not required"
    raw = ran.out.splitlines()
    starts = {
        columns(line[: line.index(kind, line.index(")"))])
        for line, kind in zip(raw, _kinds(raw), strict=True)
    }
    assert len(starts) == 1, raw
    values = {columns(line.rstrip()) - columns(line.rstrip().rsplit("  ", 1)[-1]) for line in raw}
    assert len(values) == 1, raw
    assert "Plan (plan) choice: basic, pro pro" in lines, lines
    assert "Seats (seats) number 2" in lines, lines
    as_json = run(config, "tickets", "field", str(ticket), "--json", capsys=capsys)
    found = json.loads(as_json.out)
    assert found[3] == {
        "name": "plan",
        "label": "Plan",
        "type": "choice",
        "choices": ["basic", "pro"],
        "required": False,
        "value": "pro",
    }
    assert found[0]["value"] is None and found[0]["required"] is True


def test_no_such_ticket_is_69_and_a_merged_one_is_refused(
    config: Path, ticket: int, capsys: pytest.CaptureFixture[str]
) -> None:
    for tid in ("0", "999999"):
        ran = run(config, "tickets", "field", tid, "plan", "pro", capsys=capsys)
        assert ran.code == 69 and f"no ticket #{tid}" in ran.err, ran
    app = _app(config)
    try:
        other = deliver(app, mail(subject="Another account", body="account\n")).ticket_id
    finally:
        app.close()
    assert other is not None
    assert run(config, "tickets", "merge", str(other), str(ticket), capsys=capsys).code == 0
    ran = run(config, "tickets", "field", str(other), "plan", "basic", capsys=capsys)
    assert ran.code == 65 and f"merged into #{ticket}" in ran.err, ran


def test_a_closed_tickets_sheet_is_corrected_but_starts_no_action(
    config: Path, ticket: int, capsys: pytest.CaptureFixture[str]
) -> None:
    closed = run(config, "tickets", "set-state", str(ticket), "closed", capsys=capsys)
    assert closed.code == 0, closed
    ran = run(config, "tickets", "field", str(ticket), "user_id", "taro", capsys=capsys)
    assert ran.code == 0, ran
    data, _ = _look(config, ticket)
    assert data["fields"]["user_id"] == "taro" and data["state"] == "closed"
    assert not [e for e in data["events"] if e["kind"].startswith("action-")], data["events"]


def test_said_in_japanese_with_the_fields_labels(
    config: Path, ticket: int, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LC_ALL", "ja_JP.UTF-8")
    ran = run(config, "tickets", "field", str(ticket), "台数", "5", capsys=capsys)
    assert ran.code == 0 and f"チケット #{ticket}: 台数（seats）を 5 にしました" in ran.out, ran
    ran = run(config, "tickets", "field", str(ticket), "plan", "--clear", capsys=capsys)
    assert f"チケット #{ticket}: プラン（plan）の値を消しました" in ran.out, ran
    ran = run(config, "tickets", "field", str(ticket), "plan", "gold", capsys=capsys)
    assert ran.code == 65 and "plan: 次のいずれかで書いてください: basic, pro" in ran.err, ran
    listed = run(config, "tickets", "field", str(ticket), capsys=capsys)
    lines = [" ".join(line.split()) for line in listed.out.splitlines()]  # in columns
    assert "ユーザーID (user_id) text 必須 -" in lines, listed


def test_the_assignee_is_told_a_value_was_cleared_not_changed_to_nothing(
    config: Path, ticket: int, capsys: pytest.CaptureFixture[str]
) -> None:
    ran = run(config, "tickets", "field", str(ticket), "plan", "--clear", capsys=capsys)
    assert ran.code == 0, ran
    app = _app(config)
    try:
        told = " ".join(text_of(outbox(app, "ticket_notice")[-1]).split())
    finally:
        app.close()
    assert "cleared Plan (it was pro)" in told and "→" not in told, told


def test_without_a_ticket_the_usage_error_names_only_the_ticket(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The value is optional (no value lists, ``--clear`` clears): a missing ticket
    number must not say a value is required too."""
    with pytest.raises(SystemExit) as stopped:
        run(config, "tickets", "field", capsys=capsys)
    err = capsys.readouterr().err
    assert stopped.value.code == 2 and "id" in err.rsplit(":", 1)[-1], err
    assert "value" not in err.rsplit(":", 1)[-1], err


def test_the_history_of_tickets_show_says_a_cleared_value_as_the_notice_does(
    config: Path, ticket: int, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``tickets show`` read "field Plan (plan): pro →" (a change to nothing); the
    notice's words (gateway.notify.labels.field_cleared)."""
    run(config, "tickets", "field", str(ticket), "plan", "--clear", capsys=capsys)

    def cleared_line() -> str:
        shown = run(config, "tickets", "show", str(ticket), capsys=capsys).out.splitlines()
        return [x for x in shown if "cli:" in x and "field" in x][-1]

    line = cleared_line()
    assert line.endswith("field cleared Plan (plan) (it was pro)") and "→" not in line, line
    monkeypatch.setenv("LC_ALL", "ja_JP.UTF-8")
    line = cleared_line()
    assert line.endswith("field プラン (plan) の値を消しました（以前の値: pro）"), line


def test_a_huge_number_is_refused_as_too_large_as_every_door_says_it(
    config: Path, ticket: int, capsys: pytest.CaptureFixture[str]
) -> None:
    ran = run(config, "tickets", "field", str(ticket), "seats", "9" * 400, capsys=capsys)
    assert ran.code == 65, ran
    assert "seats: too large: at most 30 digits before the decimal point" in ran.err, ran.err
    assert "not a number" not in ran.err


def _kinds(lines: list[str]) -> list[str]:
    """The type word of each line of ``tickets field ID``: after the name's ``(key)``."""
    return [line.split(")", 1)[1].split()[0] for line in lines]
