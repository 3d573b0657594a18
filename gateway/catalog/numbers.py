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
# Digits apart by commas or spaces are one number only where they part its thousands
# (1,200, 1 000, 12,345,678: one kind of separator, groups of three); 1,2 is 1.2 in much
# of Europe, and 3 4 two numbers. Possessive, and from a run's start: linear.
_APART = re.compile(r"(?<![0-9])[0-9]++(?:[, ]++[0-9]++)+")
_THOUSANDS = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+|[0-9]{1,3}(?: [0-9]{3})+")
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
    "名様",  # guests, most politely
    "人分",  # portions for so many people
    "ユーザー",  # users of a service, accounts: 3ユーザー
    "ユーザ",
    "アカウント",  # 10アカウント
    "people",  # 3 people
    "persons",
    "users",  # 5 users
    "user",
    "accounts",
    "account",
    "seats",  # 20 seats (of a licence)
    "seat",
    "pieces",  # 3 pieces
    "piece",
    "units",  # 3 units
    "unit",
    "pcs",  # 3 pcs
    "pc",
    "円",  # yen: 12,000円, 1万円 (an amount's "counter")
)
# a currency sign before an amount (¥12,000; ￥ is ¥ after NFKC), taken off as a counter is
_CURRENCY = ("¥", "$", "€", "£")
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
# the units of four places each, which a number below 1 0000 multiplies: 3億5000万
_BIG_UNITS = {"万": 10**4, "億": 10**8, "兆": 10**12}
_ARABIC = "0123456789."
_ANY_UNIT = frozenset(_KANJI_UNITS) | frozenset(_BIG_UNITS)
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
    if not all(_THOUSANDS.fullmatch(apart[0]) for apart in _APART.finditer(text)):
        return NOT_A_NUMBER  # 1,2 or 3 4: two numbers (or a European 1,2), not 12 or 34
    cleaned = _unwrapped(text.replace(",", "").replace(" ", ""))
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        kanji = kanji_number(cleaned)
        if kanji is None:
            mixed = any(c.isascii() and c.isdigit() for c in cleaned)
            return NOT_A_MIXED_NUMBER if mixed and _ANY_UNIT & set(cleaned) else NOT_A_NUMBER
        number = kanji
    if not number.is_finite():  # inf, nan
        return NOT_A_NUMBER
    return number


NOT_A_NUMBER = N_("not a number: write one number, such as 3")
# digits with 万 or 千 that say no one number (1万20000, 15百, 1.5万5千): the forms
# that work, in Japanese the mixed ones (2万5000, 1.5万)
NOT_A_MIXED_NUMBER = N_("not a number: write one number, such as 25000 or 15000")


def _unwrapped(text: str) -> str:
    """``text`` without the words around its number (:data:`_ENDINGS` and the other
    tables): each is looked for once, at an end, so the cost is the tables', not the
    text's."""
    for table in (_STOPS, _ENDINGS, _COUNTERS):
        text = _cut_end(text, table)
    for before in (_ABOUT, _CURRENCY):  # 約¥12000
        text = next((text[len(a) :] for a in before if text.startswith(a) and text[len(a) :]), text)
    return text


def _cut_end(text: str, table: tuple[str, ...]) -> str:
    """``text`` without the first word of ``table`` it ends with (and is more than)."""
    return next((text[: -len(w)] for w in table if text.endswith(w) and text != w), text)


