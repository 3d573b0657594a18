"""``[priority]`` and ``[answers]``: how the team marks urgent mail, where its saved
answers live (issue #19).

::

    [priority]
    urgent = ["【至急】", "【緊急】", "[URGENT]", "至急", "緊急"]   # the default
    high = ["[重要]"]
    low = ["[FYI]"]

    [answers]
    dir = "answers"   # relative to this file; default: "answers" beside the catalog

A subject containing one of a level's markers (compared after NFKC and case
folding) gives the new ticket that level; the most urgent level wins. Writing
``urgent = []`` turns the default markers off. ``normal`` takes no markers: it
is what an unmarked mail gets anyway.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from gateway.config.sections import Section, list_of
from gateway.core.errors import ConfigError
from gateway.core.i18n import N_
from gateway.core.priority import DEFAULT_MARKERS

MARKED_LEVELS = ("urgent", "high", "low")  # the [priority] keys
ANSWERS_KEYS = {"dir"}
MAX_MARKERS = 100  # per level: a subject is searched for each one


@dataclass(frozen=True, slots=True)
class PrioritySettings:
    # level → subject markers (as written; compared after NFKC and case folding)
    markers: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_MARKERS))


@dataclass(frozen=True, slots=True)
class AnswersSettings:
    dir: Path = Path("answers")  # answers/<name>.<locale>.txt.j2


def read_priority(s: Section) -> PrioritySettings:
    s.unknown(set(MARKED_LEVELS))
    markers: dict[str, tuple[str, ...]] = {}
    for level in MARKED_LEVELS:
        if level not in s.data:
            markers[level] = DEFAULT_MARKERS.get(level, ())
            continue
        values = list_of(s, level)
        if len(values) > MAX_MARKERS or not all(
            isinstance(v, str) and v.strip() and len(v) <= 64 for v in values
        ):
            raise ConfigError(
                s.path,
                s.key(level),
                N_(
                    "must be a list of at most {n} subject markers (texts of 1 to 64 characters)",
                    n=MAX_MARKERS,
                ),
            )
        markers[level] = tuple(v.strip() for v in values)
    return PrioritySettings(markers)


def read_answers(s: Section, base: Path, catalog: Path | None) -> AnswersSettings:
    """The folder of saved answers: as configured (relative to the config file), else
    ``answers`` beside the catalog file, else beside the config file."""
    s.unknown(ANSWERS_KEYS)
    configured = s.path_or_none("dir", base)
    if configured is not None:
        return AnswersSettings(configured)
    return AnswersSettings((catalog.parent if catalog is not None else base) / "answers")
