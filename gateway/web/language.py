"""Which language a page speaks: the one chosen with the pages' switch (kept for the
browser), else the member's setting, else the browser's Accept-Language (ja or en),
else ``[gateway] locale``. Pure."""

from __future__ import annotations

from gateway.core.i18n import LOCALES

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
    """The supported language the browser prefers most (q-values honoured)."""
    ranked: list[tuple[float, int, str]] = []
    for n, item in enumerate(header.split(",")[:20]):
        parts = item.strip().split(";")
        tag = parts[0].strip().lower().split("-")[0]
        q = 1.0
        for p in parts[1:]:
            name, _, value = p.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if tag in LOCALES and q > 0:
            ranked.append((-q, n, tag))
    return min(ranked)[2] if ranked else None
