"""The CLI's lines for people in its language: $LC_ALL, $LC_MESSAGES or $LANG when
they name ja or en, English for C/POSIX, else the configured ``[gateway] locale``;
``--json`` stays English data whatever the language."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.runtime.cli.common import cli_locale
from tests.support.cli import run
from tests.support.config import write_config
from tests.support.mails import mail
from tests.test_one_language import findings


@pytest.mark.parametrize(
    ("environ", "configured", "expected"),
    [
        ({}, "ja", "ja"),  # nothing set: the team's language
        ({}, "en", "en"),
        ({"LANG": "ja_JP.UTF-8"}, "en", "ja"),
        ({"LANG": "en_US.UTF-8"}, "ja", "en"),
        ({"LANG": "C.UTF-8"}, "ja", "en"),  # C and POSIX: English, stable for scripts
        ({"LANG": "POSIX"}, "ja", "en"),
        ({"LANG": "C"}, "ja", "en"),
        ({"LANG": "fr_FR.UTF-8"}, "ja", "ja"),  # a language we have no catalog for
        ({"LANG": "fr_FR.UTF-8"}, "de", "en"),  # … nor for the configured one
        ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "ja_JP.UTF-8"}, "en", "ja"),  # POSIX order
        ({"LC_MESSAGES": "ja_JP", "LC_ALL": "C"}, "ja", "en"),  # LC_ALL first
        ({"LANG": "ja_JP.eucJP@euro"}, "en", "ja"),
        ({"LC_ALL": "", "LANG": "ja_JP.UTF-8"}, "en", "ja"),  # an empty one is not set
    ],
)
def test_the_cli_language_rule(environ: dict[str, str], configured: str, expected: str) -> None:
    assert cli_locale(configured, environ) == expected


@pytest.fixture
def config(tmp_path: Path) -> str:
    cfg = write_config(tmp_path, secret_file=True, locale="en")  # the team's language: English
    (tmp_path / "req.eml").write_bytes(
        mail(subject="VPN に接続できません", date=datetime.now(UTC), body="在宅勤務中です。\n")
    )
    return str(cfg)


def _japanese(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")


def test_a_japanese_shell_gets_japanese_lines(
    config: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(config, "ingest", str(tmp_path / "req.eml"), capsys=capsys).code == 0
    _japanese(monkeypatch)
    out = run(config, "tickets", "set-state", "1", "open", capsys=capsys).out
    assert out == "チケット #1: open にしました\n"  # the state as --state takes it
    err = run(config, "tickets", "set-state", "1", "open", capsys=capsys).err
    assert err == "ticket-gateway: チケット #1: チケットはすでに「対応中」です\n"
    assert run(config, "tickets", "note", "99", "x", capsys=capsys).err == (
        "ticket-gateway: チケット #99 はありません\n"
    )
    shown = run(config, "tickets", "show", "1", capsys=capsys).out
    assert shown.startswith("チケット #1: VPN に接続できません\n  状態: open\n")
    assert "\n履歴:\n" in shown and "件名: " in shown
    listed = run(config, "tickets", "list", capsys=capsys).out
    assert listed.startswith("番号 ") and "VPN・リモートアクセス" in listed  # the entry's name
    status = run(config, "status", capsys=capsys).out
    assert status.startswith("正常\n") and "受信箱: 処理待ち 0 件、保留 0 件" in status
    checked = run(config, "catalog", "check", capsys=capsys).out
    assert ": 問題なし。項目 7 件、既定の項目「other」" in checked
    stats = run(config, "stats", capsys=capsys).out
    assert stats.splitlines()[0].startswith("項目") and "新しい項目の候補" in stats
    assert "メールは 0 通になります" in run(config, "digest", "--dry-run", capsys=capsys).out
    swept = run(config, "sweep", "--dry-run", capsys=capsys).out
    assert swept.endswith("（何も書き込んでいません）\n")
    for text in (status, checked, stats, swept):  # the words around the data: all Japanese
        assert findings(text, "ja", [str(tmp_path), "support@example.test"]) == []


def test_json_stays_english_in_a_japanese_shell(
    config: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run(config, "ingest", str(tmp_path / "req.eml"), capsys=capsys)
    _japanese(monkeypatch)
    [ticket] = json.loads(run(config, "tickets", "list", "--json", capsys=capsys).out)
    assert ticket["state"] == "new"
    status = json.loads(run(config, "status", "--json", capsys=capsys).out)
    assert status["healthy"] is True and status["problems"] == []


def test_the_c_locale_speaks_english_even_for_a_japanese_team(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, secret_file=True, locale="ja")  # LANG=C.UTF-8: conftest
    assert run(config, "status", capsys=capsys).out.startswith("healthy\n")


def test_no_locale_set_speaks_the_teams_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LANG")
    config = write_config(tmp_path, secret_file=True, locale="ja")
    assert run(config, "status", capsys=capsys).out.startswith("正常\n")
