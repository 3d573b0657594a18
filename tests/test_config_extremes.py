"""Values at the edges of what a config file or a catalog can hold: a duration past
what a clock can count, a path the kernel cannot take, YAML nested past what a parser
can follow. Each is an error naming the file and the key (or the line), never a
traceback: found by trying every key of every section with values of every kind."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.catalog.load import check_catalog
from gateway.config.units import parse_duration
from gateway.core.errors import ConfigError
from gateway.core.i18n import Msg
from tests.support.catalogs import GOOD
from tests.support.cli import run
from tests.support.config import LOCAL, config_error, write_config

HUGE = "99999999999999999999d"  # more days than a timedelta (or a datetime) can hold


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ("gateway", "reopen_window"),
        ("smtp", "session_timeout"),
        ("schedule", "pending_close_after"),
        ("limits", "processing_budget"),
        ("mail", "coalesce"),
        ("web", "session_lifetime"),
    ],
)
@pytest.mark.parametrize("value", [f'"{HUGE}"'])  # a number alone: test_config_durations
def test_a_duration_past_any_clock_names_its_key(
    tmp_path: Path, section: str, key: str, value: str
) -> None:
    head = LOCAL if section == "gateway" else f"{LOCAL}[{section}]\n"
    err = config_error(tmp_path, head + f"{key} = {value}")
    assert err.key == f"{section}.{key}"
    assert "at most" in err.problem


def test_a_century_is_still_a_duration() -> None:
    """The cap is far past any real setting (and far inside what the clock can add)."""
    assert parse_duration("36500d").days == 36500
    with pytest.raises(ConfigError):
        parse_duration("36501d")


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ("gateway", "data_dir"),
        ("gateway", "templates_dir"),
        ("smtp", "tls_cert"),
        ("smtp", "auth_users_file"),
        ("outbound", "ca_file"),
    ],
)
@pytest.mark.parametrize("value", ["a\\u0000b", "a" * 300])
def test_a_path_the_system_cannot_take_names_its_key(
    tmp_path: Path, section: str, key: str, value: str
) -> None:
    """A NUL byte, or a name longer than any file system allows."""
    head = "[gateway]\n" if section == "gateway" else f"{LOCAL}[{section}]\n"
    err = config_error(tmp_path, head + f'{key} = "{value}"')
    assert err.key == f"{section}.{key}"


def test_a_domain_that_is_not_one_is_said_in_the_readers_words(tmp_path: Path) -> None:
    err = config_error(tmp_path, LOCAL + 'per_person_domains = ["not a domain"]')
    assert err.key == "gateway.per_person_domains"
    assert isinstance(err.message, Msg)  # said in the reader's language by the CLI


@pytest.mark.parametrize(
    "broken",
    [
        GOOD.replace("resolve: 2d", f"resolve: {HUGE}"),
        GOOD.replace("stale_after: 3d", f"stale_after: {2**62}"),
    ],
)
def test_a_catalog_duration_past_any_clock_is_a_problem_on_its_line(
    tmp_path: Path, broken: str
) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text(broken, encoding="utf-8")
    problems = check_catalog(path)
    assert problems and all(p.line > 0 for p in problems)


def test_yaml_nested_past_any_parser_is_a_problem_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text("entries: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    config = write_config(tmp_path, extra=f'[catalog]\npath = "{path}"\n')
    code, out, err = run(config, "catalog", "check", capsys=capsys)
    assert code == 78  # the configured catalog
    assert "Traceback" not in out + err
    assert f"{path}:1: " in out and "nested" in out
