"""What to tell a member whose ``/field <name>`` names no field of the ticket's sheet.

Pure. Sheets change: a team renames a field (``room`` → ``room_no``), drops one, or
labels it anew, and the members keep typing what they knew. A bare "unknown field"
sent them looking for the sheet elsewhere; as ``/category`` does for entries
(:mod:`gateway.pipeline.entry_names`), the refusal names the field most likely meant,
by its name or a label in any language, else lists the sheet's fields, label and name.
"""

from __future__ import annotations

import re

from gateway.catalog.model import Entry, Field
from gateway.catalog.sheet import field_named
from gateway.core.i18n import LOCALES, N_, Msg
from gateway.core.text import normalise, visible
from gateway.pipeline.command_help import meant
from gateway.pipeline.entry_names import listed_said

_MAX_LABEL_WORDS = 5  # a label is a few words ("Printer name"); the rest is the value
# a colon that ends a label: the full-width one anywhere in the label's word, an ASCII
# one at its end (so the value "10:00" keeps its own)
_LABEL_END = re.compile(r"[:：]$|：")


def field_and_value(entry: Entry, arg: str) -> tuple[str, Field, str] | None:
    """The field ``/field``'s ``arg`` names and the value it gives, with the words that
    named it; None when none of its first words names a field. A label may be several
    words, as the member's notice shows it ("Printer name 3F-MFP-02"), and end with a
    colon, as a sheet's line does ("Printer name: 3F", 「プリンタ名：3F」); the longest
    label that names a field is taken, and the rest is the value as written."""
    words = arg.split()
    for k in range(min(len(words), _MAX_LABEL_WORDS), 0, -1):
        label = " ".join(words[:k])
        rest = arg.split(None, k)[k] if len(words) > k else ""
        end = _LABEL_END.search(label)
        if end is not None:  # 「プリンタ名：3F」: the value starts in the label's word
            label, rest = label[: end.start()], f"{label[end.end() :]} {rest}"
        field = field_named(entry, label) if label else None
        if field is not None and rest.strip():
            return label, field, rest.strip()
    return None


def unknown_field(entry: Entry, word: str) -> Msg:
    """Why ``word`` sets nothing on ``entry``'s sheet, with the field meant or the fields."""
    entry_said = entry.said()
    if not entry.fields:
        return N_(
            "unknown field '{name}': entry '{entry}' has no parameter sheet",
            name=visible(word),
            entry=entry_said,
        )
    likely = _meant(entry, word)
    if likely is not None:
        return N_(
            "unknown field '{name}' for entry '{entry}'; did you mean {known}?",
            name=visible(word),
            entry=entry_said,
            known=field_said(likely),
        )
    return N_(
        "unknown field '{name}' for entry '{entry}'; its fields are: {fields}",
        name=visible(word),
        entry=entry_said,
        fields=listed_said([field_said(f) for f in entry.fields]),
    )


def field_said(field: Field) -> Msg | str:
    """Its label in each reader's language with the name ``/field`` takes beside it
    (部屋番号（room_no）, Room number (room_no)); the name alone when it has no label."""
    labels = {loc: field.label(loc) for loc in LOCALES}
    if all(label == field.name for label in labels.values()):
        return field.name
    return N_("{name} ({id})", name=labels, id=field.name)


def _meant(entry: Entry, word: str) -> Field | None:
    """The field whose name or one label ``word`` begins or nearly is, when only one is."""
    spelled: dict[str, set[str]] = {}
    for f in entry.fields:
        for said in (f.name, *f.labels.values()):
            spelled.setdefault(normalise(said), set()).add(f.name)
    wanted = normalise(word)
    # a field's name and its labels may all begin with the word (room: room_no, Room
    # number): that is one field meant, not several
    begun = {n for s, names in spelled.items() if s.startswith(wanted) for n in names}
    if len(wanted) >= 3 and len(begun) == 1:
        return entry.field(next(iter(begun)))
    near = meant(wanted, [s for s, names in spelled.items() if len(names) == 1])
    return entry.field(next(iter(spelled[near]))) if near is not None else None
