"""The ``/ticket`` form as Slack modal views, and reading it back. Pure.

Step one chooses a catalog entry (names in the person's language); step two is that entry's fields
— the same definitions as mail and the web form — plus a subject and the text. What the person
typed is checked by the catalog's own rules (:mod:`gateway.chat.slack.modal_check`); a value it
rejects comes back to the modal as an error under its own block (Slack's ``response_action:
errors``). Where the form was opened (channel, thread, permalink) and when travels in
``private_metadata``, which Slack hands back unchanged.

An entry with more fields than one view holds (Slack's 100 blocks; the entry's name,
the subject and the details take three) is asked in pages (:func:`pages`): each page
is checked when sent and replaced by the next; what the earlier pages held is kept on
our side (:mod:`store.slack_drafts`), since Slack hands back only the page on screen.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR
from typing import Any

from gateway.catalog.model import Catalog, Entry, Field
from gateway.catalog.numbers import plain_number
from gateway.chat.slack import menus, prefill
from gateway.chat.slack.menus import VALUE as VALUE
from gateway.core import slack_length
from gateway.core.i18n import LOCALES, N_, Msg, translate
from gateway.core.text import bare
from gateway.core.title import one_line

ENTRY_VIEW, FIELDS_VIEW = "ticket_entry", "ticket_fields"  # the views' callback ids
SUBJECT, TEXT, ENTRY, PAGES = "subject", "text", "entry", "pages"  # block ids
BACK = "ticket_back"  # the action id of a page's Back button (pages after the first)
FIELD = "field:"  # block id prefix of a catalog field
MAX_TEXT = 3000  # Slack's longest plain_text_input
MAX_METADATA = 3000  # Slack's longest private_metadata (UTF-16 units); longer: no form
MAX_BLOCKS = 100  # Slack's most blocks in a view; more: no form at all
PAGE_FIELDS = MAX_BLOCKS - 3  # a page's fields beside the entry's name, and the subject
# (the first page) or the details and the Back button (the last)
MAX_BLOCK_ID = 255  # Slack's longest block id


@dataclass(frozen=True, slots=True)
class Typed:
    """What step two holds."""

    subject: str
    text: str
    fields: dict[str, str]  # field name → value as entered ("" left out)


def entry_picker(
    catalog: Catalog, locale: str, meta: Mapping[str, str], *, notice: Msg | None = None
) -> dict[str, Any]:
    """Step one: which kind of request (the catalog's entries, fallback last; past the 100
    options of Slack's menu, each found by its name as typed: :func:`suggestions`), and
    ``notice`` above (why it is asked again)."""
    block = {
        "type": "input",
        "block_id": ENTRY,
        "label": _plain(N_("What is it about?"), locale),
        "element": menus.menu(entry_choices(catalog, locale), _plain(N_("Choose one"), locale)),
    }
    said = [{"type": "context", "elements": [_plain(notice, locale, 2000)]}] if notice else []
    return _view(ENTRY_VIEW, locale, N_("Next"), [*said, block], meta)


def entry_choices(catalog: Catalog, locale: str) -> list[menus.Choice]:
    """The catalog's entries as the menu offers them: named in ``locale``, found by their
    name in any language or their id; the fallback (for what fits nowhere else) last,
    and always offered."""
    entries = [e for e in catalog.entries if not e.fallback]
    entries += [e for e in catalog.entries if e.fallback]
    return [
        menus.choice(e.name(locale), e.id, (*e.said().values(), e.id), always=e.fallback)
        for e in entries
    ]


def field_choices(f: Field, locale: str) -> list[menus.Choice]:
    """A choice field's values as its menu offers them: the label in ``locale``, found
    by any of its labels or the value itself."""
    return [
        menus.choice(
            f.choice_label(c, locale),
            menus.value_of(c),
            (c, *(f.choice_label(c, loc) for loc in LOCALES)),
        )
        for c in f.choices
    ]


def suggestions(
    catalog: Catalog, block_id: str, typed: str, view: Mapping[str, Any], default_locale: str
) -> list[dict[str, Any]]:
    """The options of a long menu for what the person typed (Slack's
    ``block_suggestion``): the entries of step one, or a choice field's values of step
    two (its entry named in the view's metadata); none for a menu that is not ours."""
    meta = metadata(view)
    locale = meta.get("locale") or default_locale
    if block_id == ENTRY:
        return menus.suggested(entry_choices(catalog, locale), typed)
    entry = catalog.entry(meta.get("entry"))
    f = field_at(entry, block_id) if entry is not None else None
    if f is None or f.type != "choice":
        return []
    return menus.suggested(field_choices(f, locale), typed)


def pages(entry: Entry) -> list[tuple[Field, ...]]:
    """The entry's fields as the form's pages: one page when they fit in a view, else
    as few pages as hold them, of even size, in the catalog's order."""
    count = max(1, -(-len(entry.fields) // PAGE_FIELDS))
    size = -(-len(entry.fields) // count) if entry.fields else 0
    return [entry.fields[n * size : (n + 1) * size] for n in range(count)]


def page_of(meta: Mapping[str, str], entry: Entry) -> int:
    """The page of the form on screen (0: the first), within the entry's pages."""
    raw = meta.get("page", "0")
    page = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 4 else 0
    return min(page, len(pages(entry)) - 1)


def block_of(f: Field) -> str:
    """The block id of a field's input: ``field:`` and its name, or a token made of the
    name when that is longer than Slack's 255 (:func:`field_at` reads either back)."""
    block = FIELD + f.name
    if slack_length.units(block) <= MAX_BLOCK_ID:
        return block
    return FIELD + "#" + hashlib.sha256(f.name.encode("utf-8", "surrogatepass")).hexdigest()


def field_at(entry: Entry, block_id: str) -> Field | None:
    """The field whose input is the block ``block_id`` (None: no field of the entry)."""
    return next((f for f in entry.fields if block_of(f) == block_id), None)


def fields_form(
    entry: Entry,
    locale: str,
    meta: Mapping[str, str],
    *,
    text: str = "",
    page: int = 0,
    filled: Mapping[str, str] | None = None,
    subject: str = "",
    notice: Msg | None = None,
) -> dict[str, Any]:
    """Step two: subject, the entry's fields, the text (pre-filled from a message); of
    an entry in pages, page ``page``: the subject on the first, the text on the last
    (a message's, carried in the metadata until then; once typed, kept in the draft),
    "Page n of m" under the entry's name, and a Back button on every page after the
    first. ``filled``, ``subject``: what the page shows typed in (kept from before), and
    what it cannot show as typed is named under the heading; ``notice``: said there."""
    book = pages(entry)
    last = page == len(book) - 1
    said = _words(entry.name(locale), 2000)
    heading: list[dict[str, Any]] = [said]  # plain text: a "*" in a name is no bold
    if len(book) > 1:
        where = N_("Page {page} of {pages}", page=page + 1, pages=len(book))
        heading.append(_plain(where, locale, 2000))
    if notice is not None:
        heading.append(_plain(notice, locale, 2000))
    blocks: list[dict[str, Any]] = [{"type": "context", "elements": heading}]
    cut: list[str] = []  # the labels of what is not shown again whole
    if page == 0:
        element = _text_input(max_length=250)
        if not prefill.text(element, subject):
            cut.append(translate(N_("Subject"), locale))
        blocks.append(_input(SUBJECT, _plain(N_("Subject"), locale), element))
    for f in book[page]:
        element = _element(f, locale)
        if not prefill.fill(element, f, (filled or {}).get(f.name, ""), _choices_of(f, locale)):
            cut.append(_label(f, locale)["text"])
        block = _input(block_of(f), _label(f, locale), element)
        block["optional"] = not f.required
        blocks.append(block)
    kept = {**meta, "entry": entry.id, "page": str(page), "shape": shape(entry)}
    if last:
        kept.pop("text", None)
        details = _text_input(multiline=True, max_length=MAX_TEXT)
        if not prefill.text(details, text):
            cut.append(translate(N_("Details"), locale))
        body = _input(TEXT, _plain(N_("Details"), locale), details)
        body["optional"] = True
        blocks.append(body)
    else:
        kept.pop("text", None)
        if text:
            kept["text"] = text  # for the last page's details (cut to fit, as a message's)
    if page > 0:
        blocks.append(_back_button(locale, page))
    if cut:  # longer than its input takes (Slack's limit), or a value it refuses
        names = translate(N_(", "), locale).join(cut)
        why = N_(
            "Not shown again as typed (too long for its input, out of its range, or no "
            "longer a choice): {names}. Please check before sending.",
            names=names,
        )
        heading.append(_plain(why, locale, 2000))
    submit = N_("Create ticket") if last else N_("Next")
    return _view(FIELDS_VIEW, locale, submit, blocks, kept)


def shape(entry: Entry) -> str:
    """A short digest of how the entry's form is laid out (its pages, the fields on
    each): a form opened before the catalog changed that reads back otherwise (a field
    renamed, moved to another page, gone) is told apart from the current one."""
    names = [[f.name for f in page] for page in pages(entry)]
    digest = hashlib.sha256(json.dumps(names, ensure_ascii=False).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:16]


def _back_button(locale: str, page: int) -> dict[str, Any]:
    """The Back button (a view's submit button only goes forward): pressed, Slack sends
    a ``block_actions`` with what the page holds, and the page before replaces it."""
    back = _plain(N_("Back"), locale, 75)
    button = {"type": "button", "action_id": BACK, "text": back, "value": str(page - 1)}
    return {"type": "actions", "block_id": PAGES, "elements": [button]}


def _choices_of(f: Field, locale: str) -> list[menus.Choice]:
    return field_choices(f, locale) if f.type == "choice" and f.choices else []


def metadata(view: Mapping[str, Any]) -> dict[str, str]:
    """The view's private_metadata (what we put there; {} when it is not ours)."""
    try:
        data = json.loads(str(view.get("private_metadata") or "{}"))
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def chosen_entry(view: Mapping[str, Any]) -> str:
    return _read(_input_of(_state(view), ENTRY))


def typed(view: Mapping[str, Any], entry: Entry, page: int = 0) -> Typed:
    """What the page ``page`` of the form holds (the subject: on the first page only)."""
    values = _state(view)
    fields = {}
    for f in pages(entry)[page]:
        raw = _read(_input_of(values, block_of(f)))
        if f.type == "choice":  # a long choice travels as its token (menus.value_of)
            raw = {menus.value_of(c): c for c in f.choices}.get(raw, raw)
        if raw.strip():
            fields[f.name] = raw
    return Typed(
        subject=bare(one_line(_read(_input_of(values, SUBJECT)))),  # a paste's U+200B too
        text=_read(_input_of(values, TEXT)),
        fields=fields,
    )


def _label(f: Field, locale: str) -> dict[str, Any]:
    """A field's label as its input shows it; its name when the label is blank (Slack
    refuses an empty text), and a dash when both are."""
    return _words(f.label(locale).strip() or f.name.strip() or "-", 2000)


def _element(f: Field, locale: str) -> dict[str, Any]:
    if f.type == "choice" and f.choices:  # past 100 choices, found as typed (suggestions)
        return menus.menu(field_choices(f, locale), _plain(N_("Choose one"), locale))
    if f.type == "date":
        return {"type": "datepicker", "action_id": VALUE}
    if f.type == "number":
        return _number_input(f)
    element = _text_input(max_length=500)
    if f.example.strip():
        element["placeholder"] = _words(f.example, 150)
    return element


def _number_input(f: Field) -> dict[str, Any]:
    """Block Kit's number input, with the field's bounds and whether it takes a decimal
    point (a whole-number step does not), so the person's client refuses what the
    sheet would; :func:`errors` checks every rule again (the step too, which Block Kit
    cannot say)."""
    element: dict[str, Any] = {
        "type": "number_input",
        "action_id": VALUE,
        "is_decimal_allowed": not f.whole,
    }
    if f.minimum is not None:
        element["min_value"] = plain_number(f.minimum)
    if f.maximum is not None:  # Slack refuses a decimal bound on a whole-number input
        most = f.maximum.to_integral_value(rounding=ROUND_FLOOR) if f.whole else f.maximum
        element["max_value"] = plain_number(most)
    if f.example.strip():
        element["placeholder"] = _words(f.example, 150)
    return element


def _text_input(*, multiline: bool = False, max_length: int) -> dict[str, Any]:
    return {
        "type": "plain_text_input",
        "action_id": VALUE,
        "multiline": multiline,
        "max_length": max_length,
    }


def _input(block_id: str, label: dict[str, Any], element: dict[str, Any]) -> dict[str, Any]:
    return {"type": "input", "block_id": block_id, "label": label, "element": element}


def _view(
    callback: str, locale: str, submit: Msg, blocks: list[dict[str, Any]], meta: Mapping[str, str]
) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback,
        "title": _plain(N_("New ticket"), locale, 24),
        "submit": _plain(submit, locale, 24),
        "close": _plain(N_("Cancel"), locale, 24),
        "blocks": blocks,
        "private_metadata": _metadata(meta),
    }


def _metadata(meta: Mapping[str, str]) -> str:
    """``meta`` as private_metadata, its carried message text cut to fit Slack's limit
    (quotes, line breaks and emoji take more room encoded than they seem)."""
    data = dict(meta)
    while True:
        encoded = json.dumps(data, ensure_ascii=False, sort_keys=True)
        excess = slack_length.units(encoded) - MAX_METADATA
        if excess <= 0 or not data.get("text"):
            return encoded
        data["text"] = slack_length.cut(data["text"], len(data["text"]) - excess)


def _plain(message: Msg, locale: str, limit: int = 150) -> dict[str, Any]:
    return _words(translate(message, locale), limit)


def _words(text: str, limit: int) -> dict[str, Any]:
    """Words from us or the catalog's sheet, as the form shows them (:func:`menus.plain`)."""
    return menus.plain(text, limit)


def _state(view: Mapping[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    state = view.get("state") or {}
    values = state.get("values") if isinstance(state, dict) else None
    return values if isinstance(values, dict) else {}


def _input_of(values: Mapping[str, Any], block_id: str) -> Mapping[str, Any]:
    """One input's state; {} when the block is missing or not shaped as Slack shapes it
    (read as left empty, so the form says what is missing instead of failing)."""
    block = values.get(block_id)
    element = block.get(VALUE) if isinstance(block, dict) else None
    return element if isinstance(element, dict) else {}


def _read(element: Mapping[str, Any]) -> str:
    """The value of one input, whatever its type ("" for one that is not a string)."""
    option = element.get("selected_option")
    if isinstance(option, dict) and option.get("value"):
        return _text(option["value"])
    if element.get("selected_date"):
        return _text(element["selected_date"])
    return _text(element.get("value"))


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
