"""The ``[outbound]`` keys and the new ``[gateway]`` mail keys: defaults that work on a
fresh machine, and errors that name the file and the key."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.support.config import LOCAL, config_error, load_toml


def test_defaults_write_to_a_local_maildir(tmp_path: Path) -> None:
    s = load_toml(tmp_path, LOCAL, "")
    assert s.outbound.mode == "maildir"
    assert s.outbound.maildir == tmp_path / "var" / "outbound"
    assert s.gateway.templates_dir is None and s.gateway.auto_reply_limit == 5
    assert s.gateway.iso2022jp is False


def test_sent_mail_bytes_are_kept_30_days_unless_said_otherwise(tmp_path: Path) -> None:
    assert load_toml(tmp_path, LOCAL, "").outbound.keep_sent == timedelta(days=30)
    said = load_toml(tmp_path, LOCAL, '[outbound]\nkeep_sent = "365d"\n')
    assert said.outbound.keep_sent == timedelta(days=365)
    kept = load_toml(tmp_path, LOCAL, '[outbound]\nkeep_sent = "forever"\n')
    assert kept.outbound.keep_sent is None


def test_smtp_relay_defaults_to_verified_starttls_on_587(tmp_path: Path) -> None:
    s = load_toml(tmp_path, LOCAL, '[outbound]\nmode = "smtp"\nhost = "relay.example.test"\n')
    o = s.outbound
    assert (o.mode, o.host, o.port, o.tls) == ("smtp", "relay.example.test", 587, "starttls")
    assert o.retry_initial == timedelta(minutes=1) and o.retry_max == timedelta(hours=1)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost", "LocalHost"])
def test_plain_text_is_for_a_relay_on_this_machine_only(tmp_path: Path, host: str) -> None:
    text = f'[outbound]\nmode = "smtp"\ntls = "none"\nhost = "{host}"\n'
    assert load_toml(tmp_path, LOCAL, text).outbound.tls == "none"


def test_plain_text_to_another_host_only_on_a_network_said_to_be_trusted(
    tmp_path: Path,
) -> None:
    text = '[outbound]\nmode = "smtp"\ntls = "none"\nhost = "postfix"\n'
    err = config_error(tmp_path, LOCAL, text)
    assert err.key == "outbound.tls" and "trusted_network" in str(err.message)
    trusted = load_toml(tmp_path, LOCAL, text + "trusted_network = true\n").outbound
    assert (trusted.host, trusted.tls) == ("postfix", "none")


@pytest.mark.parametrize(("tls", "port"), [("implicit", 465), ("none", 25), ("starttls", 587)])
def test_port_follows_tls_mode(tmp_path: Path, tls: str, port: int) -> None:
    s = load_toml(tmp_path, LOCAL, f'[outbound]\nmode = "smtp"\ntls = "{tls}"\n')
    assert s.outbound.port == port


def test_auth_with_password_file_and_relative_paths(tmp_path: Path) -> None:
    (tmp_path / "relay.password").write_text("s3cret\n", encoding="utf-8")
    (tmp_path / "ca.pem").write_text("x", encoding="utf-8")
    (tmp_path / "mytemplates").mkdir()
    s = load_toml(
        tmp_path,
        LOCAL,
        'templates_dir = "mytemplates"\nauto_reply_limit = 2\niso2022jp = true\n'
        '[outbound]\nmode = "smtp"\ntls = "implicit"\nusername = "gw"\n'
        'password_file = "relay.password"\nca_file = "ca.pem"\nfrom_name = "Helpdesk"\n',
    )
    assert s.gateway.templates_dir == tmp_path / "mytemplates"
    assert (s.gateway.auto_reply_limit, s.gateway.iso2022jp) == (2, True)
    assert s.outbound.password_file == tmp_path / "relay.password"
    assert s.outbound.ca_file == tmp_path / "ca.pem" and s.outbound.from_name == "Helpdesk"


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ('[outbound]\nmode = "sendmail"\n', "outbound.mode", "must be one of"),
        ('[outbound]\ntls = "ssl"\n', "outbound.tls", "must be one of"),
        ("[outbound]\nport = 0\n", "outbound.port", "whole number"),
        ('[outbound]\nusername = "gw"\n', "outbound.password_file", "password_env"),
        (
            '[outbound]\nmode = "smtp"\ntls = "none"\nusername = "gw"\npassword_env = "PW"\n',
            "outbound.tls",
            "never sent in clear",
        ),
        (
            '[outbound]\nmode = "smtp"\ntls = "none"\nhost = "relay.example.test"\n',
            "outbound.tls",
            "in clear",
        ),
        (
            '[outbound]\nmode = "smtp"\ntls = "none"\nhost = "10.0.0.25"\n',
            "outbound.tls",
            "in clear",
        ),
        ('[outbound]\npassword_env = "1BAD"\n', "outbound.password_env", "variable name"),
        ('[outbound]\nca_file = "nope.pem"\n', "outbound.ca_file", "no such file"),
        ('[outbound]\nretry_initial = "soon"\n', "outbound.retry_initial", "duration"),
        ('[outbound]\nfrom_name = "a\\r\\nBcc: x@evil.test"\n', "outbound.from_name", "one line"),
        ('[outbound]\nkeep_sent = "a month"\n', "outbound.keep_sent", "'forever'"),
        ('[outbound]\nkeep_sent = "0d"\n', "outbound.keep_sent", "longer than 0s"),
        ("[outbound]\nkeep_sent = true\n", "outbound.keep_sent", "'forever'"),
        ('[outbound]\nrelay = "x"\n', "outbound.relay", "unknown key"),
        ('templates_dir = "missing"\n', "gateway.templates_dir", "no such folder"),
        ("auto_reply_limit = -1\n", "gateway.auto_reply_limit", "whole number"),
        ('iso2022jp = "yes"\n', "gateway.iso2022jp", ""),
    ],
)
def test_errors_name_file_and_key(tmp_path: Path, text: str, key: str, words: str) -> None:
    err = config_error(tmp_path, LOCAL, text)  # bare keys land in LOCAL's [gateway] table
    assert key in str(err) and "gateway.toml" in str(err) and words in str(err)
