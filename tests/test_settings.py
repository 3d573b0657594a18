"""Configuration: defaults that work, and errors that name the key and the file."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from gateway.config.load import load_settings
from gateway.config.units import parse_duration, parse_size
from gateway.core.errors import ConfigError
from tests.support.config import KEY


def test_defaults_work_on_a_fresh_machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    s = load_settings(None)
    assert s.smtp.host == "127.0.0.1" and s.smtp.port == 2525
    assert s.database.url == "sqlite:///var/gateway.db"
    assert s.outbound.mode == "maildir"
    assert len(s.gateway.secret) >= 32
    assert (tmp_path / "var" / "secret").stat().st_mode & 0o077 == 0
    assert load_settings(None).gateway.secret == s.gateway.secret  # stable across starts


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ('[smtp]\nport = "x"\n', "smtp.port"),
        ("[smtp]\nport = 70000\n", "smtp.port"),
        ('[smtp]\nmax_message_size = "25 parsecs"\n', "smtp.max_message_size"),
        ('[gateway]\naddress = "not-an-address"\n', "gateway.address"),
        ('[gateway]\ntimezone = "Mars/Olympus"\n', "gateway.timezone"),
        ('[database]\nurl = "mysql://x"\n', "database.url"),
        ('[outbound]\nmode = "pigeon"\n', "outbound.mode"),
        ('[[members]]\nname = "x"\n', "members[0].email"),
        ('[[members]]\nemail = "a@b.test"\nrole = "king"\n', "members[0].role"),
        ("[[imap]]\nport = 993\n", "imap[0].host"),
        ("[smtp]\nhots = 1\n", "smtp.hots"),
        ("[gateway\n", "-"),
    ],
)
def test_bad_config_names_key_and_file(tmp_path: Path, toml: str, key: str) -> None:
    cfg = tmp_path / "gateway.toml"
    cfg.write_text(toml)
    with pytest.raises(ConfigError) as err:
        load_settings(cfg)
    assert err.value.key == key
    assert str(cfg) in str(err.value)


def test_a_missing_secret_file_is_refused_by_what_needs_the_key(tmp_path: Path) -> None:
    """Loading goes on (``status`` and reading tickets need no key); the key itself is
    refused with the error that names the key, the config file and the secret file."""
    cfg = tmp_path / "gateway.toml"
    cfg.write_text('[gateway]\nsecret_file = "missing.key"\n')
    gateway = load_settings(cfg).gateway
    assert gateway.secret_problem is not None
    with pytest.raises(ConfigError) as err:
        gateway.reply_key()
    assert err.value.key == "gateway.secret_file"
    assert str(cfg) in str(err.value) and str(tmp_path / "missing.key") in str(err.value)


def test_secret_from_file(tmp_path: Path) -> None:
    (tmp_path / "secret.key").write_text(KEY + "\n")
    cfg = tmp_path / "gateway.toml"
    cfg.write_text('[gateway]\nsecret_file = "secret.key"\n')
    assert load_settings(cfg).gateway.secret == KEY.encode()


def test_sizes_and_durations() -> None:
    assert parse_size("25MB") == 25_000_000
    assert parse_size("25MiB") == 25 * 2**20
    assert parse_size(1000) == 1000
    assert parse_duration("14d") == timedelta(days=14)
    assert parse_duration("2h30m") == timedelta(hours=2, minutes=30)
    with pytest.raises(ConfigError):
        parse_duration("2 weeks")


@pytest.mark.parametrize(
    ("toml", "key", "first"),
    [
        (
            '[[members]]\nemail = "tanaka@example.test"\nrole = "ops"\n'
            '[[members]]\nemail = "Tanaka@Example.test"\nrole = "manager"\n',
            "members[1].email",
            "members[0]",
        ),
        (
            '[[imap]]\nhost = "imap.example.test"\nusername = "support"\npassword_env = "P"\n'
            '[[imap]]\nhost = "imap.example.test"\nusername = "support"\npassword_env = "Q"\n',
            "imap[1]",
            "imap[0]",
        ),
        (  # a host name in other capitals, or with its root dot, is the same host
            '[[imap]]\nhost = "imap.example.test"\nusername = "support"\npassword_env = "P"\n'
            '[[imap]]\nhost = "IMAP.Example.test."\nusername = "support"\npassword_env = "Q"\n',
            "imap[1]",
            "imap[0]",
        ),
        (  # INBOX is INBOX in any case (RFC 3501 5.1)
            '[[imap]]\nhost = "imap.example.test"\nusername = "support"\npassword_env = "P"\n'
            '[[imap]]\nhost = "imap.example.test"\nusername = "support"\npassword_env = "Q"\n'
            'folder = "inbox"\n',
            "imap[1]",
            "imap[0]",
        ),
    ],
)
def test_the_same_member_or_mailbox_twice_is_an_error(
    tmp_path: Path, toml: str, key: str, first: str
) -> None:
    """A member listed twice got two digests and was judged by the first entry only (the
    catalog said 'not a manager' of the one the second entry made a manager); a mailbox
    listed twice was polled by two pollers racing over one bookmark."""
    cfg = tmp_path / "gateway.toml"
    cfg.write_text('[gateway]\ndata_dir = "var"\n' + toml)
    with pytest.raises(ConfigError) as err:
        load_settings(cfg)
    assert err.value.key == key and first in err.value.problem


def test_a_secret_file_saved_by_notepad_loses_its_byte_order_mark(tmp_path: Path) -> None:
    """Windows Notepad starts a UTF-8 file with a byte-order mark, invisible in every
    editor; kept, it was three bytes of the key (and reply addresses made elsewhere
    with the same key stopped working). A leading one is not part of the secret."""
    (tmp_path / "secret.key").write_bytes(b"\xef\xbb\xbf" + KEY.encode() + b"\r\n")
    cfg = tmp_path / "gateway.toml"
    cfg.write_text('[gateway]\nsecret_file = "secret.key"\n')
    assert load_settings(cfg).gateway.secret == KEY.encode()
