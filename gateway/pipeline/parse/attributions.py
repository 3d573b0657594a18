"""The attribution lines a mail client writes over the quoted history it copies: "On …
Bob wrote:", "Am … schrieb Alice:", 「…さんは書きました:」 and the rest, one rule each, tried
on a stripped line (or a wrapped attribution joined back into one). Split from
:mod:`.quotes`, which cuts at them; patterns linear as its docstring says.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from gateway.pipeline.parse.address_reach import address_ends_near
from gateway.pipeline.parse.quote_languages import (
    OPENINGS,
    cjk_wrote,
    verb_before_name,
)
from gateway.pipeline.parse.quote_tail import WROTE

__all__ = ["ATTRIBUTIONS", "WROTE_COLON_END", "is_attribution"]

WROTE_COLON_END = re.compile(rf"\b{WROTE}\s*[:：]\s*$", re.I)  # "… wrote:"
_WROTE_END = re.compile(rf"\b{WROTE}\s*(?:[:：]\s*)?$", re.I)  # "… wrote" (colon optional)
_ON_WORD = re.compile(rf"(?:{OPENINGS})\b", re.I)  # "On", "Am", "Le", … (quote_languages)
_NUMERIC_DATE = re.compile(r"\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}")
_JA_DATE = re.compile(r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日")
_ADDRESS = re.compile(r"[^\s<>@]+@[^\s<>@]+")
_COLONS = (":", "：")


def _ends_with(s: str, *words: str) -> bool:
    """``s`` (stripped) is ``… <word> :``: the colon last, one of ``words`` before it."""
    return s.endswith(_COLONS) and s[:-1].rstrip().endswith(words)


def _ja_dated(s: str) -> bool:
    """ "2024年1月1日 10:00 山田 <x@y>:" (Gmail in Japanese): the date first and the
    address last, which Gmail always writes; a writer's own "2026年12月5日 10:00 頃から
    次のエラーが出ています:" has none, and what follows it is theirs."""
    return s.endswith(_COLONS) and _JA_DATE.match(s) is not None and _address_last(s)


def _message_of(s: str) -> bool:
    """ "2024/01/01 10:00、山田 <x@y> のメッセージ:" (iPhone in Japanese): dated, or
    with the sender's address; "以下、お客様からのメッセージ:" is the writer's own."""
    return _ends_with(s, "のメッセージ") and (
        _NUMERIC_DATE.match(s) is not None or _JA_DATE.match(s) is not None or _address_last(s)
    )


def _address_last(s: str) -> bool:
    """An address ends at most REACH characters before the colon that ends ``s``."""
    return address_ends_near(s, len(s) - 1)


def _dated_mail_of(s: str) -> bool:
    """ "2026/12/05 6:40、山田 <x@y>のメール:" (Apple Mail in Japanese): the date first,
    so prose such as "以下、先方からのメール:" is not taken for one."""
    dated = _NUMERIC_DATE.match(s) or _JA_DATE.match(s)
    return dated is not None and _ends_with(s, "のメール", "のメッセージ")


def _bracketed_address(s: str) -> bool:
    """ "山田 太郎 <taro@example.jp>:"."""
    if not s.endswith(_COLONS):
        return False
    t = s[:-1].rstrip()
    start = t.rfind("<")
    inside = _ADDRESS.fullmatch(t, start + 1, len(t) - 1) if start >= 0 else None
    return t.endswith(">") and inside is not None


def _address_wrote(s: str) -> bool:
    """ "bob@example.com wrote:" with the address at most REACH characters before."""
    wrote = WROTE_COLON_END.search(s)
    return wrote is not None and address_ends_near(s, wrote.start())


def _on_wrote(s: str) -> bool:
    """ "On Mon, Jan 1, 2024, Bob wrote:" (and Am/Le/El/… in other languages)."""
    start = _ON_WORD.match(s)
    wrote = _WROTE_END.search(s) if start else None
    return start is not None and wrote is not None and wrote.start() >= start.end()


def _dated_wrote(s: str) -> bool:
    """ "2024/01/01 10:00, Bob wrote:"."""
    start = _NUMERIC_DATE.match(s)
    wrote = WROTE_COLON_END.search(s) if start else None
    return start is not None and wrote is not None and wrote.start() >= start.end()


_WROTE_ON = re.compile(r"\bwrote\s+on\s+", re.I)


def _wrote_on(s: str) -> bool:
    """ "Taro Yamada/Sales/ACME@ACME wrote on 12/05/2026 10:00:00 AM:" (Lotus Notes'
    Internet-style history): an address right before "wrote on", a date right after
    it; "I wrote on 2026/12/05 to the vendor:" names no address."""
    wrote = _WROTE_ON.search(s) if s.endswith(_COLONS) else None
    if wrote is None or _NUMERIC_DATE.match(s, wrote.end()) is None:
        return False
    return address_ends_near(s, wrote.start())


# Attribution lines, each a test on the stripped line (also on a wrapped attribution
# joined back into one line). Every rule but _on_wrote holds only for a line that ends
# with a colon: is_attribution tries the others only then (tests/test_quote_prefilter.py
# checks the shortcut against every rule).
ATTRIBUTIONS: tuple[Callable[[str], bool], ...] = (
    _ja_dated,
    _message_of,  # iPhone in Japanese
    _dated_mail_of,  # Apple Mail in Japanese
    lambda s: _ends_with(s, "書きました"),  # Thunderbird in Japanese
    lambda s: _ends_with(s, "さんから", "様から"),
    _bracketed_address,
    _address_wrote,
    _on_wrote,
    _dated_wrote,
    _wrote_on,  # Lotus Notes' Internet-style history
    verb_before_name,  # "Am … schrieb Alice:" (German, Dutch, Scandinavian)
    cjk_wrote,  # "在 … 写道:", "於 … 寫道:", "…님이 작성:" (Chinese, Korean)
)


def is_attribution(s: str) -> bool:
    """``s`` (a stripped line) is an attribution by one of :data:`ATTRIBUTIONS`."""
    if not s.rstrip().endswith(_COLONS):  # most lines of a body: one test can hold
        return _on_wrote(s)  # the only attribution whose colon is optional
    return any(test(s) for test in ATTRIBUTIONS)
