"""Durations as an admin writes them by hand: with a unit, always. A bare number was read
as seconds, so ``pending_close_after = 7`` (meant: a week) closed every pending ticket
at the next sweep, and ``reopen_window = -5`` was taken as minus five seconds; both
now stop the start naming the key and the file and saying to write the unit."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.support.config import LOCAL, config_error, load_toml


@pytest.mark.parametrize(
    ("section", "key", "value"),
    [
        ("schedule", "pending_close_after", "7"),
        ("schedule", "pending_reminder_after", "3"),
        ("schedule", "sweep_interval", "300"),
        ("gateway", "reopen_window", "-5"),
        ("gateway", "reopen_window", "0"),
        ("smtp", "session_timeout", "60"),
    ],
)
def test_a_bare_number_is_not_a_duration(
    tmp_path: Path, section: str, key: str, value: str
) -> None:
    head = LOCAL if section == "gateway" else f"{LOCAL}[{section}]\n"
    err = config_error(tmp_path, head + f"{key} = {value}")
    assert err.key == f"{section}.{key}" and err.path == str(tmp_path / "gateway.toml")
    number = value.lstrip("-")
    assert f"'{number}d'" in err.problem and f"'{number}s'" in err.problem


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("90m", timedelta(minutes=90)),
        ("2h30m", timedelta(hours=2, minutes=30)),
        ("2h 30m", timedelta(hours=2, minutes=30)),
        ("1D", timedelta(days=1)),
    ],
)
def test_durations_with_units(tmp_path: Path, text: str, length: timedelta) -> None:
    s = load_toml(tmp_path, LOCAL, f'[schedule]\nsweep_interval = "{text}"\n')
    assert s.schedule.sweep_interval == length
