"""The ``[gateway]`` keys of ops work by reply: trusted authserv-ids and the
command-line cap; errors name the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.config import LOCAL, config_error, load_toml


def test_defaults_trust_no_header_and_read_twenty_lines(tmp_path: Path) -> None:
    s = load_toml(tmp_path, LOCAL, "")
    assert s.gateway.trusted_authserv_ids == ()
    assert s.gateway.max_command_lines == 20


def test_values_are_read_and_ids_lower_cased(tmp_path: Path) -> None:
    s = load_toml(
        tmp_path,
        LOCAL,
        'trusted_authserv_ids = ["MX.example.test", "mx2.example.test"]\nmax_command_lines = 5',
    )
    assert s.gateway.trusted_authserv_ids == ("mx.example.test", "mx2.example.test")
    assert s.gateway.max_command_lines == 5


@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [
        ('trusted_authserv_ids = "mx.example.test"', "gateway.trusted_authserv_ids", "list"),
        (
            'trusted_authserv_ids = ["mx.example.test; dkim=pass"]',
            "gateway.trusted_authserv_ids",
            "not an authserv-id",
        ),
        ("trusted_authserv_ids = [1]", "gateway.trusted_authserv_ids", "not an authserv-id"),
        ("max_command_lines = 0", "gateway.max_command_lines", "whole number"),
        ('max_command_lines = "20"', "gateway.max_command_lines", "whole number"),
    ],
)
def test_errors_name_file_and_key(tmp_path: Path, text: str, key: str, problem: str) -> None:
    err = config_error(tmp_path, LOCAL, text)
    assert err.key == key and problem in err.problem
    assert err.path.endswith("gateway.toml")
