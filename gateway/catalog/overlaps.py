"""What ``catalog check`` notes about a valid catalog: keywords two entries share,
entries no keyword reaches, and fields' examples the field would refuse. None is a
mistake for certain (a word may belong to both; an entry may be for the form alone; an
example may be a hint for a person), so they are notes, not problems; but a manager
who wrote トナー under two entries, or ぷりんたー under one and プリンター under another (one
word to the matcher, :func:`gateway.core.text.kana_folded`), should know that a request
with only that word goes to the entry where it weighs most, else to the one listed
first, as the match decides (:mod:`gateway.catalog.match`)."""

from __future__ import annotations

from gateway.catalog.model import LOCALES, Catalog, Entry, Field
from gateway.catalog.sheet import validate
from gateway.core.i18n import N_, Msg

NAMED = 10  # the entries a shared keyword's note names; the rest are counted


def notes(catalog: Catalog) -> list[Msg]:
    """The notes, in catalog order: shared keywords first, then entries without any."""
    holders: dict[tuple[str, bool], dict[str, float]] = {}  # a term as matched → entries
    written: dict[tuple[str, bool], str] = {}  # … and as first written
    for entry in catalog.entries:
        for kw in entry.keywords:
            if kw.regex is not None:  # two patterns' overlap is not decidable here
                continue
            key = (kw.text, kw.cjk)
            written.setdefault(key, kw.source)
            weights = holders.setdefault(key, {})
            weights[entry.id] = max(weights.get(entry.id, 0.0), kw.weight)
    out = [_shared(written[key], weights) for key, weights in holders.items() if len(weights) > 1]
    out += [
        N_(
            "note: {entry} has no keywords: only the web form, Slack and /category file"
            " tickets there",
            entry=e.id,
        )
        for e in catalog.entries
        if not e.keywords and not e.fallback
    ]
    out += [_example(e.id, f) for e in catalog.entries for f in e.fields if _refused(f)]
    out += [note for e in catalog.entries for note in _one_language(e)]
    return out


def _one_language(entry: Entry) -> list[Msg]:
    """A name or a label written in some languages but not all: what its readers in
    the others read instead (:meth:`Entry.name`, :meth:`Field.label`), which a manager
    who wrote ``name: {ja: プリンター}`` should know (English readers read the id). A
    field with no label at all is read by its name in every language, as meant."""
    out: list[Msg] = []
    for loc in LOCALES:
        if entry.names and not entry.names.get(loc):
            out.append(
                N_(
                    "note: {entry} has no name in {locale}: readers in {locale} read {shown!r}",
                    entry=entry.id,
                    locale=loc,
                    shown=entry.name(loc),
                )
            )
    for f in entry.fields:
        for loc in LOCALES:
            if f.labels and not f.labels.get(loc):
                out.append(
                    N_(
                        "note: {entry}: field {field} has no label in {locale}:"
                        " readers in {locale} read {shown!r}",
                        entry=entry.id,
                        field=f.name,
                        locale=loc,
                        shown=f.label(loc),
                    )
                )
    return out


def _refused(f: Field) -> Msg | None:
    """Why the field refuses its own ``example`` (None: it takes it, or has none). The
    "missing fields" mail tells the requester to write the example; one that is a hint
    (``YYYY-MM-DD``) is fine for a person, but a value like ``0`` under ``min: 1`` has
    them write what is then refused."""
    return validate(f, f.example)[1] if f.example else None


def _example(entry: str, f: Field) -> Msg:
    return N_(
        "note: {entry}: the example {example!r} of {field} is not a value it takes"
        " ({problem}); a requester who writes it is refused",
        entry=entry,
        example=f.example,
        field=f.name,
        problem=_refused(f),
    )


def _shared(keyword: str, weights: dict[str, float]) -> Msg:
    """One shared keyword: where a request with only it goes, and why (the match's
    rule: the highest score, a tie to the entry listed first)."""
    ids = list(weights)  # in catalog order
    entries = N_("{some} and {last}", some=", ".join(ids[:-1]), last=ids[-1])
    if len(ids) > NAMED:  # a word under hundreds of entries: one line, not hundreds of ids
        entries = N_("{some} and {count} more", some=", ".join(ids[:NAMED]), count=len(ids) - NAMED)
    heaviest = max(ids, key=lambda i: weights[i])  # the first of the heaviest
    if weights[heaviest] > weights[ids[0]]:
        return N_(
            "note: keyword {keyword!r} is in {entries}: a request with only it goes to"
            " {entry} (its weight is highest)",
            keyword=keyword,
            entries=entries,
            entry=heaviest,
        )
    return N_(
        "note: keyword {keyword!r} is in {entries}: a request with only it goes to"
        " {first} (listed first)",
        keyword=keyword,
        entries=entries,
        first=heaviest,
    )
