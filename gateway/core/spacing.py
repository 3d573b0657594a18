"""Where a filled-in value meets a Japanese particle, no space.

The ja catalog writes a space around each placeholder (``{entry} のまま``,
``%(who)s が``), which is right when the value is an address or a number
(``tanaka@example.test が``, the usual space between Latin and Japanese text)
and wrong when it is a Japanese word: 「ゲートウェイ が」, 「伊藤 花子 が」. Only the
value knows, so the space is decided when the message is filled in, by
:func:`joined`: a space between a particle and a value's Japanese edge goes. A
space inside a value (a name's 「伊藤 花子」) or in the catalog's own words is
never touched. Stdlib only, as :mod:`gateway.core.i18n`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from functools import cache

# the particles that follow (or precede) a noun: が を に は の で と へ も や
PARTICLES = "がをにはのでとへもや"


# hiragana, katakana (and ー), the CJK ideographs, 々 〆, half-width katakana, and
# Japanese punctuation at a value's edge: 、。 and the brackets 「」『』【】〔〕〈〉《》
# （）［］｛｝ (an entry's name with its id, アカウント（account）)
# compiled at its first use (a class of the ideographs takes milliseconds to compile, and
# a process that says no Japanese sentence needs none: ``ingest -``, issue #18)
@cache
def _japanese() -> re.Pattern[str]:
    return re.compile(
        r"[\u3001\u3002\u3005\u3006\u3008-\u3011\u3014-\u301b\u3040-\u30ff\u3400-\u4dbf"
        r"\u4e00-\u9fff\uf900-\ufaff\uff08\uff09\uff3b\uff3d\uff5b\uff5d\uff66-\uff9f]"
    )


_AFTER = re.compile(rf"^[ \u3000]+(?=[{PARTICLES}])")  # literal: spaces, then a particle
_BEFORE = re.compile(rf"(?<=[{PARTICLES}])[ \u3000]+$")  # literal: a particle, then spaces

# a %-placeholder of a Jinja {% trans %} string (%(name)s, %(n)d …), or a literal %%
_PERCENT = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%%")


def japanese(char: str) -> bool:
    # every character of the class is above U+3000: a Latin edge (an address, a number,
    # an English text) is answered without compiling it
    return char > "\u3000" and _japanese().match(char) is not None


def joined(pieces: Sequence[tuple[str, bool]]) -> str:
    """The catalog's literal text and the filled-in values (``(text, is_value)``, in
    order) as one text, without a space between a value's Japanese edge and a
    particle of the catalog's text next to it."""
    out: list[str] = []
    for i, (text, is_value) in enumerate(pieces):
        if not is_value:
            before = pieces[i - 1] if i > 0 else ("", False)
            after = pieces[i + 1] if i + 1 < len(pieces) else ("", False)
            if before[1] and japanese(before[0][-1:]):
                text = _AFTER.sub("", text)
            if after[1] and japanese(after[0][:1]):
                text = _BEFORE.sub("", text)
        out.append(text)
    return "".join(out)


def percent_joined(text: str, fill: Callable[[str], str]) -> str:
    """``text % values`` for a ``%(name)s`` string (Jinja's ``{% trans %}``), where
    ``fill`` formats one placeholder (escaping it for HTML when the template does),
    with the spaces at particles decided by :func:`joined`."""
    pieces: list[tuple[str, bool]] = []
    at = 0
    for m in _PERCENT.finditer(text):
        pieces.append((text[at : m.start()], False))
        if m.group() == "%%":
            pieces.append(("%", False))
        else:
            pieces.append((fill(m.group()), True))
        at = m.end()
    pieces.append((text[at:], False))
    return joined(pieces)


def fill_percent(text: str, values: Mapping[str, object]) -> str:
    """A plain-text ``%(name)s`` string filled in (see :func:`percent_joined`)."""
    return percent_joined(text, lambda placeholder: placeholder % values)
