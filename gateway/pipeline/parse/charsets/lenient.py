"""The small, never-raising codec tools every decoder here is built from.

A strict attempt that answers None instead of raising, windows-1252 that maps
its five undefined bytes as Latin-1 instead of failing, and the scrub that
keeps escape sequences and NULs out of a ticket whatever decoded them.
"""

from __future__ import annotations

import codecs
import re

Decoded = tuple[str, list[str]]


def strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeError, LookupError, ValueError):
        return None


def decode_cp1252(data: bytes) -> str:
    """cp1252 leaves five bytes undefined; map those as Latin-1 instead of failing."""
    return data.decode("cp1252", "_latin1_fallback")


def _latin1_fallback(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    chunk = exc.object[exc.start : exc.end]
    return bytes(chunk).decode("latin-1"), exc.end


codecs.register_error("_latin1_fallback", _latin1_fallback)


def scrub(text: str) -> str:
    """Escape sequences and NULs must never reach a ticket, whatever decoded them."""
    if "\x1b" in text or "\x00" in text or "\x0e" in text or "\x0f" in text:
        text = re.sub("[\x00\x0e\x0f]|\x1b[\x20-\x2f]*[\x30-\x7e]?", "", text)
    return text


def replaced(label: str | None) -> str:
    return f"charset: undecodable bytes replaced (label {label!r})"


def dedupe(notes: list[str]) -> list[str]:
    return list(dict.fromkeys(notes))
