"""Where the gateway keeps its data, as an operator configures it: every path in the
config file is read from the config file's folder, whatever folder the command runs
in, and a path that cannot be a folder is a configuration error naming the key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway.runtime.cli.main import main
from tests.support.cli import run
from tests.support.config import SECRET_ENV
from tests.support.mails import mail


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # the default data folder, ./var, lands there
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("TICKET_GATEWAY_DATABASE_URL", raising=False)


def test_a_relative_sqlite_url_is_read_from_the_config_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """README's own example (``url = "sqlite:///var/gateway.db"`` beside ``data_dir =
    "var"``): an admin who runs a command from their home folder must see the site's
    tickets, not a new empty database created where they stand."""
    etc = tmp_path / "etc"
    etc.mkdir()
    config = etc / "gateway.toml"
    config.write_text(
        '[gateway]\ndata_dir = "var"\n[database]\nurl = "sqlite:///var/gateway.db"\n',
        encoding="utf-8",
    )
    (tmp_path / "a.eml").write_bytes(mail(subject="printer jam"))
    for where in ("mta", "home"):
        (tmp_path / where).mkdir()
    monkeypatch.chdir(tmp_path / "mta")
    assert run(config, "ingest", str(tmp_path / "a.eml"), capsys=capsys).code == 0
    monkeypatch.chdir(tmp_path / "home")
    listed = run(config, "tickets", "list", "--json", capsys=capsys)
    assert [t["subject"] for t in json.loads(listed.out)] == ["printer jam"]
    assert (etc / "var" / "gateway.db").is_file()
    assert not (tmp_path / "mta" / "var").exists() and not (tmp_path / "home" / "var").exists()


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ('[gateway]\ndata_dir = "taken"\n', "gateway.data_dir"),
        ('[gateway]\ndata_dir = "taken/state"\n', "gateway.data_dir"),
        # the database's folder a file: "cannot create the database", 73, as for a
        # folder this user may not write (test_cli_cannot_create)
    ],
)
def test_a_folder_that_is_a_file_is_a_configuration_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], section: str, key: str
) -> None:
    """A typo that names a file where a folder must be: exit 78 with the file and the
    key, as for every other bad value, not a Python traceback."""
    (tmp_path / "taken").write_text("an ordinary file\n")
    config = tmp_path / "gateway.toml"
    config.write_text(section, encoding="utf-8")
    assert main(["--config", str(config), "status"]) == 78
    err = capsys.readouterr().err
    assert f"{config}: [{key}]" in err and "taken" in err
    assert "Traceback" not in err
    assert (tmp_path / "taken").read_text() == "an ordinary file\n"


def test_a_config_that_cannot_be_read_is_a_configuration_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--config`` naming a folder (or a file only the daemon's user may read, which
    root cannot be made to see here): exit 78 naming the file, not a traceback."""
    assert main(["--config", str(tmp_path), "status"]) == 78
    err = capsys.readouterr().err
    assert f"{tmp_path}: [-] cannot read:" in err and "Traceback" not in err
