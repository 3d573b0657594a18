"""``[[imap]]`` accounts: defaults that are safe, and errors that name the key and the file."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from gateway.config.settings import ImapSettings
from gateway.core.errors import ConfigError
from tests.support.config import load_toml

ACCOUNT = '[[imap]]\nhost = "imap.example.test"\nusername = "support@example.test"\n'


def load(tmp_path: Path, toml: str) -> tuple[ImapSettings, ...]:
    return load_toml(tmp_path, toml).imap


def test_defaults_verify_tls_move_and_idle(tmp_path: Path) -> None:
    (account,) = load(tmp_path, ACCOUNT + 'password_file = "imap.pw"\n')
    assert (account.port, account.tls, account.ca_file) == (993, "implicit", None)
    assert account.password_file == tmp_path / "imap.pw"  # relative to the config file
    assert (account.auth, account.after, account.processed_folder) == (
        "password",
        "move",
        "Processed",
    )
    assert account.idle and account.poll_interval == timedelta(seconds=60)
    assert (account.batch_size, account.processed_flag) == (50, "$Processed")
    assert account.timeout == timedelta(seconds=30)
    assert account.retry_initial < account.retry_max
    assert account.max_stepped_over_age == timedelta(days=1)


def test_starttls_defaults_to_port_143_and_ca_file_is_kept(tmp_path: Path) -> None:
    (tmp_path / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    (account,) = load(
        tmp_path, ACCOUNT + 'tls = "starttls"\nca_file = "ca.pem"\npassword_env = "IMAP_PASSWORD"\n'
    )
    assert (account.port, account.ca_file) == (143, tmp_path / "ca.pem")
    assert (account.password_env, account.password_file) == ("IMAP_PASSWORD", None)


@pytest.mark.parametrize(
    ("line", "argv"),
    [
        (
            "oauth2_token_command = \"oauth-helper --account 'Support Desk' token\"",
            ("oauth-helper", "--account", "Support Desk", "token"),
        ),
        ('oauth2_token_command = ["oauth-helper", "token"]', ("oauth-helper", "token")),
    ],
)
def test_xoauth2_token_command_as_string_or_list(
    tmp_path: Path, line: str, argv: tuple[str, ...]
) -> None:
    (account,) = load(tmp_path, ACCOUNT + f'auth = "xoauth2"\n{line}\n')
    assert account.auth == "xoauth2"
    assert account.oauth2_token_command == argv


def test_flag_mode_with_polling(tmp_path: Path) -> None:
    (account,) = load(
        tmp_path,
        ACCOUNT + 'auth = "xoauth2"\noauth2_token_file = "token"\n'
        'after = "flag"\nprocessed_flag = "Ticketed"\nfolder = "Support"\n'
        'processed_folder = "Support"\nidle = false\npoll_interval = "5m"\n'
        'batch_size = 10\ntimeout = "1m"\nmax_stepped_over_age = "4h"\n',
    )
    assert (account.after, account.processed_flag, account.idle) == ("flag", "Ticketed", False)
    assert account.oauth2_token_file == tmp_path / "token"
    assert account.poll_interval == timedelta(minutes=5)
    assert (account.batch_size, account.timeout) == (10, timedelta(minutes=1))
    assert account.max_stepped_over_age == timedelta(hours=4)


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ("", "imap[0].password_file"),  # a password from somewhere is required
        ('password_file = "pw"\ncafile = "x"\n', "imap[0].cafile"),  # typos are not ignored
        ('password_file = "pw"\nca_file = "missing.pem"\n', "imap[0].ca_file"),
        ('password_file = "pw"\ntls = "none"\n', "imap[0].tls"),  # no plain-text mode
        ('password_file = "pw"\nverify = false\n', "imap[0].verify"),  # nor a way to skip checks
        ('password_env = "1NOT-A-NAME"\n', "imap[0].password_env"),
        ('auth = "xoauth2"\n', "imap[0].oauth2_token_file"),
        (
            'auth = "xoauth2"\noauth2_token_file = "t"\noauth2_token_command = "x"\n',
            "imap[0].oauth2_token_file",
        ),
        ('auth = "xoauth2"\noauth2_token_command = 7\n', "imap[0].oauth2_token_command"),
        (
            'auth = "xoauth2"\noauth2_token_command = "helper \'unclosed"\n',
            "imap[0].oauth2_token_command",
        ),
        ('auth = "kerberos"\npassword_file = "pw"\n', "imap[0].auth"),
        ('password_file = "pw"\nafter = "delete"\n', "imap[0].after"),
        (
            'password_file = "pw"\nafter = "flag"\nprocessed_flag = "\\\\Deleted"\n',
            "imap[0].processed_flag",
        ),
        ('password_file = "pw"\nprocessed_folder = "inbox"\n', "imap[0].processed_folder"),
        ('password_file = "pw"\nidle = "yes"\n', "imap[0].idle"),
        ('password_file = "pw"\npoll_interval = "soon"\n', "imap[0].poll_interval"),
        ('password_file = "pw"\npoll_interval = 0\n', "imap[0].poll_interval"),
        ('password_file = "pw"\ntimeout = "0s"\n', "imap[0].timeout"),
        ('password_file = "pw"\nbatch_size = 0\n', "imap[0].batch_size"),
        ('password_file = "pw"\nretry_max = "later"\n', "imap[0].retry_max"),
        ('password_file = "pw"\nmax_stepped_over_age = "later"\n', "imap[0].max_stepped_over_age"),
        ('password_file = "pw"\nmax_stepped_over_age = 2\n', "imap[0].max_stepped_over_age"),
        ('password_file = "pw"\nmax_stepped_over_age = "0h"\n', "imap[0].max_stepped_over_age"),
    ],
)
def test_bad_imap_config_names_key_and_file(tmp_path: Path, extra: str, key: str) -> None:
    with pytest.raises(ConfigError) as err:
        load(tmp_path, ACCOUNT + extra)
    assert err.value.key == key
    assert str(tmp_path / "gateway.toml") in str(err.value)


def test_username_is_required(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load(tmp_path, '[[imap]]\nhost = "imap.example.test"\npassword_file = "pw"\n')
    assert err.value.key == "imap[0].username"
