"""Which language a page speaks: the one chosen with the pages' switch (kept for the
browser), else the member's setting, else the browser's Accept-Language (ja or en),
else ``[gateway] locale``. Pure."""

from __future__ import annotations

from gateway.core.i18n import LOCALES, base_language

# The switch names each language in itself, whatever the page's language: a reader
# who cannot read the page's language still finds their own (never translated).
NAMES = {"ja": "日本語", "en": "English"}
PARAM = "lang"  # ?lang=en: the switch's link, on any page


def choose(chosen: str, member_locale: str, accept_language: str, default: str) -> str:
    """``chosen``: the switch's choice, from the link or the browser's cookie."""
    if chosen in LOCALES:
        return chosen
    if member_locale in LOCALES:
        return member_locale
    best = _from_header(accept_language)
    if best is not None:
        return best
    return default if default in LOCALES else LOCALES[0]


def _from_header(header: str) -> str | None:
    """The supported language the browser prefers most: a regional or underscore tag
    counts as its base language (``en_US``, ``ja-JP``), q-values are honoured, and an
    item that cannot be read (no language, a q that is no number in 0–1) is left out."""
    ranked: list[tuple[float, int, str]] = []
    for n, item in enumerate(header.split(",")[:20]):
        tag, *params = item.split(";")
        lang = base_language(tag)
        q: float | None = 1.0
        for p in params:
            name, _, value = p.partition("=")
            if name.strip().lower() == "q":
                q = _quality(value)
        if lang is not None and q is not None and q > 0:
            ranked.append((-q, n, lang))
    return min(ranked)[2] if ranked else None


def _quality(value: str) -> float | None:
    """A q-value (RFC 9110: 0 to 1, three decimals at most); None when it is none."""
    try:
        q = float(value.strip()[:5])
    except ValueError:
        return None
    return q if 0 <= q <= 1 else None  # NaN fails both
