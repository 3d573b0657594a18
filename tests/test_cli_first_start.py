"""The very first start, seen from a monitoring check run during the deploy: ``run``
holds its lock and is making the database, which is not there yet.

``status`` said "no gateway database … nothing was created" (exit 66), the line for a
command run in the wrong folder: the on-call person looked for a wrong config while
the daemon was about to make it. While a daemon holds ``daemon.lock`` in the data
folder, the missing database is a temporary state: "try again later" (exit 75, as for
a database that is down), saying the daemon is making it."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.config.locate import ENV_CONFIG, ENV_DATABASE_URL
from gateway.receive import pipe
from gateway.runtime.cli.common import EX_NOINPUT, EX_TEMPFAIL
from gateway.runtime.cli.main import main
from tests.support.config import SECRET_ENV, write_config


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv(ENV_CONFIG, raising=False)
    monkeypatch.delenv(ENV_DATABASE_URL, raising=False)
    for name, value in SECRET_ENV.items():
        monkeypatch.setenv(name, value)
    folder = tmp_path / "site"
    folder.mkdir()
    return write_config(folder)


@pytest.mark.parametrize("args", [("status",), ("status", "--json"), ("tickets", "list")])
def test_while_the_daemon_makes_the_database_a_check_is_told_to_try_again(
    site: Path, args: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    lock = pipe.hold_daemon_lock(site.parent / "var")  # `run`, before its database exists
    try:
        code = main(["--config", str(site), *args])
    finally:
        lock.close()
    err = capsys.readouterr().err
    assert code == EX_TEMPFAIL, err
    assert "try again later" in err and "starting" in err, err
    assert str(site.parent / "gateway.db") in err, err
    assert "nothing was created" not in err and not (site.parent / "gateway.db").exists()


def test_with_no_daemon_it_is_no_database_as_before(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (site.parent / "var").mkdir()
    pipe.hold_daemon_lock(site.parent / "var").close()  # a daemon that ran and stopped
    assert main(["--config", str(site), "status"]) == EX_NOINPUT
    assert "no gateway database" in capsys.readouterr().err
