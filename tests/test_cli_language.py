"""The CLI's lines for people in its language: $LC_ALL, $LC_MESSAGES or $LANG when
they name ja or en, English for C/POSIX, else the configured ``[gateway] locale``;
``--json`` stays English data whatever the language."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.runtime.cli import main as cli_main
from gateway.runtime.cli.common import cli_locale
from tests.support.cli import run
from tests.support.config import KEY, daemon_running, with_database, write_config  # noqa: F401
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


# the daemon runs (its lock held): status here is about the words it says
pytestmark = pytest.mark.usefixtures("daemon_running")


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
    again = run(config, "tickets", "set-state", "1", "open", capsys=capsys)  # no change, exit 0
    assert (again.code, again.out) == (0, "チケット #1: チケットはすでに「対応中」です\n")
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
    assert ": 問題なし。項目 7 件、受け皿の項目（fallback）「other」" in checked
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
    config = with_database(write_config(tmp_path, secret_file=True, locale="ja"))  # LANG=C
    assert run(config, "status", capsys=capsys).out.startswith("healthy\n")


def test_no_locale_set_speaks_the_teams_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LANG")
    config = with_database(write_config(tmp_path, secret_file=True, locale="ja"))
    assert run(config, "status", capsys=capsys).out.startswith("正常\n")


def test_ingest_lines_and_every_error_main_prints_speak_japanese(
    config: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``ingest``'s lines, and the configuration, catalog and temporary-failure errors:
    the words around the data are Japanese, states and reasons too; keys and paths are data."""
    _japanese(monkeypatch)
    (tmp_path / "x.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    ran = run(config, "ingest", str(tmp_path / "req.eml"), str(tmp_path / "x.png"), capsys=capsys)
    assert ran.code == 65
    refused, stored = ran.out.splitlines()  # what is not mail is said first
    assert stored.startswith(
        f"{tmp_path / 'req.eml'}: 受信箱 #1 に保存しました: 処理済み、チケット #1"
    )
    assert refused == f"{tmp_path / 'x.png'}: メールではありません。保存していません"
    again = run(config, "ingest", str(tmp_path / "req.eml"), capsys=capsys).out
    assert "に保存済みです（処理済み、チケット #1）。新しいものはありません" in again
    bad = tmp_path / "bad.toml"
    bad.write_text("[smtp]\nport = -1\n", encoding="utf-8")
    err = run(bad, "status", capsys=capsys).err
    assert err == (
        f"ticket-gateway: 設定エラー: {bad}: [smtp.port] 0〜65535 の整数で書いてください"
        "（-1 ではなく）\n"
    )
    chat = tmp_path / "chat.toml"
    chat.write_text('[chat.webhook]\nurl_env = "TG_TEST_NO_SUCH_URL"\n', encoding="utf-8")
    assert run(chat, "status", capsys=capsys).err == (
        f"ticket-gateway: 設定エラー: {chat}: [chat.webhook.url_file] 必須です"
        "（または $TG_TEST_NO_SUCH_URL を設定するか、url_env で別の環境変数を指定してください）\n"
    )
    catalog = tmp_path / "broken.yaml"
    catalog.write_text("entries:\n  - id: Bad Id\n    name: x\n    fallback: true\n")
    (tmp_path / "b").mkdir()
    cfg = write_config(tmp_path / "b", secret_file=True, extra=f'[catalog]\npath = "{catalog}"\n')
    ran = run(cfg, "tickets", "list", capsys=capsys)
    assert ran.code == 78
    first, *problems = ran.err.splitlines()
    assert first == f"ticket-gateway: カタログ {catalog} に問題があります:"
    assert f"{catalog}:2: id 'Bad Id': 英小文字・数字・'-'・'_' だけを使ってください" in problems
    assert f"{catalog}:2: 受け皿の項目（fallback）'Bad Id' には 'manager' が必要です" in problems
    checked = run(cfg, "catalog", "check", str(catalog), capsys=capsys)
    assert checked.code == 65 and "'manager' が必要です" in checked.out
    down = tmp_path / "down.toml"
    down.write_text(
        '[gateway]\nsecret_file = "secret.key"\n'
        '[database]\nurl = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"\n'
    )
    (tmp_path / "secret.key").write_text(KEY)
    ran = run(down, "tickets", "list", capsys=capsys)
    assert ran.code == 75
    assert ran.err.startswith(
        "ticket-gateway: 一時的なエラーです。しばらくしてからやり直してください: "
    )
    data = [str(tmp_path), "done", "status", "smtp.port", "Bad Id", "manager", "vpn"]
    # a new ticket's reason in the reader's words too (the record stays English)
    for text in (stored, refused, err, first, "\n".join(problems)):
        assert findings(text, "ja", data) == []


def test_the_mta_pipe_line_is_in_the_teams_language(tmp_path: Path) -> None:
    """Under Postfix no $LANG is set: the config's [gateway] locale says the line."""
    import os
    import shutil
    import subprocess
    import sys

    from gateway.receive import pipe

    exe = shutil.which("ticket-gateway", path=str(Path(sys.executable).parent))
    assert exe
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("TICKET_GATEWAY_", "LANG", "LC_"))
    }
    lines = {}
    for locale in ("ja", "en"):
        folder = tmp_path / locale
        folder.mkdir()
        config = with_database(write_config(folder, secret_file=True, locale=locale))
        run_once = subprocess.run(  # the full path once: it creates the database
            [exe, "--config", str(config), "db", "upgrade"],
            env=env,
            capture_output=True,
            check=True,
        )
        assert run_once.returncode == 0
        held = pipe.hold_daemon_lock(folder / "var")
        try:
            done = subprocess.run(
                [exe, "--config", str(config), "ingest", "-"],
                input=mail(date=datetime.now(UTC)),
                env=env,
                capture_output=True,
                timeout=60,
                check=False,
            )
            bad = subprocess.run(
                [exe, "--config", str(config), "ingest", "-"],
                input=b"\x89PNG\r\n",
                env=env,
                capture_output=True,
                timeout=60,
                check=False,
            )
        finally:
            held.close()
        assert (done.returncode, bad.returncode) == (0, 65), done.stderr + bad.stderr
        lines[locale] = (done.stdout.decode(), bad.stdout.decode())
    assert lines["ja"][0] == "-: 受信箱 #1 に保存しました。動作中のデーモンが処理します\n"
    assert lines["ja"][1].startswith("-: メールではありません（")
    assert lines["en"][0] == "-: stored as inbox #1, queued for the running daemon\n"
    assert lines["en"][1].startswith("-: not an e-mail message (")


