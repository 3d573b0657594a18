"""What a page of the ``/ticket`` form shows filled in: the values typed on it before
(kept in the form's draft while the person went to another page), each as its input
takes it. Pure.

Slack refuses a whole view whose initial value does not fit its input (a menu's
option that is not among its options, a number outside its bounds, a date not
``YYYY-MM-DD``): such a value is left out, and the page is checked when sent anyway.
A text longer than its input takes (Slack counts UTF-16 units) is cut to fit. Either
way :func:`fill` says the value is not shown whole, and the page says so.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any

from gateway.catalog.model import Field
from gateway.chat.slack import menus
from gateway.core import slack_length

DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def fill(element: dict[str, Any], f: Field, value: str, choices: Sequence[menus.Choice]) -> bool:
    """Give ``element`` (the input of ``f``) ``value`` as its initial value, if it takes
    it; ``choices``: the menu's (a choice field's). Whether it is shown whole."""
    if not value:
        return True
    kind = element.get("type")
    if kind in ("static_select", "external_select"):
        token = menus.value_of(value)
        chosen = next((c for c in choices if c.value == token), None)
        if chosen is not None:
            element["initial_option"] = menus.option(chosen)
        return chosen is not None
    if kind == "datepicker" and DATE.fullmatch(value):
        element["initial_date"] = value
        return True
    if kind == "number_input" and _in_bounds(f, value):
        element["initial_value"] = value
        return True
    if kind == "plain_text_input":
        return text(element, value)
    return False


def text(element: dict[str, Any], value: str) -> bool:
    """Give a text input ``value`` as its initial value, cut to its ``max_length`` (Slack
    refuses the whole view past it); whether it is shown whole."""
    most, whole = int(element.get("max_length", 3000)), value
    while slack_length.units(value) > most:  # Slack's own limit: only ever ours cut
        value = slack_length.cut(value, len(value) - (slack_length.units(value) - most))
    if value:
        element["initial_value"] = value
    return value == whole


def _in_bounds(f: Field, value: str) -> bool:
    """Whether a number input with ``f``'s bounds takes ``value`` as its initial value."""
    try:
        number = Decimal(value)
    except InvalidOperation:
        return False
    if not number.is_finite() or (f.whole and number != number.to_integral_value()):
        return False
    if f.minimum is not None and number < f.minimum:
        return False
    if f.maximum is None:
        return True
    most = f.maximum.to_integral_value(rounding=ROUND_FLOOR) if f.whole else f.maximum
    return number <= most
