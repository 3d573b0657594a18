"""A page of the ``/ticket`` form shown again as the person left it, with why it cannot
go on: for a form whose kind of request is no longer in the catalog, whose page cannot
be laid out again (no entry to lay it out from). Pure.

Made of the view Slack sent (its blocks, as we sent them) and what its inputs hold
now (its state): each input shows what was typed in it, so nothing is lost by the
press, and the person can copy it into a new form.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from gateway.chat.slack import menus
from gateway.chat.slack.modal import FIELDS_VIEW, MAX_BLOCKS, TEXT, VALUE
from gateway.core.i18n import N_, Msg, translate

MAX_HEADING = 10  # Slack's most elements in a context block
INITIAL = ("initial_value", "initial_date", "initial_option")  # what an input shows typed


def as_left(view: Mapping[str, Any], locale: str, notice: Msg) -> dict[str, Any]:
    """``view`` with what its inputs hold now as their initial values, and ``notice``
    said under its heading (once, however often it is pressed)."""
    values = (view.get("state") or {}).get("values") or {}
    blocks = [copy.deepcopy(b) for b in view.get("blocks") or [] if isinstance(b, dict)]
    for block in blocks:
        held = values.get(block.get("block_id")) if isinstance(values, dict) else None
        element = block.get("element")
        if block.get("type") == "input" and isinstance(held, dict) and isinstance(element, dict):
            _fill(element, held.get(VALUE))
    said = menus.plain(translate(notice, locale), 2000)
    heading = blocks[0].get("elements") if blocks and blocks[0].get("type") == "context" else None
    if isinstance(heading, list) and len(heading) < MAX_HEADING:
        if said not in heading:
            heading.append(said)
    else:
        blocks.insert(0, {"type": "context", "elements": [said]})
    last = any(b.get("block_id") == TEXT for b in blocks)
    submit = N_("Create ticket") if last else N_("Next")
    return {
        "type": "modal",
        "callback_id": str(view.get("callback_id") or FIELDS_VIEW),
        "title": _plain(view.get("title"), N_("New ticket"), locale),
        "submit": _plain(view.get("submit"), submit, locale),
        "close": _plain(view.get("close"), N_("Cancel"), locale),
        "blocks": blocks[:MAX_BLOCKS],
        "private_metadata": str(view.get("private_metadata") or ""),
    }


def _fill(element: dict[str, Any], held: object) -> None:
    """The input ``element`` shows ``held`` (its state: the value typed, the date or
    the option chosen; none: left empty)."""
    if not isinstance(held, dict):
        return
    for key in INITIAL:
        element.pop(key, None)
    if isinstance(held.get("selected_option"), dict):
        element["initial_option"] = held["selected_option"]
    elif held.get("selected_date"):
        element["initial_date"] = str(held["selected_date"])
    elif isinstance(held.get("value"), str) and held["value"]:
        element["initial_value"] = held["value"]


def _plain(given: object, ours: Msg, locale: str) -> dict[str, Any]:
    """The view's own title or button text as Slack sent it, else ours."""
    if isinstance(given, dict) and given.get("type") == "plain_text" and given.get("text"):
        return dict(given)
    return menus.plain(translate(ours, locale), 24)
