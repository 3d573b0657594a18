"""``[imap]`` written for ``[[imap]]`` (one bracket short, the commonest slip with TOML's
arrays of tables; ``[members]`` and ``[business_hours.calendars]`` alike) was refused
with "must be a list", which names neither the fix nor the brackets: the person who
wrote a table looks for a list somewhere in it. The error now says to write the table
with two brackets."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.core.i18n import translate
from tests.support.config import LOCAL, config_error


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ('[imap]\nhost = "imap.example.test"\nusername = "u"\n', "imap"),
        ('[members]\nemail = "tanaka@example.test"\n', "members"),
        (
            '[business_hours]\nmon = "09:00-17:00"\n[business_hours.calendars]\nname = "x"\n',
            "business_hours.calendars",
        ),
    ],
    ids=["imap", "members", "calendars"],
)
def test_a_table_written_for_an_array_of_tables_says_the_two_brackets(
    tmp_path: Path, section: str, key: str
) -> None:
    error = config_error(tmp_path, LOCAL, section)
    assert error.key == key
    en, ja = translate(error.message, "en"), translate(error.message, "ja")
    assert f"[[{key}]]" in en and "two brackets" in en, en
    assert f"[[{key}]]" in ja and "2 重" in ja, ja


def test_a_value_that_is_no_list_at_all_is_still_said_so(tmp_path: Path) -> None:
    error = config_error(tmp_path, LOCAL, '[smtp]\naliases = "help@example.test"\n')
    assert error.key == "smtp.aliases"
    assert translate(error.message, "en") == "must be a list"
