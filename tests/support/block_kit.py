"""Slack's documented Block Kit limits, checked in one place: by the fake Slack on every
message (``chat.postMessage``, ``chat.update``) and view (``views.open``,
``views.update``) it is sent, and by the tests on what the app answers in an ack (a
view that replaces the form, the options of a long menu). Slack refuses a payload over
any of them whole (``invalid_blocks``, ``invalid_arguments``): no message, no form.

Lengths are counted as Slack counts them, in UTF-16 code units.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

# (where, what): the most Slack takes there
TEXT = 3000  # any text object
FIELD_TEXT, FIELDS = 2000, 10  # a section's fields
HEADER = 150  # a header block's text
LABEL = 2000  # an input block's label and hint
PLACEHOLDER = 150  # an element's placeholder
OPTIONS = 100  # a static_select's options, an option group's, an answer of options
GROUPS = 100  # a static_select's option groups
OPTION_TEXT, OPTION_VALUE = 75, 150  # an option's text (and description), its value
BUTTON_TEXT, BUTTON_VALUE = 75, 2000
ID = 255  # a block_id, an action_id, a callback_id
VIEW_TITLE = 24  # a modal's title, submit and close
VIEW_BLOCKS, MESSAGE_BLOCKS = 100, 50
METADATA = 3000  # a view's private_metadata
CONTEXT_ELEMENTS, ACTIONS_ELEMENTS = 10, 25
INPUT_MAX_LENGTH = 3000  # a plain_text_input's max_length


def units(text: object) -> int:
    return len(str(text).encode("utf-16-le", "surrogatepass")) // 2


def message_problems(blocks: Any) -> list[str]:
    """Why Slack would refuse a message with ``blocks``; [] when it takes it."""
    blocks = list(blocks or ())
    found = [f"{len(blocks)} blocks"] if len(blocks) > MESSAGE_BLOCKS else []
    return found + _same_ids(blocks) + [p for b in blocks for p in _block(b)]


def _same_ids(blocks: list[Any]) -> list[str]:
    """Slack refuses two blocks of one view or message with the same block id."""
    ids = [b.get("block_id") for b in blocks if isinstance(b, Mapping) and b.get("block_id")]
    return [f"block_id {i!r} twice" for i in sorted({i for i in ids if ids.count(i) > 1})]


def view_problems(view: Mapping[str, Any]) -> list[str]:
    """Why Slack would refuse ``view`` (a modal); [] when it takes it."""
    found = [
        f"{key} {units(view[key]['text'])} > {VIEW_TITLE}"
        for key in ("title", "submit", "close")
        if key in view and units(view[key].get("text", "")) > VIEW_TITLE
    ]
    if units(view.get("private_metadata", "")) > METADATA:
        found.append("private_metadata too long")
    if units(view.get("callback_id", "")) > ID:
        found.append("callback_id too long")
    blocks = list(view.get("blocks") or ())
    if len(blocks) > VIEW_BLOCKS:
        found.append(f"{len(blocks)} blocks")
    return found + _same_ids(blocks) + [p for b in blocks for p in _block(b)]


def options_problems(answer: Mapping[str, Any]) -> list[str]:
    """Why Slack would show nothing of an answer to a ``block_suggestion``."""
    found: list[str] = []
    if "options" in answer:
        found += _options(answer["options"], "options")
    if "option_groups" in answer:
        found += _groups(answer["option_groups"])
    return found


def _block(block: Mapping[str, Any]) -> Iterator[str]:
    kind = block.get("type")
    if units(block.get("block_id", "")) > ID:
        yield "block_id too long"
    text = block.get("text")
    if isinstance(text, dict):
        yield from _text(text, HEADER if kind == "header" else TEXT, f"{kind} text")
    fields = list(block.get("fields") or ())
    if len(fields) > FIELDS:
        yield f"{len(fields)} fields"
    for f in fields:
        yield from _text(f, FIELD_TEXT, "field")
    elements = list(block.get("elements") or ())
    most = {"context": CONTEXT_ELEMENTS, "actions": ACTIONS_ELEMENTS}.get(str(kind))
    if most is not None and len(elements) > most:
        yield f"{len(elements)} {kind} elements"
    for e in elements:
        yield from (
            _element(e)
            if e.get("type") not in ("plain_text", "mrkdwn")
            else _text(e, TEXT, "context text")
        )
    if kind == "input":
        yield from _text(block.get("label") or {}, LABEL, "label")
        if "hint" in block:
            yield from _text(block["hint"], LABEL, "hint")
        yield from _element(block.get("element") or {})
    if isinstance(block.get("accessory"), dict):
        yield from _element(block["accessory"])


def _element(e: Mapping[str, Any]) -> Iterator[str]:
    kind = str(e.get("type", ""))
    if units(e.get("action_id", "")) > ID:
        yield "action_id too long"
    if "placeholder" in e:
        yield from _text(e["placeholder"], PLACEHOLDER, f"{kind} placeholder")
    if kind == "button":
        yield from _text(e.get("text") or {}, BUTTON_TEXT, "button text")
        if units(e.get("value", "")) > BUTTON_VALUE:
            yield "button value too long"
    if kind in ("static_select", "multi_static_select"):
        if "options" in e and "option_groups" in e:
            yield f"{kind} with options and option_groups"
        if "options" in e:
            yield from _options(e["options"], kind)
        elif "option_groups" in e:
            yield from _groups(e["option_groups"])
        else:
            yield f"{kind} without options"
    if kind in ("external_select", "multi_external_select"):
        if "options" in e or "option_groups" in e:
            yield f"{kind} with options of its own"
        if not isinstance(e.get("min_query_length", 0), int):
            yield "min_query_length not a number"
    if kind == "plain_text_input":
        most = int(e.get("max_length", INPUT_MAX_LENGTH))
        if not 1 <= most <= INPUT_MAX_LENGTH:
            yield "max_length out of range"
        if units(e.get("initial_value", "")) > most:
            yield "initial_value longer than max_length"
    if kind == "number_input":
        yield from _number(e)
    date = str(e.get("initial_date", "2026-01-01"))
    if kind == "datepicker" and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
        yield "initial_date not YYYY-MM-DD"


def _number(e: Mapping[str, Any]) -> Iterator[str]:
    """A number input: its bounds are numbers in strings (whole ones when no decimal
    point is allowed), the least not above the most, the initial value between them."""
    bounds: dict[str, Decimal] = {}
    for key in ("min_value", "max_value", "initial_value"):
        if key not in e:
            continue
        raw = e[key]
        try:
            value = Decimal(raw) if isinstance(raw, str) else Decimal("NaN")
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite():
            yield f"number_input {key} {raw!r} not a number"
            continue
        if not e.get("is_decimal_allowed") and value != value.to_integral_value():
            yield f"number_input {key} {raw!r} with a decimal point"
        bounds[key] = value
    least, most = bounds.get("min_value"), bounds.get("max_value")
    if least is not None and most is not None and least > most:
        yield "number_input min_value above max_value"
    first = bounds.get("initial_value")
    if first is not None and (
        (least is not None and first < least) or (most is not None and first > most)
    ):
        yield "number_input initial_value out of bounds"


def _options(options: Any, where: str) -> Iterator[str]:
    options = list(options or ())
    if not options or len(options) > OPTIONS:
        yield f"{where}: {len(options)} options"
    for o in options:
        yield from _text(o.get("text") or {}, OPTION_TEXT, "option text")
        if "description" in o:
            yield from _text(o["description"], OPTION_TEXT, "option description")
        if not o.get("value") or units(o["value"]) > OPTION_VALUE:
            yield f"option value {o.get('value')!r}"


def _groups(groups: Any) -> Iterator[str]:
    groups = list(groups or ())
    if not groups or len(groups) > GROUPS:
        yield f"{len(groups)} option groups"
    for g in groups:
        yield from _text(g.get("label") or {}, OPTION_TEXT, "option group label")
        yield from _options(g.get("options"), "option group")


def _text(obj: Mapping[str, Any], limit: int, where: str) -> Iterator[str]:
    if not isinstance(obj, Mapping) or obj.get("type") not in ("plain_text", "mrkdwn"):
        yield f"{where}: not a text object"
        return
    if not str(obj.get("text", "")) or units(obj.get("text", "")) > limit:
        yield f"{where}: {units(obj.get('text', ''))} units, at most {limit}"
