"""An environment variable that is set but empty (``TICKET_GATEWAY_SECRET=`` in the
environment file, the value never pasted) was taken as not set: the daemon made a key
of its own in its data folder, or ran on a new SQLite database instead of the
PostgreSQL one meant, and said nothing. It is refused, naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.config.load import load_settings
from gateway.core.errors import ConfigError
from gateway.core.i18n import translate
from tests.support.config import LOCAL, SECRET_ENV


@pytest.fixture(autouse=True)
def _here(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("TICKET_GATEWAY_DATABASE_URL", raising=False)


@pytest.mark.parametrize("value", ["", " ", "\t\n"])
def test_an_empty_database_url_in_the_environment_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("TICKET_GATEWAY_DATABASE_URL", value)
    config = tmp_path / "gateway.toml"
    config.write_text(LOCAL)
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    assert caught.value.path == "environment"
    assert caught.value.key == "TICKET_GATEWAY_DATABASE_URL"
    assert "empty" in translate(caught.value.message, "en")
    assert "空" in translate(caught.value.message, "ja")


@pytest.mark.parametrize("value", ["", " "])
def test_an_empty_secret_in_the_environment_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("TICKET_GATEWAY_SECRET", value)
    config = tmp_path / "gateway.toml"
    config.write_text(LOCAL)
    settings = load_settings(config)  # the key is needed only by what signs tokens
    problem = settings.gateway.secret_problem
    assert problem is not None
    assert (problem.path, problem.key) == ("environment", "TICKET_GATEWAY_SECRET")
    assert "empty" in translate(problem.message, "en")
    assert not (tmp_path / "var" / "secret").exists()  # no key made of its own


def test_an_unset_secret_still_means_a_generated_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TICKET_GATEWAY_SECRET")
    config = tmp_path / "gateway.toml"
    config.write_text(LOCAL)
    assert load_settings(config).gateway.secret_problem is None


@pytest.mark.parametrize("value", ["", " "])
def test_an_empty_config_variable_is_refused_not_read_as_no_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    """``TICKET_GATEWAY_CONFIG=`` (an environment file or a cron line with the path never
    written) counted as not set: with no ``gateway.toml`` in the folder the command ran on
    the built-in defaults, and ``ingest`` (the MTA's pipe too) stored the mail in a new
    SQLite database under ``./var``, where nobody looks, and exited 0."""
    import subprocess

    from gateway.runtime.cli import main as cli
    from tests.support.daemon import clean_env, console_script
    from tests.support.mails import mail

    monkeypatch.setenv("TICKET_GATEWAY_CONFIG", value)
    message = tmp_path / "first.eml"
    message.write_bytes(mail("Printer on floor 3 jams"))
    assert cli.main(["ingest", str(message)]) == 78
    err = capsys.readouterr().err
    assert "TICKET_GATEWAY_CONFIG" in err and "empty" in err, err
    assert not (tmp_path / "var").exists()
    piped = subprocess.run(  # the MTA's pipe: its fast path first
        [console_script(), "ingest", "-"],
        input=message.read_bytes(),
        capture_output=True,
        env=clean_env(TICKET_GATEWAY_CONFIG=value, **SECRET_ENV),
        cwd=tmp_path,
        check=False,
    )
    assert piped.returncode == 75, piped  # the MTA keeps the mail
    assert b"TICKET_GATEWAY_CONFIG" in piped.stderr, piped
    assert not (tmp_path / "var").exists()


def test_a_relative_sqlite_file_in_the_database_variable_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``TICKET_GATEWAY_DATABASE_URL=sqlite:///gateway.db`` was read from the folder each
    command ran in (the config's own ``url`` is read from the config's folder): the
    daemon in its WorkingDirectory, the MTA's pipe in Postfix's queue folder and a
    shell's command each had a database of their own, and ``ingest`` made a new one
    where it stood. It is refused, naming the variable; an absolute one works."""
    import subprocess

    from gateway.runtime.cli import main as cli
    from tests.support.daemon import clean_env, console_script
    from tests.support.mails import mail

    site = tmp_path / "site"
    site.mkdir()
    config = site / "gateway.toml"
    config.write_text(LOCAL)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("TICKET_GATEWAY_DATABASE_URL", "sqlite:///gateway.db")
    message = tmp_path / "first.eml"
    message.write_bytes(mail("Printer on floor 3 jams"))
    assert cli.main(["--config", str(config), "ingest", str(message)]) == 78
    err = capsys.readouterr().err
    assert "TICKET_GATEWAY_DATABASE_URL" in err and "absolute" in err, err
    piped = subprocess.run(  # the MTA's pipe: its fast path first
        [console_script(), "--config", str(config), "ingest", "-"],
        input=message.read_bytes(),
        capture_output=True,
        env=clean_env(TICKET_GATEWAY_DATABASE_URL="sqlite:///gateway.db", **SECRET_ENV),
        cwd=elsewhere,
        check=False,
    )
    assert piped.returncode == 75, piped  # the MTA keeps the mail
    assert not list(elsewhere.iterdir()) and not (site / "gateway.db").exists()
    monkeypatch.setenv("TICKET_GATEWAY_DATABASE_URL", f"sqlite:///{site / 'gateway.db'}")
    assert cli.main(["--config", str(config), "ingest", str(message)]) == 0
