"""Parameter sheets: typed field values out of a request's own text.

Two forms are read from ``new_text`` (never from quoted history, so a reply
does not re-submit the values of the mail it quotes):

* ``key: value`` lines, with the full-width colon ``：`` too, optionally after
  a bullet (``-``, ``・``, ``*``, ``■``…) or a list's number (``1.``, ``(1)``, ``①``),
  and ``【key】value`` lines, as Japanese forms label theirs;
* a fenced block (```` ```yaml ```` … ```` ``` ````) holding a YAML mapping.

A key counts only when it names a field of the entry — its name or its label
in any locale, compared after NFKC + case folding — so ordinary prose such as
"Note: …" is left alone. Values are checked by type; the ones that fail are
returned with a reason instead of being stored: a
:class:`~gateway.core.i18n.Msg`, said in the reader's language (a transcript,
the CLI), English in events.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import yaml

from gateway.catalog.dates import dated
from gateway.catalog.model import Entry, Field
from gateway.catalog.numbers import field_number, number_example
from gateway.core.domains import BadDomain, ascii_domain
from gateway.core.i18n import LOCALES, N_, Msg, translate
from gateway.core.text import bare, lone_surrogates_replaced, normalise

# Linear whatever the text (issue #14): a line is split at its first colon by string
# methods, fences are found line by line, and the e-mail pattern has no two runs that
# can share a character. A line longer than MAX_LINE is prose, not a field.
MAX_LINE = 2000
MAX_TEXT = 64 * 1024  # a sheet is at the top of a request; pasted logs below are not read
MAX_KEY = 60
MAX_YAML = 16 * 1024  # a fenced sheet; a bigger block is pasted data, not parsed
_BULLETS = "-*・●•■□◆◇○◎"
_COLON = re.compile("[:：]")
# the key/value separator of a line without a colon: lines pasted from Excel or a
# spreadsheet are cells apart by tabs (``台数<TAB>3``); a run of them is a blank cell
_TAB = re.compile("\t+")
# a Japanese form's label: 【希望納期】2026/4/1 (a colon after the bracket may be written)
_LENTICULAR = re.compile("【([^【】]+)】[ \t]*[:：]?")
# a numbered list's number before the key: 1. 1) (1) １． （１） ① … ⑳
_NUMBER = re.compile("(?:[(（]?[0-9０-９]{1,2}[.)．）、]|[\u2460-\u2473])[ \t]*")
_FENCE_OPEN = re.compile(r"[ \t]*```[ \t]*(?:ya?ml)?[ \t]*", re.IGNORECASE)
_FENCE_CLOSE = re.compile(r"[ \t]*```[ \t]*")
_EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>][^@\s<>.]*\.[^@\s<>]+")


@dataclass(frozen=True, slots=True)
class BadValue:
    field: str
    value: str
    why: Msg  # said in the reader's language

    @property
    def reason(self) -> str:
        """In English, for events and ``--json``."""
        return str(self.why)


@dataclass(frozen=True, slots=True)
class Sheet:
    values: dict[str, str]  # field name → canonical value (ISO date, plain number, …)
    rejected: tuple[BadValue, ...]


def parse_sheet(entry: Entry, new_text: str, today: date | None = None) -> Sheet:
    """The entry's fields found in ``new_text`` (its first MAX_TEXT characters); later
    mentions override earlier ones. ``today``: the day the mail came in the team's zone,
    which a date without its year (``4/1``) is the next such day from."""
    keys = _key_index(entry)
    values: dict[str, str] = {}
    rejected: list[BadValue] = []
    for raw_key, raw_value in _pairs(new_text[:MAX_TEXT]):
        f = keys.get(_key(raw_key))
        if f is None:
            continue
        value, problem = validate(f, raw_value, today)
        if problem is not None:
            rejected.append(BadValue(f.name, raw_value, problem))
            values.pop(f.name, None)
        else:
            values[f.name] = value
    kept = tuple(r for r in rejected if r.field not in values)
    return Sheet(values, kept)


def sheet_from_values(entry: Entry, entered: Mapping[str, str], today: date | None = None) -> Sheet:
    """A sheet typed into a form or a chat modal, checked by the same rules as mail:
    each value through :func:`validate`; a name the entry does not have is rejected.
    ``today``: the day it was submitted in the team's zone, as :func:`parse_sheet`'s."""
    values: dict[str, str] = {}
    rejected: list[BadValue] = []
    for name, entered_raw in entered.items():
        raw = lone_surrogates_replaced(entered_raw)  # a chat modal's JSON escape, "\ud800"
        f = entry.field(name)
        if f is None:
            rejected.append(BadValue(name, raw, N_("unknown field")))
            continue
        if not bare(raw):
            continue  # left empty (or only characters nobody sees): missing, not wrong
        value, problem = validate(f, raw, today)
        if problem is None:
            values[f.name] = value
        else:
            rejected.append(BadValue(f.name, raw, problem))
    return Sheet(values, tuple(rejected))


def field_problems(
    entry: Entry, entered: Mapping[str, str], today: date | None = None
) -> tuple[Sheet, dict[str, Msg]]:
    """A form's or a chat modal's sheet, checked: the valid values, and per field what
    is wrong (the same reasons a mail's transcript gives, or "required" when empty).
    One function, so the web form, the Slack modal and the runner agree. ``today``: the
    day it is submitted in the team's zone (a date without its year counts from it)."""
    sheet = sheet_from_values(entry, {k: v for k, v in entered.items() if bare(v)}, today)
    problems: dict[str, Msg] = {bad.field: bad.why for bad in sheet.rejected}
    for name, _label in missing_required(entry, sheet.values, "en"):
        problems.setdefault(name, N_("This field is required."))
    return sheet, problems


def missing_required(entry: Entry, values: dict[str, str], locale: str) -> list[tuple[str, str]]:
    """Required fields without a value, as ``(name, label in locale)``, in catalog order."""
    return [
        (f.name, f.label(locale)) for f in entry.fields if f.required and not values.get(f.name)
    ]


def key_to_write(entry: Entry, name: str, label: str) -> str:
    """What the requester is asked to write before the colon: the label in their
    language (a Japanese customer asked to write ``quantity:`` reads an English word
    of ours where 数量 is what the mail names), unless that label would not read back
    as this field (it holds a colon, or another field claims the same key)."""
    if (
        label
        and ":" not in normalise(label)
        and _key_index(entry).get(_key(label)) is entry.field(name)
    ):
        return label
    return name


_TYPE_EXAMPLES = {"date": "2026-04-01", "email": "name@example.com", "number": "1"}


def example_for(f: Field, locale: str = "en") -> str:
    """What to show after the label in the "missing fields" mail: the catalog's own
    example, else the choices (by their labels in ``locale``, which read back as the
    value), else a value of the right type (so the answer parses)."""
    if f.example:
        return f.example
    if f.choices:
        return " / ".join(f.choice_label(c, locale) for c in f.choices)
    if f.type == "number":
        return number_example(f)
    return _TYPE_EXAMPLES.get(f.type, "")


def validate(f: Field, raw: str, today: date | None = None) -> tuple[str, Msg | None]:
    """``(canonical value, None)`` or ``("", reason)``. What nobody sees at the ends
    (white space, a zero-width space or BOM a paste brings along) is not the value.
    ``today``: what a date without its year counts from (:func:`dated`); without it, as
    where a stored value is checked again, such a date is refused."""
    if f.type == "email":
        return _email(raw)
    text = bare(normalise(raw)) if f.type != "text" else bare(raw)
    if not text:
        return "", N_("empty")
    if f.type == "date":
        return dated(text, today)
    if f.type == "number":
        return field_number(f, text)
    if f.type == "choice":
        said = [c for c in f.choices if text in _said(f, c)]
        match = said[0] if len(said) == 1 else None  # a word two choices share says neither
        # the choices as the reader knows them: the labels of their language, as the form
        # and the acknowledgement show them (a plain value is its own label)
        choices = {loc: ", ".join(f.choice_label(c, loc) for c in f.choices) for loc in LOCALES}
        return (match, None) if match else ("", N_("not one of {choices}", choices=choices))
    return text, None


def _email(raw: str) -> tuple[str, Msg | None]:
    """An address as the requester typed it, width aside (NFKC: a full-width ＠ is
    ``@``), in lower case as every address the gateway compares (a sheet's approver is
    matched against the members, ``Boss@`` is ``boss@``): ``lower()``, not case folding,
    which made ``ß`` ``ss``. The domain is mapped as the config and the web form map it
    (IDNA2008 with UTS #46, :mod:`gateway.core.domains`) and kept as they keep it, its
    A-label (``faß.de`` is ``xn--fa-hia.de``, not ``fass.de`` as the old case folding made
    it): an action and a script read the address mail is sent to, and one address is one
    text however it was typed. People read it as written (:meth:`Field.shown`). A domain
    with no IDNA2008 form is refused with its reason."""
    text = bare(unicodedata.normalize("NFKC", raw))
    if not text:
        return "", N_("empty")
    if not _EMAIL.fullmatch(text):
        return "", N_("not an e-mail address")
    local, _, domain = text.rpartition("@")
    try:
        wire = ascii_domain(domain)
    except BadDomain as exc:
        return "", N_(
            "not an e-mail address: the part after @ is no domain name: {why}", why=exc.message
        )
    return f"{local.lower()}@{wire}", None


def same_value(f: Field | None, stored: str | None, value: str) -> bool:
    """Whether ``value`` (canonical, from :func:`validate`) is what the sheet holds as
    ``stored``: an address by its canonical form, so one an older release kept with its
    domain as typed (``a@faß.de``) is the same as its A-label (``a@xn--fa-hia.de``) and
    sending it again changes nothing; any other value as it is stored."""
    if stored is None or f is None or f.type != "email" or stored == value:
        return stored == value
    canonical, problem = _email(stored)
    return problem is None and canonical == value


def _said(f: Field, choice: str) -> set[str]:
    """The ways a requester may write ``choice``: its value or its label in any language,
    and each part of a label that explains itself in brackets, as people shorten it
    (経費（OPEX）: 経費 or OPEX)."""
    words = {normalise(choice).strip()}
    for label in f.choice_labels.get(choice, {}).values():
        words |= _read_back(label)
    return words


def typed_said(f: Field, value: str) -> Mapping[str, str]:
    """A stored value in each reader's language where a member types values (the
    transcript of ``/field`` or ``/category``): a choice by its label with the value
    beside it (マック（mac）), as an entry is named with its id, but not where the label
    says it already (設備投資（CAPEX）: ``CAPEX`` reads back as capex); an address with its
    domain as people write it (faß.de); any other value, and a choice without a label,
    as stored. A parameter of a Msg (core.i18n)."""
    if f.type != "choice" or value not in f.choice_labels:
        return {loc: f.shown(value, loc) for loc in LOCALES}  # an address as written
    out = {}
    for loc in LOCALES:
        label = f.choice_label(value, loc)
        says_it = normalise(value).strip() in _read_back(label)
        out[loc] = label if says_it else translate(N_("{name} ({id})", name=label, id=value), loc)
    return out


def _read_back(label: str) -> set[str]:
    """The words of ``label`` a member may write for its choice: the label, and each
    part of a label that explains itself in brackets (経費（OPEX）: 経費 or OPEX)."""
    word = normalise(label).strip()
    parts = _BRACKETED.fullmatch(word)
    return {word} | ({p.strip() for p in parts.groups() if p.strip()} if parts else set())


# a label and its gloss in brackets (full-width brackets are ASCII after normalise)
_BRACKETED = re.compile(r"([^()]+)\(([^()]+)\)")


def _pairs(text: str) -> list[tuple[str, str]]:
    """(key, value) from the YAML blocks first, then from the lines outside them."""
    lines = text.splitlines()
    out: list[tuple[str, str]] = []
    outside: list[str] = []
    for inside, chunk in _fenced(lines):
        if inside:
            block = "\n".join(chunk) + "\n" if chunk else ""
            out.extend(_yaml_pairs(block) if len(block) <= MAX_YAML else [])
        else:
            outside.extend(chunk)
    for line in outside:
        pair = _line_pair(line)
        if pair is not None and "//" not in pair[0]:  # not a URL's scheme
            out.append(pair)
    return out


def _line_pair(line: str) -> tuple[str, str] | None:
    """``key: value`` (or ``・key：value``, ``1. key: value``, ``【key】value``, or
    ``key<TAB>value`` as a spreadsheet's row is pasted): the key before the first colon
    (the first tab where the line has no colon), 1-60 characters after an optional
    bullet or list number, or the key in 【】 as Japanese forms write it, and a value
    that is not empty."""
    if len(line) > MAX_LINE:
        return None
    start = len(line) - len(line.lstrip())
    if (bracket := _LENTICULAR.match(line, start)) is not None:
        key, rest = bracket.group(1).strip(), line[bracket.end() :]
        value = rest.strip() or rest[-1:]
        return (key, value) if key and len(key) <= MAX_KEY and value else None
    colon = _COLON.search(line)
    cells = colon is None  # a spreadsheet's row: OS<TAB>windows
    colon = colon or _TAB.search(line)
    if colon is None:
        return None
    key = line[: colon.start()].lstrip()
    if key[:1] and key[0] in _BULLETS and key[1:]:
        key = key[1:].lstrip()
    if (number := _NUMBER.match(key)) is not None and key[number.end() :]:
        key = key[number.end() :]
    rest = line[colon.end() :]
    # blank: rejected as empty later; a row's blank cell is a value not given
    key, value = key.rstrip(), rest.strip() or ("" if cells else rest[-1:])
    if not key or len(key) > MAX_KEY or not value:
        return None
    return key, value


def _fenced(lines: list[str]) -> list[tuple[bool, list[str]]]:
    """The lines in runs outside and inside ```` ```yaml ```` fences, in order. A fence
    that never closes is not a fence; the closing lines are looked up once, so a
    thousand openers without an end cost one pass, not a thousand."""
    closers = [i for i, line in enumerate(lines) if _FENCE_CLOSE.fullmatch(line)]
    runs: list[tuple[bool, list[str]]] = []
    start = i = 0
    while i < len(lines):
        if _FENCE_OPEN.fullmatch(lines[i]):
            after = bisect.bisect_right(closers, i)
            if after == len(closers):
                break  # no closer after this opener, so none after any later one either
            end = closers[after]
            runs += [(False, lines[start:i]), (True, lines[i + 1 : end])]
            start = i = end + 1
            continue
        i += 1
    runs.append((False, lines[start:]))
    return runs


def _yaml_pairs(block: str) -> list[tuple[str, str]]:
    try:
        # BaseLoader: every value stays a string, so "2026-03-02" or "007" arrive as written
        data = yaml.load(block, Loader=yaml.BaseLoader)
    except yaml.YAMLError:
        return []
    if not isinstance(data, dict):
        return []
    return [  # "\ud800" in a double-quoted scalar: half a character, read as U+FFFD
        (lone_surrogates_replaced(str(k)), lone_surrogates_replaced(v))
        for k, v in data.items()
        if isinstance(v, str)
    ]


def field_named(entry: Entry, name: str) -> Field | None:
    """The field ``name`` names: its name, else its label in any locale, read as sheet
    lines read keys (width, case, spaces, ``_`` and ``-`` aside). A member's notice shows
    the sheet by its labels, so ``/field プリンタ名 …`` is what a Japanese member writes."""
    return entry.field(name) or _key_index(entry).get(_key(name))


def _key(text: str) -> str:
    return re.sub(r"[\s_\-]+", "", normalise(text))


def _key_index(entry: Entry) -> dict[str, Field]:
    index: dict[str, Field] = {}
    for f in entry.fields:
        for key in (f.name, *f.labels.values()):
            index.setdefault(_key(key), f)
    return index
