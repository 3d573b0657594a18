"""A daemon told to reload (SIGHUP) while ``[catalog] path`` names nothing it can read
(the file removed or renamed by a deploy, a folder in its place): the reload is refused
and the catalog in use kept, as before, but the log said ``catalog.yaml:0: cannot
read: …``, a line 0 of a file that was never read, naming neither the config nor the
key to fix. It is said as the start says it (tests/test_catalog_not_a_file.py): the
config, ``[catalog.path]``, the file and why, in one line. A catalog that is read and
has problems is still said line by line. The daemon's own SIGHUP handler, a real
signal, real files."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.config.load import load_settings
from gateway.runtime.app import App, build
from gateway.runtime.daemon import _reload_on_hangup
from tests.support.app import PLAIN_CATALOG
from tests.support.config import SECRET_ENV, write_config


@pytest.fixture
def daemon(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[App, Path, Path]]:
    """The application a daemon runs, its catalog ``tmp_path/catalog.yaml``; its
    SIGHUP handler installed for the test."""
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    catalog = tmp_path / "catalog.yaml"
    catalog.write_bytes(PLAIN_CATALOG.read_bytes())
    config = write_config(tmp_path, extra=f'[catalog]\npath = "{catalog.name}"\n')
    app = build(load_settings(config))
    try:
        with _reload_on_hangup(app):
            yield app, config, catalog
    finally:
        app.close()


def _hang_up(caplog: pytest.LogCaptureFixture) -> list[str]:
    """SIGHUP to this process, as ``systemctl reload`` sends it; the catalog's log lines."""
    caplog.clear()
    with caplog.at_level("INFO", logger="gateway.catalog"):
        os.kill(os.getpid(), signal.SIGHUP)
    return [r.getMessage() for r in caplog.records if r.name == "gateway.catalog"]


@pytest.mark.parametrize("kind", ["missing", "folder"])
def test_an_unreadable_catalog_is_named_by_its_key_not_line_0(
    daemon: tuple[App, Path, Path], caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    app, config, catalog = daemon
    entries = app.catalog.current.entries
    catalog.rename(catalog.with_name("moved.yaml"))
    if kind == "folder":
        catalog.mkdir()
    said = _hang_up(caplog)
    assert app.catalog.current.entries == entries  # the catalog in use kept
    [line] = said
    assert "catalog reload refused" in line, said
    assert f"{config}: [catalog.path]" in line and f"cannot read {catalog}: " in line, line
    why = "no such file" if kind == "missing" else "folder"
    assert why in line, line
    assert f"{catalog}:0:" not in line, line
    assert "keeping the catalog in use (1 entry)" in line, line


def test_a_catalog_with_problems_is_still_said_by_line(
    daemon: tuple[App, Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    _app, _config, catalog = daemon
    catalog.write_text("entries:\n  - id: [\n", encoding="utf-8")
    said = _hang_up(caplog)
    assert "catalog reload refused" in said[0], said
    assert any(line.strip().startswith(f"{catalog}:3: not valid YAML") for line in said[1:]), said
