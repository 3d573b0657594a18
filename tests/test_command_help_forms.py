"""The grammar mailed to members teaches the forms ``/due`` and ``/priority`` take.

``/due 3/10`` (the next March 10th) and ``/priority 至急`` (the team's subject marker)
work; a member who learns the commands from the help must meet them there, in both
languages, and every example the help gives must be one the command really takes
(the same functions decide: :func:`due_date`, :func:`priority.by_command`).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gateway.core.priority import DEFAULT_MARKERS, Priority
from gateway.pipeline import priority
from gateway.pipeline.command_help import help_text
from gateway.pipeline.due_dates import due_date

NOW = datetime(2026, 1, 5, 3, 0, tzinfo=UTC)  # before every example the help gives


def _lines(locale: str, command: str) -> str:
    """The help's lines for ``command``: its first line and the ones that continue it."""
    out: list[str] = []
    keep = False
    for line in help_text(locale).splitlines():
        if line.startswith("  /"):
            keep = line.split(None, 1)[0] == f"/{command}"
        elif not line.startswith("    "):
            keep = False
        if keep:
            out.append(line)
    return "\n".join(out)


@pytest.mark.parametrize(
    ("locale", "shown"),
    [
        ("en", ("2026-03-10", "3/10")),
        ("ja", ("2026-03-10", "2026年3月10日", "3/10", "3月10日")),
    ],
)
def test_the_due_help_shows_a_month_and_day_and_each_example_is_a_date(
    locale: str, shown: tuple[str, ...]
) -> None:
    text = _lines(locale, "due")
    for example in shown:
        assert example in text, (locale, example)
        assert isinstance(due_date(example, "Asia/Tokyo", NOW), datetime), example


@pytest.mark.parametrize(
    ("locale", "shown"),
    [
        ("en", ("low", "normal", "high", "urgent", "[URGENT]")),
        ("ja", ("low", "urgent", "緊急", "高", "通常", "低", "至急")),
    ],
)
def test_the_priority_help_shows_the_names_and_a_subject_marker(
    locale: str, shown: tuple[str, ...]
) -> None:
    text = _lines(locale, "priority")
    for example in shown:
        assert example in text, (locale, example)
        decided = priority.by_command(example, "normal", requester=False)
        assert isinstance(decided, priority.SetPriority), example
    marker = next(m for m in DEFAULT_MARKERS["urgent"] if m in text)
    assert priority.by_command(marker, "normal", requester=False) == priority.SetPriority(
        Priority.URGENT
    )


@pytest.mark.parametrize(
    ("locale", "said"),
    [
        ("en", "unknown priority 'asap' (use one of: low, normal, high or urgent, or a"),
        ("ja", "「asap」という優先度はありません（使えるのは低（low）、通常（normal）、"),
    ],
)
def test_an_unknown_level_lists_the_levels_in_the_readers_language(locale: str, said: str) -> None:
    from gateway.core.i18n import translate

    refused = priority.level_named("asap", DEFAULT_MARKERS)
    assert not isinstance(refused, Priority)
    assert said in translate(refused, locale)


@pytest.mark.parametrize(
    ("locale", "due", "level"),
    [("en", "3/10", "[URGENT]"), ("ja", "3月10日", "至急")],
)
def test_the_notices_short_lines_name_the_same_forms(locale: str, due: str, level: str) -> None:
    """A member's new-ticket notice lists each command in one line: those of /due and
    /priority show a form without the year and a marker, as the grammar does."""
    from gateway.core.i18n import translate
    from gateway.pipeline.command_help import SHORT

    assert due in translate(SHORT["due"], locale)
    assert isinstance(due_date(due, "Asia/Tokyo", NOW), datetime)
    assert level in translate(SHORT["priority"], locale)
    assert isinstance(priority.by_command(level, "normal", requester=False), priority.SetPriority)
