"""Lines the CLI prints for people are whole sentences from the catalogs: a Japanese
line has no English word of ours in it (a state's English name in parentheses, ``1x``,
the runner's English reason), an English one no Japanese label of the team's catalog.

QA found ``run #5 ticket #7: 失敗 (failed) …`` from ``actions run``, ``1x`` in
``actions list``, ``チケット #1（new ticket, filed under pc, asked for 3 fields）`` from
``ingest``, and ``catalog match`` under ``LANG=C`` naming entries in Japanese."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.support.cli import run
from tests.support.config import write_config
from tests.support.mails import mail
from tests.test_one_language import findings

ACCOUNT = (
    b"From: me@example.org\r\nTo: support@example.test\r\nSubject: New account\r\n"
    b"Message-ID: <acct-1@example.org>\r\n\r\nPlease make one.\r\n"
)


@pytest.fixture
def site(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """The example catalog's ``account`` entry, its sheet completed: its action is due."""
    config = write_config(tmp_path, secret_file=True)
    (tmp_path / "account.eml").write_bytes(ACCOUNT)
    assert run(config, "ingest", str(tmp_path / "account.eml"), capsys=capsys).code == 0
    assert run(config, "tickets", "field", "1", "user_id", "taro.yamada", capsys=capsys).code == 0
    return config


@pytest.mark.parametrize(
    ("locale", "line", "tries"),
    [
        ("ja_JP.UTF-8", "実行 #1（チケット #1）: 成功（ステータス 0）", "1 回"),
        ("C.UTF-8", "run #1 ticket #1: succeeded, status 0", "1x"),
    ],
)
def test_actions_run_and_list_say_whole_sentences(
    site: Path,
    locale: str,
    line: str,
    tries: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LC_ALL", locale)
    ran = run(site, "actions", "run", capsys=capsys)
    assert (ran.code, ran.out) == (0, line + "\n")
    _header, row = run(site, "actions", "list", capsys=capsys).out.splitlines()
    assert f" {tries} " in row
    if locale.startswith("ja"):
        assert findings(ran.out, "ja") == [] and "x " not in row
    [listed] = json.loads(run(site, "actions", "list", "--json", capsys=capsys).out)
    assert (listed["state"], listed["attempts"]) == ("succeeded", 1)  # --json: as it was


def test_ingest_says_a_new_ticket_in_the_readers_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The row's reason stays the English record (inbox list, the log); the line a
    person reads says the same in their language."""
    config = write_config(tmp_path, secret_file=True, locale="en")
    printer = tmp_path / "printer.eml"
    printer.write_bytes(
        mail(subject="プリンタが動かない", body="印刷できません。\n", date=datetime.now(UTC))
    )
    monkeypatch.setenv("LC_ALL", "ja_JP.UTF-8")
    line = run(config, "ingest", str(printer), capsys=capsys).out
    said = line.split("チケット #1", 1)[1]
    assert said.startswith("（新しいチケットを作成、printer に分類、"), line
    assert said.endswith("）\n"), line
    assert findings(said, "ja", ["printer"]) == [], line
    [row] = json.loads(run(config, "inbox", "list", "--json", capsys=capsys).out)
    assert row["reason"].startswith("new ticket, filed under printer")  # the record
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    again = tmp_path / "again.eml"
    again.write_bytes(mail(subject="プリンタが壊れた", body="印刷不可\n", date=datetime.now(UTC)))
    line = run(config, "ingest", str(again), capsys=capsys).out
    assert "ticket #2 (new ticket opened, filed under the entry printer, asked for " in line, line
    assert findings(line, "en", [str(again)]) == [], line


def test_catalog_match_speaks_the_cli_language_unless_told(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_config(tmp_path, secret_file=True, locale="ja")  # a Japanese team
    eml = tmp_path / "p.eml"
    eml.write_bytes(mail(subject="プリンタが動かない", body="数量：3\n"))
    monkeypatch.setenv("LANG", "C")
    out = run(config, "catalog", "match", str(eml), capsys=capsys).out
    assert "missing: printer_name (Printer name)" in out, out
    assert findings(out, "en", [str(eml), "プリンタ"]) == [], out  # the keyword: data
    told = run(config, "catalog", "match", "--locale", "ja", str(eml), capsys=capsys).out
    assert "missing: printer_name (プリンタ名)" in told  # --locale still wins
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    out = run(config, "catalog", "match", "--locale", "en", str(eml), capsys=capsys).out
    assert "Printer name" in out and "プリンタ名" not in out
    data = json.loads(run(config, "catalog", "match", "--json", str(eml), capsys=capsys).out)
    assert data["missing"] == [{"name": "printer_name", "label": "プリンタ名"}]  # for scripts
