"""Which saved answer ``/answer <name>`` means, or why none: pure, no file access.

A name is a file name the team chose (``answers/<name>.<locale>.txt.j2``), so
it is checked before anything builds a path from it: lower-case letters,
digits, ``-`` and ``_``, at most 64 characters, starting with a letter or a
digit. That refuses ``../secret``, ``a/b``, ``.hidden``, ``C:\\x`` and NUL
without a regular expression and before the name meets the file system; the
known names are listed by the caller (:mod:`gateway.notify.answers`).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from gateway.core.i18n import N_, Msg
from gateway.core.text import visible


@dataclass(frozen=True, slots=True)
class UseAnswer:
    """The decided ``/answer`` command: a saved answer's name, checked safe and known."""

    name: str


_ALLOWED = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_")
MAX_NAME = 64


def is_safe(name: str) -> bool:
    """A name that can only ever be one file in the answers folder."""
    return 0 < len(name) <= MAX_NAME and name[0] not in "-_" and all(c in _ALLOWED for c in name)


def choose(name: str, known: Collection[str]) -> UseAnswer | Msg:
    """The saved answer's name, or why not (naming the answers there are)."""
    wanted = name.strip().lower()
    if not is_safe(wanted):
        return N_("not a saved answer's name: '{name}'", name=visible(name))
    if wanted not in known:
        if not known:
            return N_("no saved answer '{name}' (the team has none yet)", name=visible(name))
        names = ", ".join(sorted(known))
        return N_("no saved answer '{name}' (there are: {names})", name=visible(name), names=names)
    return UseAnswer(wanted)
