"""Every line ``stats`` prints fits 78 columns, in English and in Japanese.

The assignee table ran to 106 columns (a 32-column address, five counts, then "#1
since 2026-12-07 15:14 JST"), its header to 84, and the notes under the tables to 102:
a terminal or a mail that pastes them breaks each row in two, and the columns no longer
stand under their headers. The table now keeps to 78: the address cut to the column
``tickets list`` gives it (24), the oldest ticket by its day, the inventory's
force-closes listed under their note rather than in a column nearly always 0, and
the notes wrapped."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.runtime.cli.common import columns
from tests.support.cli import run
from tests.test_cli_left_mark import ENV, LEFT, LONG, _force_close, config

__all__ = ["config"]  # the fixture: tickets of a long address, one who left, one who stayed

WIDTH = 78


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_every_line_of_stats_fits(
    config: Path, lang: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _force_close(config, 1, 2)  # force-closes this quarter: their note and their lines
    monkeypatch.setenv("LC_ALL", ENV[lang])
    ran = run(config, "stats", capsys=capsys)
    assert ran.code == 0, ran
    wide = [line for line in ran.out.splitlines() if columns(line) > WIDTH]
    assert wide == [], "\n".join(wide)
    forced = ran.out.split("\n\n")[1]  # the assignee table and what is under it
    assert LONG[:10] in forced and LEFT in forced
