"""The msgids of the gettext catalogs, by where they are marked (for the language tests)."""

from __future__ import annotations

from collections.abc import Callable

from babel.messages.pofile import read_po

from gateway.core.i18n import LOCALE_DIR


def msgids(where: Callable[[str], bool]) -> set[str]:
    """Every msgid of the ja catalog marked in a file for which ``where(path)`` holds."""
    with (LOCALE_DIR / "ja" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale="ja")
    return {
        m.id
        for m in catalog
        if isinstance(m.id, str) and m.id and any(where(path) for path, _ in m.locations)
    }
