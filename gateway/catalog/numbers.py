"""A number field's values: read as people write them, kept to the field's rules.

The parameter sheet (:mod:`gateway.catalog.sheet`) reads every value of a ``number``
field here, from mail, the web form, a chat modal and ``/field`` alike, so each door
refuses the same values with the same reason; the web form's input and Slack's
number input carry the same rules (:func:`plain_number` writes their bounds).
Decimal arithmetic throughout: 0.1 + 0.2 is 0.3, and a step of 0.1 is exact.
"""

from __future__ import annotations

import re
from decimal import ROUND_FLOOR, Context, Decimal, InvalidOperation, localcontext

from gateway.catalog.model import Field
from gateway.core.i18n import N_, Msg

MAX_DIGITS = 30  # a number this big is a mistake or an attack, never a field value
# counters written after a quantity (3台, 5名, 10ライセンス), taken off before reading it
_COUNTERS = re.compile(r"(個|台|本|枚|件|名|人|つ|部|冊|箱|式|セット|ライセンス|pcs?)$")
# Room for every digit a value or a quotient of one by a step can have: values and
# steps both have at most MAX_DIGITS digits either side of the point (the catalog
# reader refuses a finer step), so nothing here is ever rounded.
_EXACT = Context(prec=4 * MAX_DIGITS + 10)


def read_number(text: str) -> tuple[str, Msg | None]:
    """``(value as plain digits, None)`` or ``("", reason)``: commas, spaces and a
    counter (３台) are how people write a quantity, not part of it. A number with more
    digits than a field keeps is refused as too long, naming the limit: it is a number,
    and "not a number" sent people looking for a typo."""
    number = _parsed(text)
    if isinstance(number, Msg):
        return "", number
    problem = _too_long(number)
    return ("", problem) if problem is not None else (plain_number(number), None)


def field_number(f: Field, text: str) -> tuple[str, Msg | None]:
    """``text`` read for the number field ``f`` (every door's sheet): a value past the
    field's ``min`` or ``max`` is refused with that bound, however long it is (400
    nines under ``max: 500`` is "at most 500", as 501 is); else as :func:`read_number`,
    then kept to the field's rules (:func:`bounded`)."""
    number = _parsed(text)
    if isinstance(number, Msg):
        return "", number
    if f.minimum is not None and number < f.minimum:  # exact, at any length
        return "", N_("must be at least {least}", least=plain_number(f.minimum))
    if f.maximum is not None and number > f.maximum:
        return "", N_("must be at most {most}", most=plain_number(f.maximum))
    return bounded(f, *read_number(text))


def _parsed(text: str) -> Decimal | Msg:
    cleaned = text.replace(",", "").replace(" ", "")
    cleaned = _COUNTERS.sub("", cleaned)
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        return N_("not a number")
    if not number.is_finite():  # inf, nan
        return N_("not a number")
    return number


def _too_long(number: Decimal) -> Msg | None:
    """More than MAX_DIGITS digits before the point, or after it (trailing zeros
    aside): refused, the limit named."""
    if number and number.adjusted() >= MAX_DIGITS:
        return N_("too large: at most {digits} digits before the decimal point", digits=MAX_DIGITS)
    if _places(number) > MAX_DIGITS:
        return N_("too many decimal places: at most {digits}", digits=MAX_DIGITS)
    return None


def _places(number: Decimal) -> int:
    """How many digits ``number`` has after the point, its trailing zeros left out."""
    _, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)  # finite
    kept = len(digits)
    while exponent < 0 and kept and digits[kept - 1] == 0:
        kept -= 1
        exponent += 1
    return max(0, -exponent)


def bounded(f: Field, value: str, problem: Msg | None) -> tuple[str, Msg | None]:
    """A number outside the field's ``min``/``max`` refused, the bound named; one off
    its ``step`` refused with the values nearest to it (a whole number, said so)."""
    if problem is not None:
        return value, problem
    number = Decimal(value)
    if f.minimum is not None and number < f.minimum:
        return "", N_("must be at least {least}", least=plain_number(f.minimum))
    if f.maximum is not None and number > f.maximum:
        return "", N_("must be at most {most}", most=plain_number(f.maximum))
    if f.step is None or on_step(f, number):
        return value, None
    if f.whole and f.step == 1:
        return "", N_("must be a whole number")
    below = step_below(f, number)
    with localcontext(_EXACT):
        above = below + f.step
    if f.maximum is not None and above > f.maximum:
        return "", N_(
            "must go in steps of {step}: the nearest is {below}",
            step=plain_number(f.step),
            below=plain_number(below),
        )
    return "", N_(
        "must go in steps of {step}: the nearest are {below} and {above}",
        step=plain_number(f.step),
        below=plain_number(below),
        above=plain_number(above),
    )


def on_step(f: Field, number: Decimal) -> bool:
    """``number`` is the field's step base plus a whole number of steps (any number is,
    for a field without a step)."""
    if f.step is None:
        return True
    with localcontext(_EXACT):
        return (number - f.step_base) % f.step == 0


def step_below(f: Field, number: Decimal) -> Decimal:
    """The field's value on its step nearest to ``number`` from below (or ``number``)."""
    assert f.step is not None
    with localcontext(_EXACT):
        steps = ((number - f.step_base) / f.step).to_integral_value(rounding=ROUND_FLOOR)
        return f.step_base + steps * f.step


def plain_number(number: Decimal) -> str:
    """A bound as a person (and HTML's ``min``/``max``/``step``) writes it: 0, 500, 0.5
    (not 5E+2)."""
    if number == number.to_integral_value():
        return str(int(number))
    return format(number.normalize(_EXACT), "f")  # the default context keeps 28 digits


def number_example(f: Field) -> str:
    """1, or the value the field takes nearest to it: an example that is taken."""
    least = Decimal(1) if f.minimum is None else max(Decimal(1), f.minimum)
    if f.step is not None and not on_step(f, least):
        least = step_below(f, least) + f.step
    if f.maximum is not None and least > f.maximum:
        least = f.step_base if f.step is not None else f.maximum
    return plain_number(least)
