"""The text a ticket shows: clean lines, format=flowed undone, HTML as a last resort.

Plain-text parts are preferred; their line ends are normalised and control
characters dropped, and RFC 3676 soft line breaks are joined again so quotes
and paragraphs read as the sender wrote them. Only a message without any
plain text falls back to its HTML, converted by :mod:`.html_text`.
"""

from __future__ import annotations

import re

from gateway.pipeline.command_syntax import WRAP, bare, columns, read_command
from gateway.pipeline.parse.html_text import html_to_text

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def body_text(plain: list[str], html: list[str]) -> str:
    """The plain parts joined; without any, the HTML parts as text."""
    texts = [t for t in plain if t.strip()]
    if texts:
        return "\n".join(t.rstrip("\n") for t in texts).strip("\n")
    if html:
        return "\n".join(html_to_text(h) for h in html).strip("\n")
    return ""


def tidy_text(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


def unflow(text: str, delsp: bool) -> str:
    """Undo RFC 3676 format=flowed soft line breaks so quotes and paragraphs read right.

    An empty line and the signature line ``-- `` end a paragraph (RFC 3676 4.2, 4.3):
    joined, two paragraphs became one and ``/pending `` over a blank line took the
    writer's first words as its argument. A soft break after (or before) a command line
    that fits with the next line's first word in :data:`.command_syntax.WRAP` columns was
    not made by a client, which breaks only a line too long: its writer ended the line
    and a space was left at its end (a phone's keyboard puts one after a completed word).
    Joined, ``/pending`` took the words under it as its argument and was refused, and
    they were never sent; so such a line stays a line. A long ``/note`` is still joined.
    """
    out: list[str] = []
    pending: tuple[int, str] | None = None
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        if content.startswith(" "):
            content = content[1:]
        if pending is not None and _paragraph_ends(pending, depth, content):
            out.append(_render_flowed(*pending))
            pending = None
        flowed = content.endswith(" ") and content != "-- "  # this line's own end
        if pending is not None:
            content = pending[1] + content
            pending = None
        if flowed:
            pending = (depth, content[:-1] if delsp else content)
        else:
            out.append(_render_flowed(depth, content))
    if pending is not None:
        out.append(_render_flowed(*pending))
    return "\n".join(out)


def _paragraph_ends(pending: tuple[int, str], depth: int, content: str) -> bool:
    """Whether the flowed line ``pending`` ends its paragraph before ``content``: another
    quote depth, an empty line, the signature line, or a command line ended by its
    writer (see :func:`unflow`)."""
    if pending[0] != depth or not content or content == "-- ":
        return True
    if depth or len(pending[1]) > WRAP:  # a long line (a paragraph so far): a client's break
        return False
    above, below = bare(pending[1]), bare(content)
    if not below or (read_command(above) is None and read_command(below) is None):
        return False
    return columns(above) + 1 + columns(below.split()[0]) <= WRAP


def _render_flowed(depth: int, content: str) -> str:
    return f"{'>' * depth} {content}" if depth else content
