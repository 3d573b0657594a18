"""``run``, ``ingest`` and ``db upgrade`` read their config once, and ask the refusals
(:mod:`gateway.runtime.refusals`) only when they have something to make.

The refusals came with a second read of the config: the file was built without making
anything, the refusals asked (the catalog loaded, the database opened to read its
schema), then the file read and built again to make the data folder, the database's
folder and the key. Every ``ingest`` paid for it, with nothing to make (each piped mail
on PostgreSQL, which has no light path); and a config saved between the two reads had
the refusals asked of one file and the folders and key made for another, the second
file's mistake said only after them. The drainer read its config twice so too."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.pool import Pool

from gateway.catalog import load as catalog_load
from gateway.config import locate
from gateway.config.load import load_settings
from gateway.receive.bulk import ingest
from gateway.runtime import drain, refusals
from gateway.runtime.cli.common import opened
from gateway.runtime.cli.main import main
from tests.support.databases import sqlite_only
from tests.support.mails import mail

MISTAKE = '[smtp]\nport = "abc"\n'


@pytest.fixture
def folder(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A config in ``tmp_path`` (the working folder) whose key the gateway makes."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TICKET_GATEWAY_SECRET", raising=False)
    monkeypatch.delenv("TICKET_GATEWAY_DATABASE_URL", raising=False)
    _config(tmp_path, _url(db_url, tmp_path))
    yield tmp_path


def _url(db_url: str, folder: Path) -> str:
    return f"sqlite:///{folder}/db/gateway.db" if db_url.startswith("sqlite") else db_url


def _config(folder: Path, url: str, data_dir: str = "var", extra: str = "") -> None:
    text = f'[gateway]\ndata_dir = "{data_dir}"\n[database]\nurl = "{url}"\n' + extra
    (folder / "gateway.toml").write_text(text, encoding="utf-8")


class Work:
    """How often the config is read, a catalog loaded and a database connection made."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.reads = self.catalogs = self.connections = 0
        read, load = locate.read_config, catalog_load.CatalogHolder.__init__

        def reading(path: Path) -> Any:
            self.reads += 1
            return read(path)

        def loading(holder: Any, *args: Any, **kwargs: Any) -> None:
            self.catalogs += 1
            load(holder, *args, **kwargs)

        monkeypatch.setattr(locate, "read_config", reading)
        monkeypatch.setattr(catalog_load.CatalogHolder, "__init__", loading)
        event.listen(Pool, "connect", self._connected)

    def _connected(self, *_: Any) -> None:
        self.connections += 1

    def stop(self) -> None:
        event.remove(Pool, "connect", self._connected)


def test_ingest_with_nothing_to_make_reads_and_opens_what_its_work_needs(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("first", "second", "third"):
        (folder / f"{name}.eml").write_bytes(mail(subject=name))
    assert main(["--config", "gateway.toml", "ingest", "first.eml"]) == 0  # makes all
    settings = load_settings(folder / "gateway.toml", make=False)
    work = Work(monkeypatch)
    try:
        with opened(settings, checkpoint_apart=True, create=True) as app:
            ingest(app.runner, ["second.eml"], lambda said: None)
        needed = work.connections  # the application's own, storing and filing a mail
        work.reads = work.catalogs = work.connections = 0
        assert main(["--config", "gateway.toml", "ingest", "third.eml"]) == 0
    finally:
        work.stop()
    assert (work.reads, work.catalogs) == (1, 1)
    assert work.connections == needed


def test_a_config_saved_as_a_command_starts_is_refused_and_made_as_one_file(
    folder: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first start: the refusals are asked of the file as read; saved meanwhile with
    another data folder and a mistake, the command goes on with what it asked about."""
    asked = refusals.refuse_before_making

    def saved_meanwhile(settings: Any, *, whole: bool) -> None:
        asked(settings, whole=whole)
        _config(folder, _url(db_url, folder), data_dir="other", extra=MISTAKE)

    monkeypatch.setattr(refusals, "refuse_before_making", saved_meanwhile)
    (folder / "in.eml").write_bytes(mail())
    assert main(["--config", "gateway.toml", "ingest", "in.eml"]) == 0
    assert (folder / "var" / "secret").is_file()
    assert not (folder / "other").exists()


@sqlite_only
def test_the_drainer_reads_its_config_once(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{folder}/db/gateway.db"
    _config(folder, url)
    read = locate.read_config

    def then_saved(path: Path) -> Any:
        data = read(path)
        _config(folder, url, data_dir="other", extra=MISTAKE)  # saved after this read
        return data

    monkeypatch.setattr(locate, "read_config", then_saved)
    settings = drain._settings(str(folder / "gateway.toml"))
    assert settings.gateway.data_dir == folder / "var"
    assert (folder / "var" / "secret").is_file()
    assert not (folder / "other").exists()
