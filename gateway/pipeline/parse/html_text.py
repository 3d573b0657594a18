"""Readable plain text from HTML-only mail.

Tickets show text, reply splitting and keyword matching work on text, and the
HTML itself is never rendered: so scripts, styles and the head are dropped,
block elements become line breaks and entities are resolved, with nothing but
the stdlib ``html.parser`` (tolerant of the broken HTML mail is full of).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

__all__ = ["html_to_text"]

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

_SKIP_TAGS = frozenset({"script", "style", "head", "title", "noscript", "template", "xml"})


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_PARAGRAPH_TAGS = _words("blockquote dl fieldset figure h1 h2 h3 h4 h5 h6 hr ol p pre table ul")
_LINE_TAGS = _words(
    "address article aside center dd div dt footer form header li main nav section tbody "
    "thead tfoot tr"
)
_CELL_TAGS = frozenset({"td", "th"})


class _TextExtractor(HTMLParser):
    """Collects visible text; the HTML itself is kept verbatim in ``html``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.skip: list[str] = []
        self.pre = 0
        self.newlines = 2  # the start of the text counts as a paragraph boundary

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body" and "head" in self.skip:
            self.skip = [t for t in self.skip if t != "head"]  # unclosed <head>
        if tag in _SKIP_TAGS:
            self.skip.append(tag)
        elif tag == "pre":
            self.pre += 1
        self._block(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._block(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.skip:
            while self.skip and self.skip.pop() != tag:
                pass
        elif tag == "pre" and self.pre:
            self.pre -= 1
        self._block(tag)

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if not self.pre:
            data = re.sub(r"[ \t\r\n\f]+", " ", data)
            if data == " " and self.newlines:
                return  # indentation between blocks
        self.chunks.append(data)
        self.newlines = len(data) - len(data.rstrip("\n")) if data.strip(" ") else self.newlines

    def _block(self, tag: str) -> None:
        if self.skip:
            return
        if tag == "br":
            self.chunks.append("\n")
            self.newlines += 1
        elif tag in _CELL_TAGS:
            self.chunks.append(" ")
        elif tag in _PARAGRAPH_TAGS:
            self._ensure_newlines(2)
        elif tag in _LINE_TAGS:
            self._ensure_newlines(1)

    def _ensure_newlines(self, wanted: int) -> None:
        """Block boundaries collapse: ``</li><li>`` is one line break, not two."""
        if self.newlines < wanted:
            self.chunks.append("\n" * (wanted - self.newlines))
            self.newlines = wanted


def html_to_text(html: str) -> str:
    """Readable text from HTML-only mail, for tickets and reply splitting."""
    extractor = _TextExtractor()
    try:
        extractor.feed(html)
        extractor.close()
    except Exception:  # noqa: BLE001 - half-parsed text beats none
        pass
    text = "".join(extractor.chunks).replace("\xa0", " ")
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return _CONTROL.sub("", "\n".join(out).strip())
