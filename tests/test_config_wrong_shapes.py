"""Values of the wrong shape, as an operator writes them by mistake: a table where a
string or a number goes, a size written as a bare negative or enormous number, a key
pasted into the environment with spaces around it.

Each was taken without a word or said wrongly: ``locale = {a = 1}`` was "must be a
string, not 1" (a table's values were read as a text per language), ``max_message_size
= -5`` started a listener that refused every mail, and a key with a space before it
keyed the reply addresses of a shell's commands otherwise than the daemon's."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.core.i18n import translate
from tests.support.config import KEY, LOCAL, config_error, load_toml

GATEWAY = LOCAL + 'address = "support@example.test"\n'


@pytest.mark.parametrize(
    ("config", "key"),
    [
        (GATEWAY + "locale = {a = 1}\n", "gateway.locale"),  # a table where a string goes
        (GATEWAY + "[smtp]\nport = {number = 25}\n", "smtp.port"),  # where a number goes
        (GATEWAY + '[schedule]\ndigest = {day = "mon"}\n', "schedule.digest"),
        # a name per language, keyed as our catalogs are: was "not 'x'", the Japanese one
        (
            GATEWAY + '[[members]]\nemail = "a@b.test"\nname = {ja = "x", en = "y"}\n',
            "members[0].name",
        ),
        (GATEWAY + "[web]\nenabled = {ja = true}\n", "web.enabled"),
    ],
)
def test_a_table_where_a_value_goes_is_shown_as_the_table(
    tmp_path: Path, config: str, key: str
) -> None:
    err = config_error(tmp_path, config)
    assert err.key == key
    for locale in ("en", "ja"):
        said = translate(err.message, locale)
        assert "{" in said and "}" in said, said  # the table as written, not one of its values


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("smtp.max_message_size", "-5"),  # refused every mail
        ("smtp.max_message_size", "99999999999999999999"),  # past any count of bytes
        ("limits.isolate_above", "-1"),
        ("web.max_upload_size", "-1"),
    ],
)
def test_a_size_written_as_a_bare_number_is_checked_as_a_written_one(
    tmp_path: Path, key: str, value: str
) -> None:
    section, name = key.split(".")
    err = config_error(tmp_path, GATEWAY + f"[{section}]\n{name} = {value}\n")
    assert err.key == key
    assert value in translate(err.message, "ja")


def test_a_bare_number_within_bounds_is_still_a_size_in_bytes(tmp_path: Path) -> None:
    settings = load_toml(tmp_path, GATEWAY + "[smtp]\nmax_message_size = 1000000\n")
    assert settings.smtp.max_message_size == 1_000_000


@pytest.mark.parametrize("written", [f" {KEY}", f"{KEY} ", f"\t{KEY}\n"])
def test_a_key_in_the_environment_is_the_same_key_whatever_space_surrounds_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, written: str
) -> None:
    """A file's key is read without the space around it; so is the environment's, or a
    command run from a shell (``export TICKET_GATEWAY_SECRET=" …"``) signs reply
    addresses that the daemon (systemd strips the value) does not know."""
    monkeypatch.setenv("TICKET_GATEWAY_SECRET", written)
    assert load_toml(tmp_path, GATEWAY).gateway.reply_key() == KEY.encode()


@pytest.mark.parametrize("written", ["sqlite:///{db}\n", " sqlite:///{db}", "sqlite:///{db}\r\n"])
def test_the_database_url_in_the_environment_is_read_without_the_space_around_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, written: str
) -> None:
    """A value with its line end (a secret store's file put into the environment whole)
    made a new, empty database named ``gw.db\\n`` beside the real one, for that command
    only; the MTA's pipe, which finds the database by the same rule, stored there too."""
    from gateway.config.locate import database_url

    db = tmp_path / "gw.db"
    monkeypatch.setenv("TICKET_GATEWAY_DATABASE_URL", written.format(db=db))
    monkeypatch.setenv("TICKET_GATEWAY_SECRET", KEY)
    assert load_toml(tmp_path, GATEWAY).database.url == f"sqlite:///{db}"
    assert database_url({}, tmp_path / "var", tmp_path) == f"sqlite:///{db}"  # the pipe's


@pytest.mark.parametrize("written", ["{path}\n", " {path} ", "{path}\r\n"])
def test_the_config_named_in_the_environment_is_found_without_the_space_around_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, written: str
) -> None:
    """``$TICKET_GATEWAY_CONFIG`` with its line end was "file not found" for a file that
    is there, said over two lines; the other variables are read so too."""
    from gateway.config.locate import locate_config

    config = tmp_path / "gateway.toml"
    environ = {"TICKET_GATEWAY_CONFIG": written.format(path=config)}
    assert locate_config(None, environ) == config


@pytest.mark.parametrize(
    "config",
    [
        GATEWAY + '"adr\\ness" = 1\n',  # a key with a line break (TOML allows it quoted)
        GATEWAY + '["smtp\\nx"]\nport = 1\n',
        '[gateway]\ndata_dir = "/proc/no\\nsuch"\n',  # a path with one, in the problem
    ],
)
def test_a_config_error_is_one_line_whatever_the_file_holds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], config: str
) -> None:
    """A line break in a key or a path was printed as it is: the error took two lines,
    the second a fragment a log reader or a script (``head -1``) took for another."""
    from gateway.runtime.cli.main import main

    (tmp_path / "gateway.toml").write_text(config, encoding="utf-8")
    # db upgrade makes the data folder: a read command makes none, and finds no database
    assert main(["--config", str(tmp_path / "gateway.toml"), "db", "upgrade"]) == 78
    err = capsys.readouterr().err
    assert len(err.strip("\n").splitlines()) == 1 and "\\u000a" in err, err
