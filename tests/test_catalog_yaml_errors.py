"""A catalog that is not valid YAML: the line and what to do, in the reader's language.
PyYAML says it in English only (``found character '\\t' that cannot start any token``),
and a character YAML refuses (a NUL, a control character pasted from a terminal) was
reported at line 0 with its offset in "<unicode string>"."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.catalog.load import check_catalog
from gateway.core.i18n import translate

ENTRY = "entries:\n  - id: other\n    name: Other\n    fallback: true\n"
BROKEN = [
    ("entries:\n\t- id: other\n", 2, ""),  # a tab indents
    (ENTRY + "  - id: b\x00x\n", 5, "U+0000"),  # a NUL
    (ENTRY + "  - id: b\x1bx\n", 5, "U+001B"),  # an escape from a terminal
    (ENTRY + "  - id: b\n    name: Printer: 3F\n", 6, ""),  # ": " inside a value
    (ENTRY + "  - id: b\n   name: B\n", 6, ""),  # indented one space short
    (ENTRY + "  - id: b\n    name: *nope\n", 6, "nope"),  # an alias never defined
    (ENTRY + '  - id: b\n    name: "B\n', 7, ""),  # a quote never closed
    (ENTRY + '  - id: b\n    name: "\\q"\n', 6, ""),  # an escape YAML does not know
    (ENTRY + "  - id: b\n    keywords: [a, b\n", 7, ""),  # a [ never closed
]


@pytest.mark.parametrize(("text", "line", "named"), BROKEN)
def test_invalid_yaml_is_said_with_its_line_in_each_language(
    tmp_path: Path, text: str, line: int, named: str
) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text(text, encoding="utf-8")
    [problem] = check_catalog(path)
    assert problem.line == line
    en, ja = translate(problem.message, "en"), translate(problem.message, "ja")
    assert named in en and named in ja
    for english in ("found", "expected", "scanning", "unicode string", "cannot", "allowed"):
        assert english not in ja, ja


# "Billion laughs": nine aliases of nine aliases… nine levels deep, 9⁹ words once expanded
BOMB = "x-a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"x-{name}: &{name} [{', '.join(['*' + inner] * 9)}]\n"
    for inner, name in zip("abcdefgh", "bcdefghi", strict=True)
)
BOMBED = [  # where the alias stands; the line said (the anchor's: an alias is its node)
    ("    keywords: [{term: *i}]\n", 9, "term must be a text"),
    ("    keywords: [{term: a, weight: *i}]\n", 9, "weight must be a number"),
    ("    stale_after: *i\n", 9, "stale_after"),
    ("    assignee: *i\n", 8, "e-mail address"),
    ("    fields: [{name: f, type: *i}]\n", 9, "unknown field type"),
    ("    *i : 1\n", 9, "a key must be a text"),
]


@pytest.mark.parametrize(("line", "at", "said"), BOMBED)
def test_an_alias_bomb_is_a_problem_on_its_line_not_a_hang(
    tmp_path: Path, line: str, at: int, said: str
) -> None:
    """A value made of aliases of aliases is quoted in a problem cut short, without being
    expanded first: a catalog check (or a reload) of such a file answers at once."""
    path = tmp_path / "catalog.yaml"
    entry = "entries:\n  - id: b\n    name: B\n" + line
    other = ENTRY.removeprefix("entries:\n") + "    manager: boss@example.test\n"
    path.write_text(BOMB + entry + other, encoding="utf-8")
    found = [(p.line, translate(p.message, "en")) for p in check_catalog(path)]
    assert found and all(len(text) < 300 for _, text in found), found
    assert any(n == at and said in text for n, text in found), found
