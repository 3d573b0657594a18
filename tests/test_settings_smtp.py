"""The ``[smtp]`` keys: defaults that work, and errors that name the key."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from gateway.config.load import load_settings
from gateway.config.settings import SmtpSettings
from gateway.core.errors import ConfigError
from tests.support.config import LOCAL, config_error, load_toml
from tests.support.smtp import self_signed


def _load(tmp_path: Path, smtp: str) -> SmtpSettings:
    return load_toml(tmp_path, LOCAL, "[smtp]", smtp).smtp


def _error(tmp_path: Path, smtp: str) -> ConfigError:
    return config_error(tmp_path, LOCAL, "[smtp]", smtp)


@pytest.fixture(scope="module")
def pem(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed(tmp_path_factory.mktemp("pem"))


def test_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the built-in defaults write var/secret under the cwd
    smtp = _load(tmp_path, "")
    assert (smtp.host, smtp.port, smtp.lmtp) == ("127.0.0.1", 2525, False)
    assert smtp.tls_cert is None and smtp.tls_key is None and not smtp.tls
    assert not smtp.require_tls and smtp.auth_users_file is None
    assert smtp.trusted_networks == ("127.0.0.0/8", "::1/128")
    assert (smtp.max_sessions, smtp.max_recipients) == (100, 100)
    assert smtp.session_timeout == timedelta(minutes=5)
    assert load_settings(None).smtp == SmtpSettings()


def test_all_keys(tmp_path: Path, pem: tuple[Path, Path]) -> None:
    cert, key = pem
    users = tmp_path / "users"
    users.write_text("relay:{PLAIN}x\n", encoding="utf-8")
    smtp = _load(
        tmp_path,
        f"""
        tls_cert = "{cert}"
        tls_key = "{key}"
        require_tls = true
        auth_users_file = "users"
        trusted_networks = ["10.1.2.3/8", "2001:db8::/32"]
        max_sessions = 20
        session_timeout = "90s"
        max_recipients = 10
    """,
    )
    assert (smtp.tls_cert, smtp.tls_key, smtp.tls, smtp.require_tls) == (cert, key, True, True)
    assert smtp.auth_users_file == tmp_path / "users"  # relative to the config file
    assert smtp.trusted_networks == ("10.0.0.0/8", "2001:db8::/32")
    assert (smtp.max_sessions, smtp.max_recipients) == (20, 10)
    assert smtp.session_timeout == timedelta(seconds=90)


@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [
        ('tls_cert = "missing.pem"\ntls_key = "missing.key"', "smtp.tls_cert", "cannot read"),
        ("require_tls = true", "smtp.require_tls", "needs tls_cert"),
        ('auth_users_file = "missing"', "smtp.auth_users_file", "cannot read"),
        ('trusted_networks = ["10.0.0.0/33"]', "smtp.trusted_networks", "not a network"),
        ('trusted_networks = "10.0.0.0/8"', "smtp.trusted_networks", "list of CIDR"),
        ("max_sessions = 0", "smtp.max_sessions", "whole number"),
        ("max_recipients = -1", "smtp.max_recipients", "whole number"),
        ('session_timeout = "soon"', "smtp.session_timeout", "not a duration"),
        ('session_timeout = "0s"', "smtp.session_timeout", "longer than 0s"),
        ('tls = "yes"', "smtp.tls", "unknown key"),
    ],
)
def test_bad_values_name_the_key(tmp_path: Path, text: str, key: str, problem: str) -> None:
    error = _error(tmp_path, text)
    assert (error.key, error.path) == (key, str(tmp_path / "gateway.toml"))
    assert problem in error.problem


def test_tls_needs_both_halves_that_match(tmp_path: Path, pem: tuple[Path, Path]) -> None:
    cert, key = pem
    assert _error(tmp_path, f'tls_cert = "{cert}"').key == "smtp.tls_key"
    assert _error(tmp_path, f'tls_key = "{key}"').key == "smtp.tls_cert"
    assert _error(tmp_path, f'tls_cert = "{key}"\ntls_key = "{key}"').key == "smtp.tls_cert"
    _, other_key = self_signed(tmp_path)
    mismatch = _error(tmp_path, f'tls_cert = "{cert}"\ntls_key = "{other_key}"')
    assert mismatch.key == "smtp.tls_key" and "matching tls_cert" in mismatch.problem


def test_auth_is_only_offered_with_tls(tmp_path: Path) -> None:
    (tmp_path / "users").write_text("relay:{PLAIN}x\n", encoding="utf-8")
    error = _error(tmp_path, 'auth_users_file = "users"')
    assert error.key == "smtp.auth_users_file" and "over TLS" in error.problem