def _parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    """``parser`` and every subcommand's parser below it."""
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):
                yield from _parsers(sub)


def _help_texts(parser: argparse.ArgumentParser) -> list[str]:
    """What ``--help`` says in words: the description, each option's and argument's
    help, each subcommand's line."""
    texts = [parser.description or ""]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            texts += [choice.help or "" for choice in action._choices_actions]
        texts.append(action.help or "")
    return [t for t in texts if t and t != argparse.SUPPRESS]


@pytest.mark.parametrize(("lang", "locale"), [("ja_JP.UTF-8", "ja"), ("C.UTF-8", "en")])
def test_every_help_text_speaks_the_shells_language(
    lang: str, locale: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--help`` of the command and of every subcommand: its words from the catalogs,
    argparse's own headings too, in Japanese without an English sentence and in
    English without Japanese."""
    monkeypatch.setenv("LANG", lang)
    parsers = list(_parsers(cli_main._parser()))
    assert len(parsers) > 30  # every subcommand was walked
    wrong = [
        f"{p.prog}: {found!r}"
        for p in parsers
        for t in _help_texts(p)
        for found in findings(t, locale)
    ]
    assert not wrong
    page = parsers[0].format_help()
    english = ("usage:", "options:", "positional arguments:", "show this help message")
    if locale == "ja":
        assert page.startswith("使い方: ticket-gateway") and "オプション:" in page
        assert not [word for word in english if word in page]
    else:
        assert page.startswith("usage: ticket-gateway") and not findings(page, "en")


def test_a_usage_error_is_said_in_the_shells_language(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """argparse's own error lines come from our catalog too."""
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    with pytest.raises(SystemExit) as ended:
        cli_main.main(["tickets", "merge", "1"])
    assert ended.value.code == 2
    err = capsys.readouterr().err
    assert "使い方: ticket-gateway tickets merge" in err
    assert "エラー: 次の引数が必要です: target" in err
    monkeypatch.setenv("LANG", "C.UTF-8")
    with pytest.raises(SystemExit):
        cli_main.main(["tickets", "merge", "1"])
    assert "error: the following arguments are required: target" in capsys.readouterr().err


def test_tickets_show_says_its_own_words_in_japanese_and_keeps_the_data(
    config: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A message's direction, its kind and an event's channel are words for people, said
    in the shell's language; the event kinds, states and close reasons stay as ``--json``
    and the commands write them (README: "The command line's language")."""
    run(config, "ingest", str(tmp_path / "req.eml"), capsys=capsys)
    _japanese(monkeypatch)
    run(config, "tickets", "set-state", "1", "closed", capsys=capsys)
    shown = run(config, "tickets", "show", "1", capsys=capsys).out
    heads = [line for line in shown.splitlines() if line.startswith("--- ")]
    assert heads[0].startswith("--- 受信 ") and heads[0].endswith("（依頼）")
    assert heads[1].startswith("--- 送信 ") and heads[1].endswith("（受付のお知らせ）")
    assert heads[2].endswith("（状況の変更のお知らせ）")
    assert "（メール）: created new" in shown  # the kind and the state: data
    assert "（コマンドライン）: state new → closed (resolved)" in shown
    data = [str(tmp_path), "support@example.test", "alice@customer.test", "JST", "cli:"]
    events = [x.split("）: ")[0] for x in shown.splitlines() if "）: " in x]  # who, how
    assert len(events) >= 4
    for line in heads + events:
        assert findings(line, "ja", data) == [], line
    monkeypatch.setenv("LANG", "C.UTF-8")  # English: as it was
    shown = run(config, "tickets", "show", "1", capsys=capsys).out
    heads = [line for line in shown.splitlines() if line.startswith("--- ")]
    assert heads[0].startswith("--- in ") and heads[0].endswith("  (request)")
    assert heads[1].startswith("--- out ") and heads[1].endswith("  (acknowledgement)")
    assert " via email: created new" in shown
    data = json.loads(run(config, "tickets", "show", "1", "--json", capsys=capsys).out)
    assert [m["kind"] for m in data["messages"]][:2] == ["request", "acknowledgement"]
    assert data["messages"][0]["direction"] == "in" and data["events"][0]["channel"] == "email"


def test_a_refused_field_value_says_why_in_the_shells_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reason a value was refused is kept to be said again, not stored as English:
    a Japanese operator read '数量 (quantity): 'たくさん' 受け付けませんでした: not a number'."""
    config = str(write_config(tmp_path, secret_file=True, locale="en"))
    (tmp_path / "buy.eml").write_bytes(
        mail(
            subject="ノートPCの購入申請",
            date=datetime.now(UTC),
            body="品名：ThinkPad\n数量：たくさん\n希望納期：来週中\n",
        )
    )
    assert run(config, "ingest", str(tmp_path / "buy.eml"), capsys=capsys).code == 0
    _japanese(monkeypatch)
    shown = run(config, "tickets", "show", "1", capsys=capsys).out
    assert "'たくさん' 受け付けませんでした: 数値として読めません" in shown
    assert "受け付けませんでした: 日付として読めません" in shown
    monkeypatch.setenv("LANG", "C.UTF-8")
    shown = run(config, "tickets", "show", "1", capsys=capsys).out
    assert "'たくさん' refused: not a number: write one number, such as 3" in shown
    data = json.loads(run(config, "tickets", "show", "1", "--json", capsys=capsys).out)
    refused = [e["detail"] for e in data["events"] if e["kind"] == "field-rejected"]
    assert {d["reason"] for d in refused} == {
        "not a number: write one number, such as 3",
        "not a date (write 2026-03-02, 2026/3/2 or 3/2)",
    }
