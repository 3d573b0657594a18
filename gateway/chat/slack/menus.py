"""Menus of any length in the ``/ticket`` form, within what Slack takes. Pure.

Slack's ``static_select`` holds at most 100 options (``option_groups``: 100 groups of
100), and a view with more is refused whole: no form at all. The catalog has no
grouping of its entries, so a menu longer than that is an ``external_select``: Slack
asks for its options as the person types (a ``block_suggestion`` request, answered
by :func:`suggested`), and every entry or choice can be found by its name. What is
typed is folded as the catalog's matcher folds a mail (:func:`folded`: full width,
case, and kana: ぷりんたー finds プリンター), so the menu finds what the person would
write in a mail.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from gateway.core import slack_length
from gateway.core.text import for_matching, kana_folded

VALUE = "value"  # every input's action id (the form reads each input by its block)
MAX_OPTIONS = 100  # Slack's most options in a static_select, and in one answer of options
MAX_OPTION_TEXT = 75  # an option's text, UTF-16 units
MAX_VALUE = 150  # an option's value


@dataclass(frozen=True, slots=True)
class Choice:
    """One option of a menu: what the person reads, what comes back, what is searched."""

    text: str
    value: str
    words: str  # folded (:func:`folded`): its names in every language, its id
    always: bool = False  # offered whatever is typed (the catalog's fallback entry)


def choice(text: str, value: str, names: Iterable[str], *, always: bool = False) -> Choice:
    return Choice(text, value, "\x00".join(folded(n) for n in (text, *names)), always)


def folded(text: str) -> str:
    """``text`` as the catalog's matcher compares it: NFKC, case folded, runs of white
    space one space, kana folded (:func:`gateway.core.text.kana_folded`)."""
    return kana_folded(for_matching(text))


def menu(choices: Sequence[Choice], placeholder: dict[str, Any]) -> dict[str, Any]:
    """The select element of ``choices``: all of them in the view when Slack takes that
    many, else an external select whose options :func:`suggested` gives. Slack asks for
    them when the menu opens too (``min_query_length`` 0), so it never opens empty."""
    if len(choices) <= MAX_OPTIONS:
        return {
            "type": "static_select",
            "action_id": VALUE,
            "placeholder": placeholder,
            "options": [option(c) for c in choices],
        }
    return {
        "type": "external_select",
        "action_id": VALUE,
        "placeholder": placeholder,
        "min_query_length": 0,
    }


def suggested(choices: Sequence[Choice], typed: str) -> list[dict[str, Any]]:
    """The options a person who typed ``typed`` is offered: those whose names hold every
    word typed, in the menu's order, at most Slack's 100; the ones ``always`` offered
    last, and kept when the list is cut."""
    words = folded(typed).split()
    last = [c for c in choices if c.always]
    found = [c for c in choices if not c.always and all(w in c.words for w in words)]
    return [option(c) for c in found[: MAX_OPTIONS - len(last)] + last]


def option(c: Choice) -> dict[str, Any]:
    return {"text": plain(c.text, MAX_OPTION_TEXT), "value": c.value}


def plain(text: str, limit: int) -> dict[str, Any]:
    """Words from us or from the catalog (a label, an example, a choice) as the form
    shows them: as written, a ``:fire:`` in them no emoji, and cut to Slack's ``limit``
    as Slack counts (UTF-16 units; an emoji kept whole)."""
    return {"type": "plain_text", "text": slack_length.fit(text, limit), "emoji": False}


def value_of(name: str) -> str:
    """A catalog choice as an option's value, which Slack keeps up to 150 characters:
    the choice itself when it fits, else a token made of it (the form reads it back
    through :func:`value_of` again); cut, it would come back as no choice at all. An
    entry's id needs none: the catalog keeps ids to 64 characters."""
    if slack_length.units(name) <= MAX_VALUE:
        return name
    return "#" + hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:40]
