"""``inbox list`` and ``actions list`` when no row matches say so, as ``tickets list`` does.

They printed nothing at all (not even their header), where ``tickets list`` says "no
tickets match": an admin who typed ``inbox list --state shunted`` could not tell an
empty answer from a command that did nothing. Now each says it in the command line's
language; ``--json`` prints ``[]`` and nothing else on standard output.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import run
from tests.support.config import write_config

MAIL = (
    b"From: me@example.org\r\nTo: support@example.test\r\nSubject: Printer\r\n"
    b"Message-ID: <printer-1@example.org>\r\n\r\nThe printer is jammed.\r\n"
)

# (LANG, what inbox list says, what actions list says)
LANGUAGES = [
    ("C.UTF-8", "no inbox rows match", "no action runs match"),
    ("ja_JP.UTF-8", "該当する受信箱の行はありません", "該当するアクションの実行はありません"),
]


@pytest.fixture
def site(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """One mail taken in (a done inbox row), no action run."""
    config = write_config(tmp_path, secret_file=True)
    (tmp_path / "printer.eml").write_bytes(MAIL)
    assert run(config, "ingest", str(tmp_path / "printer.eml"), capsys=capsys).code == 0
    return config


@pytest.mark.parametrize(("lang", "inbox", "actions"), LANGUAGES)
def test_none_match_is_said(
    site: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    lang: str,
    inbox: str,
    actions: str,
) -> None:
    monkeypatch.setenv("LANG", lang)
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    shunted = run(site, "inbox", "list", "--state", "shunted", capsys=capsys)
    assert (shunted.code, shunted.out) == (0, inbox + "\n")
    runs = run(site, "actions", "list", capsys=capsys)
    assert (runs.code, runs.out) == (0, actions + "\n")
    tickets = run(site, "tickets", "list", "--state", "closed", capsys=capsys)
    assert tickets.code == 0 and tickets.out.strip()  # the model they follow
    # rows that do match are listed as before, without the line
    done = run(site, "inbox", "list", "--state", "done", capsys=capsys).out
    assert inbox not in done and len(done.splitlines()) == 2


@pytest.mark.parametrize("what", [("inbox", "list", "--state", "shunted"), ("actions", "list")])
def test_json_is_an_empty_list(
    site: Path, capsys: pytest.CaptureFixture[str], what: tuple[str, ...]
) -> None:
    ran = run(site, *what, "--json", capsys=capsys)
    assert ran.code == 0
    assert json.loads(ran.out) == []
    assert ran.out.strip() == "[]"
