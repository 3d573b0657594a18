"""A number field of the catalog as the form's ``<input type="number">``.

The catalog's ``min``, ``max`` and ``step`` go on the input, so the browser keeps
what it sends to them (and a phone shows a keypad of digits for a whole number).
The form is ``novalidate``: a browser's own bubbles speak the browser's language,
not the page's. ``static/numbers.js`` asks the browser whether a value keeps the
rules and says why not in the words of ``data-*`` attributes, the very reasons the
server gives (:func:`gateway.catalog.sheet.validate`), which checks them again.
"""

from __future__ import annotations

from gateway.catalog.model import Field
from gateway.catalog.numbers import MAX_DIGITS, plain_number
from gateway.core.i18n import N_, Msg


def number_input(f: Field) -> dict[str, str | Msg]:
    """The input's attributes (after ``type="number"``), each rule with its reason."""
    attrs: dict[str, str | Msg] = {
        # digits only where a minus sign and a point are never needed
        "inputmode": "numeric" if f.whole and f.step_base >= 0 else "decimal",
        # without it HTML takes whole numbers only (step 1 is its default)
        "step": plain_number(f.step) if f.step is not None else "any",
        # the browser's badInput: a typo, or a number past what it can hold (400 digits),
        # which it cannot tell apart; the server says which (catalog.numbers)
        "data-nan": N_(
            "not a number, or more than {digits} digits before the decimal point",
            digits=MAX_DIGITS,
        ),
    }
    if f.minimum is not None:
        attrs["min"] = plain_number(f.minimum)
        attrs["data-under"] = N_("must be at least {least}", least=plain_number(f.minimum))
    if f.maximum is not None:
        attrs["max"] = plain_number(f.maximum)
        attrs["data-over"] = N_("must be at most {most}", most=plain_number(f.maximum))
    if f.step is not None:
        attrs["data-step"] = (
            N_("must be a whole number")
            if f.whole and f.step == 1
            else N_(
                "must go in steps of {step} from {base}",
                step=plain_number(f.step),
                base=plain_number(f.step_base),
            )
        )
    return attrs
