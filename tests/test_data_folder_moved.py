"""A data folder moved (copied elsewhere, the old one removed) with ``data_dir`` changed
and ``[database] url`` still naming the old path: the next ``run`` or ``ingest`` made a
new, empty database at the old path, without a word, and every ticket seemed gone (the
reply-token key, moved with the folder, still read fine). A database to be made while
the data folder holds one of the same name is refused, naming the key and both files
(exit 78; the MTA's pipe 75, keeping the mail)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gateway.config.locate import ENV_CONFIG, ENV_DATABASE_URL
from gateway.runtime.cli.common import EX_CONFIG, EX_OK
from gateway.runtime.cli.main import main
from tests.support.config import SECRET_ENV
from tests.support.mails import mail


def _config(folder: Path, data_dir: Path, db: Path) -> Path:
    path = folder / "gateway.toml"
    path.write_text(
        f'[gateway]\naddress = "support@example.test"\ndata_dir = "{data_dir}"\n'
        f'[database]\nurl = "sqlite:///{db}"\n'
    )
    return path


@pytest.fixture
def moved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, Path]:
    """(config, old data folder, new data folder): one mail stored at the old place,
    the folder copied to the new one and the old removed; the config's data_dir moved,
    its url not."""
    monkeypatch.delenv(ENV_CONFIG, raising=False)
    monkeypatch.delenv(ENV_DATABASE_URL, raising=False)
    for name, value in SECRET_ENV.items():
        monkeypatch.setenv(name, value)
    old, new = tmp_path / "var-lib-tg", tmp_path / "srv-tg"
    (tmp_path / "a.eml").write_bytes(mail())
    config = _config(tmp_path, old, old / "gateway.db")
    assert main(["--config", str(config), "ingest", str(tmp_path / "a.eml")]) == EX_OK
    shutil.copytree(old, new)
    shutil.rmtree(old)
    return _config(tmp_path, new, old / "gateway.db"), old, new


@pytest.mark.parametrize("command", [["ingest", "a.eml"], ["db", "upgrade"]])
def test_a_new_database_beside_a_moved_one_is_refused(
    moved: tuple[Path, Path, Path], command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    config, old, new = moved
    capsys.readouterr()
    args = [str(config.parent / c) if c.endswith(".eml") else c for c in command]
    code = main(["--config", str(config), *args])
    err = capsys.readouterr().err
    assert code == EX_CONFIG, err
    assert "[database.url]" in err and str(config) in err, err
    assert str(old / "gateway.db") in err and str(new / "gateway.db") in err, err
    assert not (old / "gateway.db").exists()  # nothing made at the old path


def test_the_mta_pipe_keeps_the_mail(
    moved: tuple[Path, Path, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import io
    import sys

    config, old, _ = moved
    stdin = io.TextIOWrapper(io.BytesIO(mail(message_id="<piped@x.test>")))
    monkeypatch.setattr(sys, "stdin", stdin)
    assert main(["--config", str(config), "ingest", "-"]) == 75
    assert not (old / "gateway.db").exists()


def test_pointing_the_url_at_the_moved_database_finds_its_tickets(
    moved: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    config, _, new = moved
    config = _config(config.parent, new, new / "gateway.db")
    capsys.readouterr()
    assert main(["--config", str(config), "tickets", "list", "--json"]) == EX_OK
    assert '"id": 1' in capsys.readouterr().out
