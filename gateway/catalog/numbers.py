"""A number field's values: read as people write them, kept to the field's rules.

The parameter sheet (:mod:`gateway.catalog.sheet`) reads every value of a ``number``
field here, from mail, the web form, a chat modal and ``/field`` alike, so each door
refuses the same values with the same reason; the web form's input and Slack's
number input carry the same rules (:func:`plain_number` writes their bounds).
Decimal arithmetic throughout: 0.1 + 0.2 is 0.3, and a step of 0.1 is exact.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Context, Decimal, InvalidOperation, localcontext

from gateway.catalog.model import Field
from gateway.core.i18n import N_, Msg

MAX_DIGITS = 30  # a number this big is a mistake or an attack, never a field value
# What people write around a quantity, taken off before it is read (after NFKC and case
# folding, spaces and commas already out): each table is tried once, in this order —
# the sentence's end, the polite ending, the counter — at the end; then the "about"
# before it. One number must be left; two (3台と5台, 3〜5) or none are refused.
_STOPS = ("。", ".", "!", "、")  # the sentence's end: 3台です。
_ENDINGS = (
    "でお願いいたします",  # 3台でお願いいたします
    "でお願いします",  # 3台でお願いします
    "でおねがいします",  # the same in kana
    "お願いします",  # 3台お願いします
    "でございます",  # the politest です
    "です",  # ３台です
    "ほど",  # 3台ほど: about, as 約 (below)
    "程度",  # 3台程度: the same
    "くらい",  # 3台くらい: the same
    "ぐらい",  # the same, voiced
    "please",  # 3 units please
)
_COUNTERS = (
    # the longer first where one ends another (セット before ト is not a case, but
    # pieces before piece is)
    "ライセンス",  # 10ライセンス
    "セット",  # 2セット
    "個",  # pieces
    "台",  # machines, devices
    "本",  # long things, cables, bottles
    "枚",  # flat things, sheets, cards
    "件",  # cases, items
    "名",  # people, politely
    "人",  # people
    "つ",  # things, counted the native way (三つ)
    "部",  # copies
    "冊",  # books
    "箱",  # boxes
    "式",  # sets of equipment
    "回",  # times
    "pieces",  # 3 pieces
    "piece",
    "units",  # 3 units
    "unit",
    "pcs",  # 3 pcs
    "pc",
)
# "about": the number is kept as written (約3 is 3); the requester's words stay in the
# mail and the ticket, where whoever acts on the sheet reads them
_ABOUT = ("約", "およそ", "approximately", "approx.", "approx", "about", "around", "ca.", "~")
# Kanji numerals: the digits (positional 二〇二六 too) and the units, up to 万 (9999 9999)
_KANJI_DIGITS = {
    ch: n
    for n, chars in enumerate(("〇零", "一壱", "二弐", "三参", "四", "五", "六", "七", "八", "九"))
    for ch in chars
}
_KANJI_UNITS = {"十": 10, "百": 100, "千": 1000}
_MAN = "万"
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
    """The one number ``text`` says (NFKC and case folded), or why it says none; the
    refusal names the forms that work (a mail's requester corrects from it)."""
    cleaned = _unwrapped(text.replace(",", "").replace(" ", ""))
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        kanji = kanji_number(cleaned)
        if kanji is None:
            return NOT_A_NUMBER
        number = Decimal(kanji)
    if not number.is_finite():  # inf, nan
        return NOT_A_NUMBER
    return number


NOT_A_NUMBER = N_("not a number: write one number, such as 3")


def _unwrapped(text: str) -> str:
    """``text`` without the words around its number (:data:`_ENDINGS` and the other
    tables): each is looked for once, at an end, so the cost is the tables', not the
    text's."""
    for table in (_STOPS, _ENDINGS, _COUNTERS):
        text = _cut_end(text, table)
    return next((text[len(a) :] for a in _ABOUT if text.startswith(a) and text[len(a) :]), text)


def _cut_end(text: str, table: tuple[str, ...]) -> str:
    """``text`` without the first word of ``table`` it ends with (and is more than)."""
    return next((text[: -len(w)] for w in table if text.endswith(w) and text != w), text)


def kanji_number(text: str) -> int | None:
    """The number kanji numerals write (十 10, 二十五 25, 三千五百 3500, 一万二千 12000,
    positional 二〇二六 2026), below 1 0000 0000; None for anything else, two numbers
    run together (十二三) or units out of order (百千) included. One pass over ``text``."""
    if not text or len(text) > MAX_DIGITS:
        return None
    if not any(ch in _KANJI_UNITS or ch == _MAN for ch in text):
        digits = [_KANJI_DIGITS.get(ch) for ch in text]
        return None if None in digits else int("".join(str(d) for d in digits))
    high, man, low = text.partition(_MAN)
    if not man:
        return _kanji_section(text)
    below = _kanji_section(low)
    above = _kanji_section(high) if high else 1  # 万 alone is 一万
    if above is None or below is None or not above:
        return None
    return above * 10_000 + below


def _kanji_section(text: str) -> int | None:
    """A number below 1 0000 in kanji with its units: each unit smaller than the one
    before, each at most one digit before it; "" is 0."""
    total, digit, last = 0, None, 10_000
    for ch in text:
        if ch in _KANJI_DIGITS:
            if digit is not None:
                return None  # two digits in a row: 十二三, 二二十
            digit = _KANJI_DIGITS[ch]
        elif ch in _KANJI_UNITS and _KANJI_UNITS[ch] < last:
            last = _KANJI_UNITS[ch]
            total += (1 if digit is None else digit) * last
            digit = None
        else:
            return None  # not a numeral, or a unit out of order: 十十, 百千
    return total + (digit or 0)


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
