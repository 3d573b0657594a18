"""``inbox list`` and ``actions list`` start with a header line, as ``tickets list`` does.

The quick start's ``actions list`` printed ``1      #2      account        command
succeeded          1x    0`` and nothing saying which number is the run, which the
ticket, what ``1x`` and ``0`` are; ``inbox list`` likewise. The header names each column
in the command line's language, and each row's cells start where its header's word does.
``--json`` is unchanged (a list of objects); an empty list says so
(``tests/test_cli_list_none_match.py``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway.runtime.cli.common import columns
from tests.support.cli import run
from tests.support.config import write_config

ACCOUNT = (
    b"From: me@example.org\r\nTo: support@example.test\r\nSubject: New account\r\n"
    b"Message-ID: <acct-1@example.org>\r\n\r\nPlease make one.\r\n"
)


@pytest.fixture
def site(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """The example catalog's ``account`` entry, its sheet completed and its action run."""
    config = write_config(tmp_path, secret_file=True)
    (tmp_path / "account.eml").write_bytes(ACCOUNT)
    assert run(config, "ingest", str(tmp_path / "account.eml"), capsys=capsys).code == 0
    # an imported mail starts no action: the member's completion of the sheet does
    assert run(config, "tickets", "field", "1", "user_id", "taro.yamada", capsys=capsys).code == 0
    assert run(config, "actions", "run", capsys=capsys).code == 0
    return config


def _starts(line: str, cells: list[str]) -> list[int]:
    """The terminal column each of ``cells`` starts at in ``line``, left to right."""
    found, at = [], 0
    for cell in cells:
        i = line.index(cell, at)
        found.append(columns(line[:i]))
        at = i + len(cell)
    return found


@pytest.mark.parametrize(("locale", "first"), [("C.UTF-8", "inbox"), ("ja_JP.UTF-8", "受信番号")])
def test_inbox_list_has_a_header_its_rows_line_up_with(
    site: Path,
    locale: str,
    first: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LC_ALL", locale)
    header, row = run(site, "inbox", "list", capsys=capsys).out.splitlines()
    words = header.split()
    assert len(words) == 5 and words[0] == first
    assert _starts(row, ["1", "done", "#1", "ingest", "new ticket"]) == _starts(header, words)


@pytest.mark.parametrize(("locale", "first"), [("C.UTF-8", "run"), ("ja_JP.UTF-8", "実行番号")])
def test_actions_list_has_a_header_its_rows_line_up_with(
    site: Path,
    locale: str,
    first: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LC_ALL", locale)
    header, row = run(site, "actions", "list", capsys=capsys).out.splitlines()
    words = header.split()
    assert len(words) >= 7 and words[0] == first
    assert _starts(row, ["1", "#1", "account", "command"]) == _starts(header, words[:4])
    # the right-aligned numbers end where their headers end
    tries, status = words[5], words[6]
    end = _starts(header, words[:7])[6] + columns(status)
    assert columns(row.rstrip()) == end  # no error: the status is the last cell
    tried = "1 回" if locale.startswith("ja") else "1x"  # the catalogs' words, not "1x"
    assert tried in row and columns(row[: row.index(tried) + len(tried)]) == _starts(
        header, words[:6]
    )[5] + columns(tries)


def test_json_has_no_header(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for what in ("inbox", "actions"):
        rows = json.loads(run(site, what, "list", "--json", capsys=capsys).out)
        assert [r["id"] for r in rows] == [1]
