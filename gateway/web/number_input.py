"""A number field of the catalog as the form's input: text, with a keypad of digits.

Not ``<input type="number">``: that one takes digits only, so ``1万``, ``３台`` or
``12,000``, which the mail sheet reads (:mod:`gateway.catalog.numbers`), could not be
typed, and without scripts a browser sent a value it could not read as empty (a
required field said "required", an optional one was left out unsaid). The server
reads every value with the sheet's reader (:func:`gateway.catalog.sheet.validate`).

The catalog's ``min``, ``max`` and ``step`` go on the input as ``data-*``, each with
its reason in the page's words: ``static/numbers.js`` stops a plain number off them
before anything is sent, as the server would say it, and leaves any other writing to
the server. The form is ``novalidate``: a browser's own bubbles speak the browser's
language, not the page's.
"""

from __future__ import annotations

from gateway.catalog.model import Field
from gateway.catalog.numbers import plain_number
from gateway.core.i18n import N_, Msg


def number_input(f: Field) -> dict[str, str | Msg]:
    """The input's attributes (after ``type="text"``), each rule with its reason."""
    attrs: dict[str, str | Msg] = {
        # digits only where a minus sign and a point are never needed; a phone's keypad
        # has a key to the letters, for 万 or 台
        "inputmode": "numeric" if f.whole and f.step_base >= 0 else "decimal",
        "data-number": "1",
    }
    if f.minimum is not None:
        attrs["data-min"] = plain_number(f.minimum)
        attrs["data-under"] = N_("must be at least {least}", least=plain_number(f.minimum))
    if f.maximum is not None:
        attrs["data-max"] = plain_number(f.maximum)
        attrs["data-over"] = N_("must be at most {most}", most=plain_number(f.maximum))
    if f.step is not None:
        attrs["data-step"] = plain_number(f.step)
        attrs["data-base"] = plain_number(f.step_base)
        attrs["data-off-step"] = (
            N_("must be a whole number")
            if f.whole and f.step == 1
            else N_(
                "must go in steps of {step} from {base}",
                step=plain_number(f.step),
                base=plain_number(f.step_base),
            )
        )
    return attrs
