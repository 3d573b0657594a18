"""``--help`` keeps to the terminal's width in Japanese as in English.

argparse wraps its help by characters, and a kanji takes two columns: the Japanese
help ran to 118 columns on an 80-column terminal (``actions retry``'s line, ``ingest``'s
at 104), each line broken again by the terminal wherever it ended, under the option
names. The help is now wrapped by the columns a terminal gives each character, as our
mails are (gateway.core.wrap); the English is as it was."""

from __future__ import annotations

import pytest

from gateway.core.wrap import width_of
from gateway.runtime.cli.main import main

COMMANDS = [
    (),
    ("tickets",),
    ("tickets", "list"),
    ("tickets", "attachment"),
    ("tickets", "field"),
    ("tickets", "due"),
    ("tickets", "set-state"),
    ("actions",),
    ("catalog", "refile"),
    ("db",),
    ("ingest",),
    ("status",),
]


@pytest.mark.parametrize("lang", ["ja_JP.UTF-8", "C.UTF-8"])
def test_every_help_line_fits_80_columns(
    lang: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LC_ALL", lang)
    monkeypatch.setenv("COLUMNS", "80")  # argparse wraps to 78 of them
    wide: list[str] = []
    for command in COMMANDS:
        with pytest.raises(SystemExit) as done:
            main([*command, "--help"])
        assert done.value.code == 0
        out = capsys.readouterr().out
        # usage lines are argparse's own layout of the options; the help is ours
        body = out.split("\n\n", 1)[1]
        wide += [line for line in body.splitlines() if width_of(line) > 78]
    assert wide == [], "\n".join(wide)
