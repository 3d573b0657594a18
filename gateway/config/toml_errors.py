"""What is wrong with a config file that is not TOML, said where and in the reader's
language.

``tomllib`` says it in English (``Invalid value (at line 4, column 8)``), which a
Japanese operator reads in the middle of a Japanese line, and it says a key written
twice is ``at end of document``: no line at all in a file of a hundred. Its messages are
few and fixed, so each is said again in our words from a table; the place is its line
and column, and for a repeat found only at the end, the line where the file first stops
being valid (the shortest leading part of the file that fails the same way).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable

from gateway.core.i18n import N_, Msg

_WHERE = re.compile(
    r"^(?P<what>.*) \((?:at line (?P<line>\d+), column (?P<col>\d+)|at end of document)\)$", re.S
)

# tomllib's message (matched from its start) → ours; a message not here is quoted as it is
_SAID: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], Msg]], ...] = (
    # a key given twice in one table (or a value where a table of that name was)
    (
        re.compile(r"Cannot overwrite a value"),
        lambda m: N_("a key is given a second time: each key once in its table"),
    ),
    # [table] or [[table]] written twice, or a table as both
    (
        re.compile(r"Cannot declare \((?P<parts>.*)\) twice"),
        lambda m: N_(
            "the table [{table}] is declared a second time: gather its keys under one",
            table=".".join(re.findall(r"'([^']*)'", m["parts"])),
        ),
    ),
    # yes/no, a bare word, a list not closed before the end
    (
        re.compile(r"Invalid value"),
        lambda m: N_(
            'not a value: write text in quotes ("…"), true or false, a number, or a list in [ ]'
        ),
    ),
    # "port 25", "a b = 1"
    (
        re.compile(r"Expected '=' after a key"),
        lambda m: N_("a key must be followed by = and its value"),
    ),
    # "port = 25 26", a date or number written wrongly
    (
        re.compile(r"Expected newline or end of document after a statement"),
        lambda m: N_("more after the value: one key = value a line"),
    ),
    # a quote not closed on its line
    (
        re.compile(r"Unterminated string|Illegal character '\\n'"),
        lambda m: N_(
            "a text is not closed: end it with its quote on the same line "
            '("""…""" for several lines)'
        ),
    ),
    (
        re.compile(r"Unclosed (?:array|inline table)"),
        lambda m: N_("a list [ ] or an inline table { } is not closed"),
    ),
    # "[smtp" with no "]"
    (
        re.compile(r"Expected '\]\]?' at the end of a(?:n array)? table declaration"),
        lambda m: N_("a [table] header is not closed with ]"),
    ),
    # a line that is neither key = value nor a [table] header (a control character, "=" first)
    (
        re.compile(r"Invalid statement"),
        lambda m: N_("neither a key = value line nor a [table] header"),
    ),
)


def toml_problem(exc: tomllib.TOMLDecodeError, text: str) -> Msg:
    """``exc`` (raised reading ``text``) as a message naming the line, and the column
    where tomllib has one."""
    whole = str(exc)
    where = _WHERE.match(whole)
    what = where["what"] if where else whole
    problem: Msg | str = what
    for pattern, said in _SAID:
        if (m := pattern.match(what)) is not None:
            problem = said(m)
            break
    if where is not None and where["line"] is not None:
        return N_(
            "not valid TOML at line {line}, column {column}: {problem}",
            line=int(where["line"]),
            column=int(where["col"]),
            problem=problem,
        )
    line = _first_failing_line(text, what)
    if line is not None:
        return N_("not valid TOML at line {line}: {problem}", line=line, problem=problem)
    return N_("not valid TOML at the end of the file: {problem}", problem=problem)


def _first_failing_line(text: str, what: str) -> int | None:
    """The fewest leading lines of ``text`` that fail with ``what`` too: where a repeat
    is (tomllib notices it only at the end). A binary search: a file failing so at
    ``n`` lines fails so at every length after (it reads from the top and stops at the
    first problem), and tens of parses of a small file cost nothing."""
    lines = text.splitlines(keepends=True)
    if len(lines) < 2 or not _fails_with(lines, len(lines), what):
        return None
    low, high = 1, len(lines)  # the answer is in [low, high]
    while low < high:
        mid = (low + high) // 2
        if _fails_with(lines, mid, what):
            high = mid
        else:
            low = mid + 1
    return low


def _fails_with(lines: list[str], n: int, what: str) -> bool:
    try:
        tomllib.loads("".join(lines[:n]))
    except tomllib.TOMLDecodeError as exc:
        return str(exc).startswith(what)
    return False
