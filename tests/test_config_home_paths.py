"""``~`` and ``~user`` in a configured path are the home folder, as a shell reads them:
an operator who writes ``data_dir = "~/ticket-gateway"`` must not get a folder named
``~`` beside the config file. ``$HOME`` and other variables are not expanded."""

from __future__ import annotations

import getpass
import json
import os
from pathlib import Path

import pytest

from gateway.config.load import load_settings
from gateway.runtime.cli.main import main
from tests.support.cli import run
from tests.support.config import KEY, SECRET_ENV
from tests.support.mails import mail


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home folder of its own (``~`` is ``$HOME``), and the command run elsewhere."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    for key, value in SECRET_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("TICKET_GATEWAY_DATABASE_URL", raising=False)
    return home


def _config(tmp_path: Path, text: str) -> Path:
    etc = tmp_path / "etc"
    etc.mkdir(exist_ok=True)
    config = etc / "gateway.toml"
    config.write_text(text, encoding="utf-8")
    return config


def test_the_data_folder_and_the_database_under_the_home_folder(
    tmp_path: Path, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A mail ingested lands in the database in the home folder, read back from there."""
    config = _config(
        tmp_path, '[gateway]\ndata_dir = "~/gw-var"\n[database]\nurl = "sqlite:///~/gw-db/gw.db"\n'
    )
    (tmp_path / "a.eml").write_bytes(mail(subject="printer jam"))
    assert run(config, "ingest", str(tmp_path / "a.eml"), capsys=capsys).code == 0
    assert (home / "gw-db" / "gw.db").is_file()
    assert (home / "gw-var").is_dir()
    listed = run(config, "tickets", "list", "--json", capsys=capsys)
    assert [t["subject"] for t in json.loads(listed.out)] == ["printer jam"]
    assert not any(p.name == "~" for p in tmp_path.rglob("~"))


def test_the_secret_file_and_the_catalog_under_the_home_folder(tmp_path: Path, home: Path) -> None:
    (home / "secret.key").write_text(KEY)
    (home / "secret.key").chmod(0o600)
    (home / "catalog.yaml").write_text(
        "entries:\n  - id: other\n    name: Other\n    fallback: true\n"
        "    manager: m@example.test\n",
        encoding="utf-8",
    )
    (home / "mail-templates").mkdir()
    (home / "holidays.txt").write_text("2026-12-31\n", encoding="utf-8")
    config = _config(
        tmp_path,
        '[gateway]\ndata_dir = "var"\nsecret_file = "~/secret.key"\n'
        'templates_dir = "~/mail-templates"\n'
        '[catalog]\npath = "~/catalog.yaml"\n'
        '[business_hours]\nmon = "09:00-18:00"\nholidays_file = "~/holidays.txt"\n',
    )
    os.environ.pop("TICKET_GATEWAY_SECRET")
    s = load_settings(config)
    assert s.gateway.secret_file == home / "secret.key"
    assert s.gateway.secret == KEY.encode()
    assert s.catalog.path == home / "catalog.yaml"
    assert s.gateway.templates_dir == home / "mail-templates"
    assert s.business_hours is not None and len(s.business_hours.holidays) == 1


def test_tilde_user_is_that_users_home(tmp_path: Path, home: Path) -> None:
    user = getpass.getuser()
    config = _config(tmp_path, f'[gateway]\ndata_dir = "var"\n[catalog]\npath = "~{user}/c.yaml"\n')
    expected = Path(os.path.expanduser(f"~{user}")) / "c.yaml"
    assert expected.is_absolute()
    assert load_settings(config).catalog.path == expected


def test_a_missing_file_under_home_is_named_as_expanded(
    tmp_path: Path, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The error names the file that was looked for, so the operator sees which home."""
    config = _config(tmp_path, '[gateway]\ndata_dir = "var"\ntemplates_dir = "~/nowhere"\n')
    assert main(["--config", str(config), "status"]) == 78
    err = capsys.readouterr().err
    assert "[gateway.templates_dir]" in err and str(home / "nowhere") in err


@pytest.mark.parametrize(
    ("table", "key", "value", "word"),
    [
        ("gateway", "data_dir", "$HOME/var", "$HOME"),
        ("gateway", "data_dir", "{tmp}/${SITE}/var", "${SITE}"),
        ("gateway", "secret_file", "$STATE_DIRECTORY/secret", "$STATE_DIRECTORY"),
        ("database", "url", "sqlite:///$HOME/gw.db", "$HOME"),
        ("database", "url", "sqlite:///{tmp}/$SITE/gw.db", "$SITE"),
    ],
)
def test_an_environment_variable_in_a_path_is_refused_naming_the_key(
    tmp_path: Path,
    home: Path,
    table: str,
    key: str,
    value: str,
    word: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Variables are not expanded (a file that meant something else with each
    environment would give the daemon and an admin's shell different data), and
    ``$HOME/var`` was a folder named ``$HOME`` beside the config file holding a new,
    empty database, every mail stored where nobody looks: refused as ``~nosuchuser``
    is, exit 78, naming the key and the word, and nothing is made."""
    value = value.replace("{tmp}", str(tmp_path))  # an absolute path, in this test's folder
    config = _config(tmp_path, f'[{table}]\n{key} = "{value}"\n')
    code, _, err = run(config, "status", capsys=capsys)
    assert code == 78
    assert f"[{table}.{key}]" in err and repr(word) in err and "'~'" in err, err
    assert not list(tmp_path.rglob("$*")) and not list(tmp_path.rglob("${*"))


def test_a_dollar_that_names_no_variable_is_a_name_like_any_other(
    tmp_path: Path, home: Path
) -> None:
    """``$`` alone, or before a digit or a dot, is no shell variable: a folder so named."""
    config = _config(tmp_path, '[gateway]\ndata_dir = "costs$/2$.d"\n')
    assert load_settings(config).gateway.data_dir == tmp_path / "etc" / "costs$" / "2$.d"


def test_the_pipes_fast_path_leaves_a_variable_to_the_full_reader(tmp_path: Path) -> None:
    from gateway.receive.pipe import pipe_target

    config = _config(tmp_path, '[gateway]\ndata_dir = "$HOME/var"\n')
    assert pipe_target(["--config", str(config), "ingest", "-"], {}) is None


NO_SUCH_USER = "nosuchuser-tg11"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (f'[gateway]\ndata_dir = "~{NO_SUCH_USER}/var"\n', "gateway.data_dir"),
        (
            f'[gateway]\ndata_dir = "var"\nsecret_file = "~{NO_SUCH_USER}/s"\n',
            "gateway.secret_file",
        ),
        (
            f'[gateway]\ndata_dir = "var"\n[catalog]\npath = "~{NO_SUCH_USER}/c.yaml"\n',
            "catalog.path",
        ),
        (
            f'[gateway]\ndata_dir = "var"\n[database]\nurl = "sqlite:///~{NO_SUCH_USER}/gw.db"\n',
            "database.url",
        ),
    ],
)
def test_tilde_and_a_user_this_machine_lacks_is_refused_naming_the_key(
    tmp_path: Path, home: Path, capsys: pytest.CaptureFixture[str], text: str, key: str
) -> None:
    """A shell leaves ``~nosuchuser`` as it is, and so did we: the data folder (or the
    database) became a folder named ``~nosuchuser`` beside the config file, made and
    used without a word, a typo of the service user's name hiding every mail there."""
    config = _config(tmp_path, text)
    for lang in ("C.UTF-8", "ja_JP.UTF-8"):
        os.environ["LC_ALL"] = lang
        try:
            assert main(["--config", str(config), "status"]) == 78
        finally:
            del os.environ["LC_ALL"]
        err = capsys.readouterr().err
        assert f"[{key}]" in err and f"~{NO_SUCH_USER}" in err and str(config) in err, err
        assert len(err.strip().splitlines()) == 1, err
    assert not list(tmp_path.rglob(f"~{NO_SUCH_USER}"))


def test_tilde_with_home_set_empty_is_the_users_home_not_the_root(
    tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``HOME=`` (a line of an environment file without its value) made ``~/var`` the
    folder ``/var`` at the root of the disk; the user's home is in the password file."""
    import pwd

    monkeypatch.setenv("HOME", "")
    config = _config(tmp_path, '[gateway]\ndata_dir = "~/gw-var-tg11"\n')
    expected = Path(pwd.getpwuid(os.getuid()).pw_dir) / "gw-var-tg11"
    try:
        assert load_settings(config).gateway.data_dir == expected
    finally:
        if expected.is_dir():
            expected.rmdir()
    assert not Path("/gw-var-tg11").exists()


def test_the_pipes_fast_path_leaves_such_a_config_to_the_full_reader(tmp_path: Path) -> None:
    """The MTA's pipe reads where to store before the settings reader: it must not end
    in a traceback there, but hand the config on to be refused, naming the key."""
    from gateway.receive.pipe import pipe_target

    config = _config(tmp_path, f'[gateway]\ndata_dir = "~{NO_SUCH_USER}/var"\n')
    assert pipe_target(["--config", str(config), "ingest", "-"], {}) is None
