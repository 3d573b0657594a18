"""The text a ticket shows: clean lines, format=flowed undone, HTML as a last resort.

Plain-text parts are preferred; their line ends are normalised and control
characters dropped, and RFC 3676 soft line breaks are joined again so quotes
and paragraphs read as the sender wrote them. Only a message without any
plain text falls back to its HTML, converted by :mod:`.html_text`.
"""

from __future__ import annotations

import re

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
    """Undo RFC 3676 format=flowed soft line breaks so quotes and paragraphs read right."""
    out: list[str] = []
    pending: tuple[int, str] | None = None
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        if content.startswith(" "):
            content = content[1:]
        if pending is not None and pending[0] == depth:
            content = pending[1] + content
        elif pending is not None:
            out.append(_render_flowed(*pending))
        pending = None
        if content.endswith(" ") and content != "-- ":
            pending = (depth, content[:-1] if delsp else content)
        else:
            out.append(_render_flowed(depth, content))
    if pending is not None:
        out.append(_render_flowed(*pending))
    return "\n".join(out)


def _render_flowed(depth: int, content: str) -> str:
    return f"{'>' * depth} {content}" if depth else content
