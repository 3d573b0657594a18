"""How urgent a request is, from what its sender marked, and who may change that.

Pure: headers, subject and the team's markers in, a level out. Read in
linear time: each header is cut to a few dozen characters by the parser and
split on white space here (no regular expression), and a subject marker is a
plain substring search over the normalised subject (NFKC, case-folded, so
``［ＵＲＧＥＮＴ］`` and ``[urgent]`` are the marker ``[URGENT]``).

Precedence (the first that says something wins): a subject marker the team
listed (the team's own words are the most deliberate), then ``Priority:``,
``Importance:``, ``X-Priority:`` (the most often set by a client's default).
A mail that marks nothing gets the catalog entry's default, else ``normal``
(:func:`initial`). The ``/priority`` command is decided by :func:`by_command`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from gateway.core import priority as levels
from gateway.core.i18n import N_, Msg, named
from gateway.core.model import PriorityHeaders
from gateway.core.priority import Priority
from gateway.core.text import normalise, visible

# Importance: (RFC 2156, Outlook) value → level
IMPORTANCE: dict[str, Priority] = {
    "high": Priority.HIGH,  # Outlook's "High importance"
    "low": Priority.LOW,  # Outlook's "Low importance"
    # "normal" says nothing: the entry's default still applies
}

# X-Priority: first digit → level (1 highest … 5 lowest; "1 (Highest)" is common)
X_PRIORITY: dict[str, Priority] = {
    "1": Priority.HIGH,  # highest: a mail client's flag, not a team's "urgent"
    "2": Priority.HIGH,  # high
    "4": Priority.LOW,  # low
    "5": Priority.LOW,  # lowest
    # 3 is normal: says nothing
}

# Priority: (RFC 2156) value → level
PRIORITY: dict[str, Priority] = {
    "urgent": Priority.URGENT,  # the only header that may say "urgent"
    "non-urgent": Priority.LOW,  # RFC 2156's low
    "high": Priority.HIGH,  # seen from scripts and monitoring tools
    "low": Priority.LOW,
    # "normal" says nothing
}


@dataclass(frozen=True, slots=True)
class SetPriority:
    """The decided ``/priority`` command."""

    level: Priority


@dataclass(frozen=True, slots=True)
class Marked:
    """A level the mail asked for and what said so, for the event."""

    level: Priority
    source: str  # "subject" | "priority" | "importance" | "x-priority"
    value: str  # the marker or the header value, as matched


def first_word(value: str) -> str:
    """``"1 (Highest)"`` → ``"1"``; ``""`` for an empty value."""
    words = value.split(None, 1)
    return words[0].strip(";,").lower() if words else ""


def from_subject(subject: str, markers: Mapping[str, Sequence[str]]) -> Marked | None:
    """The most urgent level whose marker is in the subject (markers as the team wrote
    them, compared after NFKC and case folding)."""
    text = normalise(subject)
    for level in levels.ORDER:
        for marker in markers.get(level.value, ()):
            if marker.strip() and normalise(marker.strip()) in text:
                return Marked(level, "subject", marker)
    return None


def from_headers(h: PriorityHeaders) -> Marked | None:
    """What the sender's client marked: Priority:, then Importance:, then X-Priority:."""
    for source, value, table in (
        ("priority", h.priority, PRIORITY),
        ("importance", h.importance, IMPORTANCE),
        ("x-priority", h.x_priority, X_PRIORITY),
    ):
        word = first_word(value)
        if source == "x-priority":
            word = word[:1]  # "1", "1(highest)", "2 (high)"
        if word in table:
            return Marked(table[word], source, value)
    return None


def from_mail(
    subject: str, h: PriorityHeaders, markers: Mapping[str, Sequence[str]]
) -> Marked | None:
    """What the mail asked for, or None when it marked nothing."""
    return from_subject(subject, markers) or from_headers(h)


def initial(marked: Marked | None, entry_default: str | None) -> tuple[Priority, str]:
    """A new ticket's level and why: the mail's mark beats the entry's default."""
    if marked is not None:
        return marked.level, marked.source
    default = levels.parse(entry_default or "")
    if default is not None:
        return default, "catalog"
    return levels.DEFAULT, "default"


# each level's name as the mails and pages say it: /priority 緊急 is /priority urgent
_LEVEL_NAMES: Mapping[Priority, tuple[Msg, ...]] = {
    Priority.LOW: (N_("low"),),
    Priority.NORMAL: (N_("normal"),),
    Priority.HIGH: (N_("high"),),
    Priority.URGENT: (N_("urgent"),),
}


def by_marker(word: str, markers: Mapping[str, Sequence[str]]) -> Priority | None:
    """The level whose subject marker ``word`` is (``至急``, ``【至急】``, ``[FYI]``): the
    words the team chose in ``[priority]`` for a level are its words for that level in a
    command too. Compared as :func:`from_subject` compares (NFKC, case folded), whole;
    a marker two levels list is the more urgent one's, as in a subject."""
    wanted = normalise(word.strip())
    for level in levels.ORDER:
        if any(m.strip() and normalise(m.strip()) == wanted for m in markers.get(level, ())):
            return level
    return None


def level_named(arg: str, markers: Mapping[str, Sequence[str]]) -> Priority | Msg:
    """The level ``arg`` names, or why it names none: by its value, its name in any
    catalog (``緊急``, ``高``) or a subject marker the team lists for it (``markers``,
    ``[priority]``: ``至急``). One reader for ``/priority`` and ``tickets priority``,
    so a word that works in a reply works in a shell; the refusal lists the choices
    in the reader's language, the team's markers as they wrote them."""
    level = levels.parse(arg) or named(arg, _LEVEL_NAMES) or by_marker(arg, markers)
    if level is not None:
        return level
    shown = " ".join(m.strip() for level in levels.ORDER for m in markers.get(level, ()))
    known = (
        N_("low, normal, high or urgent, or a subject marker: {markers}", markers=shown)
        if shown
        else N_("low, normal, high or urgent")
    )
    return N_("unknown priority '{value}' (use one of: {known})", value=visible(arg), known=known)


def by_command(
    arg: str,
    current: str,
    *,
    requester: bool,
    markers: Mapping[str, Sequence[str]] = levels.DEFAULT_MARKERS,
) -> SetPriority | Msg:
    """``/priority <level>``: the new level (:func:`level_named`), or why not. Members
    may set any level; a requester may lower their ticket's priority (it is their
    request, and "no longer urgent" helps the team) but never raise it, or every
    ticket would be urgent."""
    level = level_named(arg, markers)
    if isinstance(level, Msg):
        return level
    if requester and levels.raises(current, level):
        return N_("requesters may lower the priority, not raise it")
    return SetPriority(level)
