"""An action run's last error, and its state, are said in the reader's language.

The worker stored why an attempt failed as English text ("exit 65"), and ``tickets
show`` and ``actions list`` printed it, and the run's state word, to a Japanese
operator as they were stored. The run keeps the error as a Msg now (the far end's own
words in it as a parameter) beside the English text, which ``--json`` keeps; a row
written before the Msg was kept shows its text as it is.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.config.load import load_settings
from store import migrate
from store.db import make_engine
from tests.support.actions import argv_yaml, catalog_text, script
from tests.support.app import MEMBERS
from tests.support.cli import Ran, run
from tests.support.config import members_toml, write_config
from tests.support.mails import mail

REFUSES = """
    import sys
    sys.stdin.read()
    print("directory says: no such OU", file=sys.stderr)
    sys.exit(65)
"""


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    argv = script(tmp_path, "create.py", REFUSES)
    action = f"type: command\nargv: {argv_yaml(argv)}\nretries: 0"
    (tmp_path / "catalog.yaml").write_text(catalog_text(action), encoding="utf-8")
    return write_config(
        tmp_path, locale="en", extra=f'[catalog]\npath = "catalog.yaml"\n{members_toml(MEMBERS)}'
    )


def _in(
    lang: str,
    config: Path,
    *args: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Ran:
    monkeypatch.setenv("LC_ALL", lang)
    return run(config, *args, capsys=capsys)


def _failed_run(config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> int:
    request = tmp_path / "request.eml"
    now = datetime.now(UTC)  # the command line runs on the real clock: a fresh request
    request.write_bytes(mail(subject="account", body="User ID: taro\n", date=now))
    assert run(config, "ingest", str(request), capsys=capsys).code == 0
    [failed] = json.loads(run(config, "actions", "run", "--json", capsys=capsys).out)
    assert failed["state"] == "failed"
    return int(failed["run"])


def test_tickets_show_and_actions_list_say_the_error_in_the_readers_language(
    config: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    run_id = _failed_run(config, tmp_path, capsys)

    for args in (("tickets", "show", "1"), ("actions", "list")):
        ja = _in("ja_JP.UTF-8", config, *args, monkeypatch=monkeypatch, capsys=capsys).out
        assert "終了コード 65 で終わりました" in ja and "失敗 (failed)" in ja  # --state's word too
        assert "exit 65" not in ja
        en = _in("en_US.UTF-8", config, *args, monkeypatch=monkeypatch, capsys=capsys).out
        assert "exit 65" in en and "failed" in en
        assert "終了コード" not in en and "失敗" not in en
    shown = _in(
        "ja_JP.UTF-8", config, "tickets", "show", "1", monkeypatch=monkeypatch, capsys=capsys
    )
    assert f"#{run_id} account（command）: 失敗 (failed)、" in shown.out
    # the note that it failed for good says the error in the reader's language too
    assert "1 回試して失敗しました: 終了コード 65 で終わりました" in shown.out

    monkeypatch.setenv("LC_ALL", "ja_JP.UTF-8")  # --json is data for scripts: English
    [row] = json.loads(run(config, "actions", "list", "--json", capsys=capsys).out)
    assert row["last_error"] == "exit 65"


def test_a_run_recorded_before_the_msg_was_kept_shows_its_text(
    config: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Down to 0014 (the column goes) and up again: the row keeps its English text
    only, as a row written by an older release, and it is shown as it is."""
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    _failed_run(config, tmp_path, capsys)
    engine = make_engine(load_settings(config).database.url)
    migrate.downgrade(engine, "0014")
    migrate.upgrade(engine)
    engine.dispose()
    for args in (("tickets", "show", "1"), ("actions", "list")):
        ja = _in("ja_JP.UTF-8", config, *args, monkeypatch=monkeypatch, capsys=capsys).out
        line = next(x for x in ja.splitlines() if "account" in x and "command" in x)
        assert line.endswith(" exit 65") and "失敗" in line  # the text; the state is a word
