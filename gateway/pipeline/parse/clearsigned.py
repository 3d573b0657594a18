"""Inline PGP ("cleartext signed", RFC 4880 section 7) around a text part.

Enigmail's inline mode, Mailvelope and ``gpg --clearsign`` piped into a mailer wrap the
words in an armor: a ``-----BEGIN PGP SIGNED MESSAGE-----`` line and its ``Hash:``
headers above, the signature block below, and every line that began with a dash
escaped as ``- -``. Left in, the armor is what a ticket shows first, and a member's
``/close`` under it is not on the first line, so it was not read as a command. The
signature is not checked here (nobody's key is known to us): the words are taken out
of the armor as they are, and the message says the signature was removed unchecked.
"""

from __future__ import annotations

import re

__all__ = ["NOTE", "unarmored"]

NOTE = "text: inline PGP signature removed, not checked"

_BEGIN = "-----BEGIN PGP SIGNED MESSAGE-----"
_SIGNATURE = re.compile(r"^-----BEGIN PGP SIGNATURE-----[ \t]*$", re.MULTILINE)
_END = re.compile(r"^-----END PGP SIGNATURE-----[ \t]*$", re.MULTILINE)
_ARMOR_HEADER = re.compile(r"^[A-Za-z][A-Za-z-]*: ")  # Hash: SHA256, Charset: UTF-8


def unarmored(text: str) -> str | None:
    """The signed words of ``text`` when it is one cleartext-signed block (words before
    and after the armor kept), else None. Pure; linear in the text."""
    start = text.find(_BEGIN)
    if start < 0 or (start and text[start - 1] != "\n"):
        return None
    head_end = text.find("\n", start)
    if head_end < 0:
        return None
    lines = text[head_end + 1 :].split("\n")
    i = 0
    while i < len(lines) and _ARMOR_HEADER.match(lines[i]):
        i += 1
    if i >= len(lines) or lines[i].strip():
        return None  # armor headers end with a blank line, or this is no armor
    rest = "\n".join(lines[i + 1 :])
    sig = _SIGNATURE.search(rest)
    if sig is None:
        return None
    end = _END.search(rest, sig.end())
    after = rest[end.end() :].lstrip("\n") if end is not None else ""
    signed = "\n".join(
        line[2:] if line.startswith("- ") else line
        for line in rest[: sig.start()].rstrip("\n").split("\n")
    )
    parts = [text[:start].rstrip("\n"), signed, after.rstrip("\n")]
    return "\n\n".join(part for part in parts if part)
