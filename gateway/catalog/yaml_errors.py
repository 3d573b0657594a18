"""What is wrong with a catalog that is not YAML, in the reader's language.

PyYAML says it in English (``found character '\\t' that cannot start any token``), and
a character YAML refuses (a NUL, an escape pasted from a terminal) comes as a
``ReaderError`` with an offset into "<unicode string>" and no line. Its problems are a
fixed set of phrases, so the common ones are said again in our words from a table, with
the line its mark gives (the offset turned into a line for a refused character); one
not in the table is quoted as PyYAML says it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import yaml

from gateway.core.errors import Problem
from gateway.core.i18n import N_, Msg

# PyYAML's problem (matched from its start) → ours
_SAID: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], Msg]], ...] = (
    # a tab where YAML reads indentation
    (
        re.compile(r"found character '\\t' that cannot start any token"),
        lambda m: N_("a tab: YAML is indented with spaces only"),
    ),
    # "@", "`", "%" at the start of a value
    (
        re.compile(r"found character '(?P<char>.)' that cannot start any token"),
        lambda m: N_("a value cannot start with {char!r}: put the value in quotes", char=m["char"]),
    ),
    # "name: Printer: 3F"
    (
        re.compile(r"mapping values are not allowed here"),
        lambda m: N_('a colon and a space inside a value: put the value in quotes ("…")'),
    ),
    # a line indented more or less than its neighbours
    (
        re.compile(r"expected <block end>, but found"),
        lambda m: N_("the indentation does not line up with the lines above"),
    ),
    (
        re.compile(r"could not find expected ':'"),
        lambda m: N_("a key without ':' after it (or a quote left open above)"),
    ),
    # *name with no &name before it
    (
        re.compile(r"found undefined alias '(?P<name>.*)'"),
        lambda m: N_("*{name} names no &{name} above it", name=m["name"]),
    ),
    (
        re.compile(r"found unexpected end of stream"),
        lambda m: N_("the file ends inside a quoted value: a quote is not closed"),
    ),
    (
        re.compile(r"found unknown escape character '(?P<char>.)'"),
        lambda m: N_(
            "{escape} is no escape in a double-quoted value: use single quotes instead",
            escape="\\" + m["char"],
        ),
    ),
    # "[a, b" or "{a: 1" never closed
    (
        re.compile(r"expected ',' or '[\]}]', but got"),
        lambda m: N_("a list [ ] or a mapping { } is not closed"),
    ),
    (
        re.compile(r"second occurrence"),
        lambda m: N_("an anchor (&name) is defined a second time"),
    ),
)


def yaml_problem(exc: yaml.YAMLError, text: str) -> Problem:
    """``exc`` (raised reading ``text``) as a problem with its line, in our words."""
    if isinstance(exc, yaml.reader.ReaderError):
        char = exc.character if isinstance(exc.character, str) else chr(exc.character)
        line = text[: exc.position].count("\n") + 1
        code = f"U+{ord(char):04X}"
        message = N_("the character {code} is not allowed in YAML: remove it", code=code)
        return Problem(line, N_("not valid YAML: {problem}", problem=message))
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 0
        problem: Msg | str = str(exc.problem)
        for pattern, said in _SAID:
            if (m := pattern.match(str(exc.problem))) is not None:
                problem = said(m)
                break
        return Problem(line, N_("not valid YAML: {problem}", problem=problem))
    return Problem(0, N_("not valid YAML: {problem}", problem=str(exc)))
