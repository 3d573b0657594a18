"""``actions list``'s state column holds every state's words, in either language.

The column was 17 terminal columns wide, and a run waiting to run (a new one, or one
``actions retry`` put back) is said ``waiting to run (pending)`` (24; ``承認待ち
(awaiting_approval)`` is 28 in Japanese): the cell pushed the tries, the status and
the error out from under their headers, so the row no longer read as the table.
Now the column is as wide as the longest state said in the reader's language, fixed
for every row (a list of succeeded runs lines up with one of waiting runs), and the
table's columns before the last error stay narrower than ``tickets list``'s.
"""

from __future__ import annotations

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
    """The example catalog's ``account`` entry, its sheet completed: its run waits to run
    (no ``actions run`` yet)."""
    config = write_config(tmp_path, secret_file=True)
    (tmp_path / "account.eml").write_bytes(ACCOUNT)
    assert run(config, "ingest", str(tmp_path / "account.eml"), capsys=capsys).code == 0
    assert run(config, "tickets", "field", "1", "user_id", "taro.yamada", capsys=capsys).code == 0
    return config


def _end(line: str, cell: str, after: int = 0) -> int:
    """The terminal column where ``cell``'s first appearance from ``after`` ends."""
    i = line.index(cell, after)
    return columns(line[: i + len(cell)])


@pytest.mark.parametrize(
    ("locale", "state", "tried"),
    [("C.UTF-8", "waiting to run (pending)", "0x"), ("ja_JP.UTF-8", "実行待ち (pending)", "0 回")],
)
def test_a_waiting_run_stays_under_its_headers(
    site: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    locale: str,
    state: str,
    tried: str,
) -> None:
    monkeypatch.setenv("LC_ALL", locale)
    header, row = run(site, "actions", "list", capsys=capsys).out.splitlines()
    assert state in row
    words = header.split()
    tries, status = words[5], words[6]
    at = row.index(state) + len(state)
    # the right-aligned tries and status end where their headers end
    assert _end(row, tried, at) == _end(header, tries)
    assert _end(row, "-", at) == _end(header, status)
    # every state, said in this language, fits the column the header gives it
    state_head = words[4]
    room = columns(header[: header.index(tries)]) - columns(header[: header.index(state_head)])
    assert columns(state) < room
    tickets_header = run(site, "tickets", "list", capsys=capsys).out.splitlines()[0]
    last = words[-2] if locale.startswith("C") else words[-1]  # "last error" is two words
    assert columns(header[: header.index(last)]) < columns(tickets_header)


def test_the_longest_state_in_either_language_fits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every run state said in either language fits the column: no row is pushed right."""
    from gateway.config.settings import Settings
    from gateway.notify.labels import RUN_STATES
    from gateway.runtime.cli.actions import state_width
    from gateway.runtime.cli.common import Speaker
    from gateway.runtime.cli.ticket_show import run_state

    for locale in ("C.UTF-8", "ja_JP.UTF-8"):
        monkeypatch.setenv("LC_ALL", locale)
        said = Speaker(Settings())
        width = state_width(said)
        assert all(columns(run_state(s, said)) <= width for s in RUN_STATES)
        assert width < 30
