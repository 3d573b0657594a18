"""``[schedule]``: defaults, durations, and errors that name the key and the file."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from gateway.config.load import load_settings
from gateway.config.settings import ScheduleSettings
from gateway.config.units import parse_weekly
from gateway.core.errors import ConfigError
from tests.support.config import load_toml


def _load(tmp_path: Path, toml: str) -> ScheduleSettings:
    return load_toml(tmp_path, toml).schedule


def test_defaults(tmp_path: Path) -> None:
    s = _load(tmp_path, "")
    assert s == ScheduleSettings()
    assert (s.digest, s.pending_reminder_after, s.pending_close_after) == (
        "mon 09:00",
        timedelta(days=3),
        timedelta(days=7),
    )
    assert (s.inventory, s.inventory_after, s.sweep_interval, s.due_soon) == (
        False,
        timedelta(days=30),
        timedelta(minutes=5),
        timedelta(days=1),
    )
    assert s.due_soon_percent == 25


def test_every_key(tmp_path: Path) -> None:
    s = _load(
        tmp_path,
        '[schedule]\ndigest = "fri 17:30"\npending_reminder_after = "2d"\n'
        'pending_close_after = "5d"\ninventory = true\ninventory_after = "60d"\n'
        'sweep_interval = "1m"\ndue_soon = "4h"\ndue_soon_percent = 50\n',
    )
    assert s == ScheduleSettings(
        "fri 17:30",
        timedelta(days=2),
        timedelta(days=5),
        True,
        timedelta(days=60),
        timedelta(minutes=1),
        timedelta(hours=4),
        50,
    )


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("mon 09:00", (0, 9, 0)),
        ("Sun 23:59", (6, 23, 59)),
        ("friday 7:05", (4, 7, 5)),
        ("Tues 10:00", (1, 10, 0)),
        ("thurs 10:00", (3, 10, 0)),
        ("off", None),
    ],
)
def test_weekly_times(text: str, parsed: tuple[int, int, int] | None) -> None:
    assert parse_weekly(text) == parsed


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ('digest = "monday"', "schedule.digest"),
        ('digest = "xyz 09:00"', "schedule.digest"),
        ('digest = "mon 24:00"', "schedule.digest"),
        ('digest = "monkey 09:00"', "schedule.digest"),  # a word that starts like a day
        ('digest = "sunshine 09:00"', "schedule.digest"),
        ('pending_reminder_after = "soon"', "schedule.pending_reminder_after"),
        ('pending_reminder_after = "0s"', "schedule.pending_reminder_after"),
        (
            'pending_reminder_after = "7d"\npending_close_after = "3d"',
            "schedule.pending_close_after",
        ),
        ('inventory = "yes"', "schedule.inventory"),
        ('inventory_after = "30 days"', "schedule.inventory_after"),
        ('sweep_interval = "0m"', "schedule.sweep_interval"),
        ('due_soon = "x"', "schedule.due_soon"),
        ("due_soon_percent = 0", "schedule.due_soon_percent"),
        ("due_soon_percent = 101", "schedule.due_soon_percent"),
        ('due_soon_percent = "25%"', "schedule.due_soon_percent"),
        ('digets = "mon 09:00"', "schedule.digets"),
    ],
)
def test_bad_schedule_names_key_and_file(tmp_path: Path, toml: str, key: str) -> None:
    cfg = tmp_path / "gateway.toml"
    cfg.write_text(f"[schedule]\n{toml}\n")
    with pytest.raises(ConfigError) as err:
        load_settings(cfg)
    assert err.value.key == key
    assert str(cfg) in str(err.value)
