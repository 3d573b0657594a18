"""Secrets never appear in a settings repr: a traceback's locals, a debug line that
prints the settings or a test's failure message would hand them to whoever reads it."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import pytest

from gateway.config.load import load_settings
from gateway.config.settings import DatabaseSettings, Settings
from gateway.runtime.logs import TextFormatter

KEY = "3f9a0c7e51b2d84a6e0f1c9b7d2a5e38"
PASSWORD = "Hunter2-in-the-url"


def _with_secrets() -> Settings:
    s = Settings()
    return replace(
        s,
        gateway=replace(s.gateway, secret=KEY.encode()),
        database=DatabaseSettings(f"postgresql+psycopg://gw:{PASSWORD}@db.example/gw"),
    )


def test_repr_of_settings_hides_the_reply_key_and_the_database_password() -> None:
    text = repr(_with_secrets())
    assert KEY not in text and PASSWORD not in text
    assert "db.example/gw" in text  # the rest of the URL still says which database


def test_settings_read_from_a_file_hide_their_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "secret").write_text(KEY + "\n")
    (tmp_path / "secret").chmod(0o600)
    config = tmp_path / "gateway.toml"
    config.write_text('[gateway]\nsecret_file = "secret"\n')
    monkeypatch.setenv("TICKET_GATEWAY_DATABASE_URL", f"postgresql://gw:{PASSWORD}@db/gw")
    s = load_settings(config)
    assert s.gateway.secret == KEY.encode()
    assert KEY not in repr(s) and KEY not in str(s) and PASSWORD not in repr(s)


def test_a_debug_line_that_prints_the_settings_hides_them() -> None:
    record = logging.LogRecord(
        "t", logging.DEBUG, __file__, 1, "settings: %r", (_with_secrets(),), None
    )
    line = TextFormatter().format(record)
    assert KEY not in line and PASSWORD not in line
