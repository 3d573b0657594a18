"""Files uuencoded inside a text part, as Outlook 2000, Netscape 4 and Unix mail wrote them.

Before MIME was everywhere a file was sent as a block in the text itself: ``begin 666
name``, lines of uuencode, ``end``. A reader's mail client shows it as a file; left in
the text it is a screen of noise in the request, and the file is nowhere. So a block
is cut out of the text and becomes an attachment, but only when every line of it
decodes: a sentence that starts "begin 644" stays words. Pure; never raises.
"""

from __future__ import annotations

import binascii
import mimetypes
import re

# "begin", the file's Unix mode, its name; then data lines up to "end"
_BLOCK = re.compile(
    r"^begin [0-7]{3,4} (?P<name>[^\n]{1,255})\n(?P<data>(?:[ -`]{1,62}\n){0,200000}?)end[ \t]*$",
    re.MULTILINE,
)


def split_uuencoded(text: str) -> tuple[str, list[tuple[str, bytes]]]:
    """``text`` without its uuencoded blocks, and each block's file name and bytes."""
    if "begin " not in text:
        return text, []
    files: list[tuple[str, bytes]] = []
    kept: list[str] = []
    at = 0
    for block in _BLOCK.finditer(text):
        data = _decoded(block.group("data"))
        if data is None:
            continue
        files.append((block.group("name").strip(), data))
        kept.append(text[at : block.start()])
        at = block.end()
    if not files:
        return text, []
    kept.append(text[at:])
    return re.sub(r"\n{3,}", "\n\n", "".join(kept)).strip("\n"), files


def guessed_type(name: str) -> str:
    """A uuencoded file carries no type: the one its name's extension stands for."""
    return mimetypes.guess_type(name, strict=False)[0] or "application/octet-stream"


def _decoded(lines: str) -> bytes | None:
    """The block's bytes, or None when a line is not uuencode (then it is words)."""
    out = bytearray()
    for line in lines.splitlines():
        try:
            out += binascii.a2b_uu(line)
        except binascii.Error:
            return None
    return bytes(out)