def kanji_number(text: str) -> Decimal | None:
    """The number kanji numerals write (十 10, 二十五 25, 三千五百 3500, 一万二千 12000,
    一億 10^8, positional 二〇二六 2026), digits mixed in as people write amounts (1万,
    3千, 2万5千, 2万5000, 3億5000万, and a decimal before one unit with nothing after
    it: 1.5万 15000); None for anything else: two numbers run together (十二三, 1万1万),
    units out of order (百千, 万億), more than a place holds (1万20000: 30000, or 1万2000
    mistyped?), more than one digit before 十, 百 or 千 (15百). One pass over ``text``."""
    if not text or len(text) > 2 * MAX_DIGITS:
        return None
    tokens = _tokens(text)
    if tokens is None:
        return None
    decimals = [t for t in tokens if t[0] == "n" and "." in t[1]]
    if decimals:  # 1.5万, 2.5千: the one form a decimal takes here
        if len(tokens) != 2 or tokens[0][0] != "n" or tokens[1][0] not in "sb":
            return None
        return Decimal(tokens[0][1]) * int(tokens[1][1])
    total, big, sections = 0, None, _sections(tokens)
    if sections is None:
        return None
    for n, (section, unit) in enumerate(sections):
        if unit is not None and big is not None and int(unit) >= big:
            return None  # 万億, 1万1万: each big unit smaller than the one before
        if not section:
            if n or unit is None:
                return None  # 1億万: nothing before a unit but the first (万 alone is 一万)
            value: int | None = 1
        else:
            value = _kanji_section(section, first=n == 0)
        if value is None:
            return None
        total += value * (int(unit) if unit is not None else 1)
        big = int(unit) if unit is not None else big
    return Decimal(total)


_Token = tuple[str, str]  # ("n", "2026") digits, ("d", "3") a kanji digit, ("s"/"b", "1000") a unit


def _tokens(text: str) -> list[_Token] | None:
    """``text`` as digits runs, kanji digits and units, in one pass; None for any other
    character, or a run of digits with more than one point or one at an end."""
    out: list[_Token] = []
    run = ""
    for ch in text + " ":
        if ch in _ARABIC:
            run += ch
            continue
        if run:
            if run.count(".") > 1 or run[0] == "." or run[-1] == ".":
                return None
            out.append(("n", run))
            run = ""
        if ch in _KANJI_DIGITS:
            out.append(("d", str(_KANJI_DIGITS[ch])))
        elif ch in _KANJI_UNITS:
            out.append(("s", str(_KANJI_UNITS[ch])))
        elif ch in _BIG_UNITS:
            out.append(("b", str(_BIG_UNITS[ch])))
        elif ch != " ":
            return None
    return out


def _sections(tokens: list[_Token]) -> list[tuple[list[_Token], str | None]] | None:
    """The tokens between big units (万, 億, 兆), each with the unit after it (None
    for the last, below the smallest)."""
    out: list[tuple[list[_Token], str | None]] = []
    section: list[_Token] = []
    for token in tokens:
        if token[0] == "b":
            out.append((section, token[1]))
            section = []
        else:
            section.append(token)
    if section:
        out.append((section, None))
    return out


def _kanji_section(tokens: list[_Token], first: bool = True) -> int | None:
    """A number below 1 0000 (any size for the first, which a big unit multiplies:
    15万, 1500万) in kanji digits, digits and the units 十, 百, 千: each unit smaller
    than the one before with at most one digit before it, and a number after the last
    unit below it (2千500, not 2千5000). Kanji digits alone are positional (二〇二六)."""
    if all(kind in "nd" for kind, _ in tokens):
        if len(tokens) > 1 and any(kind == "n" for kind, _ in tokens):
            return None  # 2〇26, 1 2: not one number
        whole = int("".join(v for _, v in tokens))
        return whole if first or whole < 10_000 else None
    total, last = 0, 10_000
    digit: str | None = None
    for kind, said in tokens:
        if kind in "nd":
            if digit is not None:
                return None  # two numbers in a row: 十二三, 二二十
            digit = said
        elif int(said) < last and (digit is None or len(digit) == 1):
            last = int(said)
            total += (1 if digit is None else int(digit)) * last
            digit = None
        else:
            return None  # a unit out of order (十十, 百千), or 15百
    if digit is not None and int(digit) >= last:
        return None  # 2千5000: 7000, or 2500 mistyped?
    return total + int(digit or 0)


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
