"""Log lines say "1 mail" and "2 mails", never "mail(s)" (gateway.core.counted)."""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import pytest

from gateway.core.counted import counted


@pytest.mark.parametrize(
    ("count", "noun", "plural", "said"),
    [
        (1, "mail", "", "1 mail"),
        (0, "mail", "", "0 mails"),
        (2, "mail", "", "2 mails"),
        (1, "entry", "entries", "1 entry"),
        (7, "entry", "entries", "7 entries"),
        (-1, "row", "", "-1 rows"),
    ],
)
def test_a_count_takes_its_english_plural(count: int, noun: str, plural: str, said: str) -> None:
    assert counted(count, noun, plural) == said


def test_no_line_in_the_gateway_says_a_plural_in_parentheses() -> None:
    """Every log line and admin-facing text under gateway/: a word with "(s)" after it
    ("mail(s)", "attempt(s)") is a count that should have chosen its form. Docstrings
    may quote the old form, and retired msgids are kept as they were stored."""
    root = Path(__file__).resolve().parents[1] / "gateway"
    found = [
        f"{path.relative_to(root)}:{start}: {text}"
        for path in sorted(root.rglob("*.py"))
        if path.name != "retired_words.py"
        for start, text in _strings(path.read_text(encoding="utf-8"))
        if re.search(r"[A-Za-z]\(s\)", text)
    ]
    assert found == []


def _strings(source: str) -> list[tuple[int, str]]:
    """The string literals of a module (f-strings whole), with their first line."""
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return [
        (t.start[0], t.string)
        for t in tokens
        if t.type == tokenize.STRING and not t.string.startswith(('"' * 3, "'" * 3))
    ]
