"""A config file that is not valid TOML: the operator reads where (the line, and the
column when there is one) and what, in their language. ``tomllib`` says it in English
only, and says a key written twice is "at end of document", which names no line in a
file of a hundred lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.core.i18n import translate
from tests.support.config import LOCAL, config_error

# (the config after LOCAL, the line the error names)
BROKEN = [
    ('address = "a@example.test"\naddress = "b@example.test"', 4),  # a key twice
    ('[smtp]\nport = 25\n[web]\nport = 8080\n[smtp]\nhost = "x"', 7),  # a table twice
    ("[smtp]\nport = 25\n\n\nport = 26\n", 7),  # twice, blank lines between
    ("[smtp]\nlmtp = yes", 4),  # a value without quotes
    ('[smtp]\nhost = "127.0.0.1', 4),  # a text not closed
    ("[smtp]\nport 25", 4),  # no "="
    ("[smtp]\nport = 25 26", 4),  # two values
    ("[smtp\nport = 25", 3),  # a header not closed
]


@pytest.mark.parametrize(("text", "line"), BROKEN)
def test_invalid_toml_names_the_line_in_each_language(tmp_path: Path, text: str, line: int) -> None:
    err = config_error(tmp_path, LOCAL + text)
    assert err.path == str(tmp_path / "gateway.toml")
    en, ja = translate(err.message, "en"), translate(err.message, "ja")
    assert f"line {line}" in en, en
    assert f"{line} 行目" in ja, ja
    for english in ("Cannot", "Invalid", "Expected", "Unterminated", "Illegal", "document"):
        assert english not in ja, ja


def test_the_table_declared_twice_is_named(tmp_path: Path) -> None:
    err = config_error(tmp_path, LOCAL + "[chat.slack]\n[chat.slack]\n")
    assert "[chat.slack]" in translate(err.message, "ja")


def test_a_repeat_tomllib_finds_only_at_the_end_is_placed_on_its_line() -> None:
    """Without a final newline tomllib says "at end of document"; the line is found."""
    import tomllib

    from gateway.config.toml_errors import toml_problem

    text = '[gateway]\nlocale = "ja"\n\n# the team\'s zone\ntimezone = "UTC"\nlocale = "en"'
    with pytest.raises(tomllib.TOMLDecodeError) as caught:
        tomllib.loads(text)
    assert "end of document" in str(caught.value)  # what tomllib alone says
    said = toml_problem(caught.value, text)
    assert "line 6:" in translate(said, "en") and "6 行目" in translate(said, "ja")


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("[schedule]\npending_close_after = 2026-01-01", "2026-01-01"),
        ("[schedule]\ndigest = 09:00:00", "09:00:00"),
        ("[health]\nmax_poll_age = 00:15:00", "00:15:00"),
        ("[smtp]\nport = 2026-01-01", "2026-01-01"),
    ],
)
def test_a_toml_date_or_time_is_said_as_the_file_writes_it(
    tmp_path: Path, text: str, written: str
) -> None:
    """TOML reads ``2026-01-01`` and ``09:00:00`` as dates and times: a key that wants
    a duration, a day and hour or a port said ``datetime.date(2026, 1, 1)``."""
    err = config_error(tmp_path, LOCAL, text)
    for said in (err.problem, translate(err.message, "ja")):
        assert "datetime." not in said and written in said
