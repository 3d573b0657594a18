"""The msgids of the gettext catalogs, by where they are marked (for the language tests)."""

from __future__ import annotations

from collections.abc import Callable

from babel.messages.catalog import Message
from babel.messages.pofile import read_po

from gateway.core.i18n import LOCALE_DIR


def _catalog() -> list[Message]:
    with (LOCALE_DIR / "ja" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return list(read_po(fh, locale="ja"))


def msgids(where: Callable[[str], bool]) -> set[str]:
    """Every msgid of the ja catalog marked in a file for which ``where(path)`` holds; a
    plural message (``NP_``, ``{% pluralize %}``) by its singular, as its Msg names it."""
    return {
        m.id if isinstance(m.id, str) else m.id[0]
        for m in _catalog()
        if m.id and any(where(path) for path, _ in m.locations)
    }


def plurals() -> dict[str, str]:
    """The plural msgid of each plural message, by its singular."""
    return {m.id[0]: m.id[1] for m in _catalog() if m.id and not isinstance(m.id, str)}
