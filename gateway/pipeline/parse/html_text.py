"""Readable plain text from HTML-only mail, with quoted history marked as quoted.

Tickets show text, reply splitting and keyword matching work on text, and the
HTML itself is never rendered: so scripts, styles and the head are dropped,
block elements become line breaks and entities are resolved. The line breaks of
the text itself are kept where the HTML keeps them: in ``<pre>`` and in an element
styled ``white-space: pre``, ``pre-wrap``, ``pre-line`` or ``break-spaces``.

Quoted history in HTML is structure, not ``>`` characters: a ``<blockquote>``
(Apple Mail's ``type="cite"``), Gmail's ``gmail_quote``, Thunderbird's
``moz-cite-prefix`` and Yahoo's ``yahoo_quoted`` containers hold it, and Outlook
starts it with a separator (``divRplyFwdMsg``, ``OutlookMessageHeader``, a
``border-top:solid`` rule) after which the rest of the enclosing element is the
old mail. Gmail's and Apple Mail's *indent* is a ``<blockquote>`` too, drawn without a
border and with no quote class: the writer's own lines, not a quote. Quoted text comes
out as ``> `` lines, so :mod:`.quotes` treats it as
quoted history like any plain-text quote: a ``/close`` in a quoted mail is never a
command, and quoted text is never relayed (issue #14). A link's target follows its
words, "the form (https://…)", where the words do not say it already (:mod:`.html_links`
decides). A signature the client marks
(``gmail_signature``, ``id="Signature"``: :mod:`.html_marks`) starts with the ``-- ``
line the plain part would have, so it is cut as one.

Text an inline style hides (a newsletter's preheader in a ``display:none`` span) is
not what the reader sees, so it is dropped (:data:`_HIDING`): once its element is
closed by its own end tag, the text read since it opened is taken back. An element
never closed, or closed only by an ancestor's end tag, hides nothing: a stray
``<div style="display:none">`` must not swallow the rest of a customer's mail.

The tokenizer is ours, not ``html.parser``: that one rescans the rest of the
document for every unclosed ``<a `` or ``&#`` and takes minutes on a few hundred
kilobytes of them. Here every search moves forward, a construct that never ends
ends the markup (there can be no later tag either), and the element stack pops
each element at most once, so any input costs time linear in its size. Past
:data:`MAX_TAGS` tags (a real mail has far fewer) the rest is read as text with
its tags stripped in one pass, so a megabyte of ``<div>`` costs no more than a
megabyte of prose.
"""

from __future__ import annotations

import html as entities
import re
import sys

from gateway.pipeline.parse.html_links import after_link, link_target
from gateway.pipeline.parse.html_marks import (
    hides,
    is_quote,
    is_separator,
    is_signature,
    keeps_lines,
)

__all__ = ["html_to_text"]

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[ \t\r\n\f]+")
_LINE_SPACES = re.compile(r"[ \t]+")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_SKIP_TAGS = frozenset({"script", "style", "head", "title", "noscript", "template", "xml"})
_RAW_TEXT = frozenset({"script", "style"})  # their content is not markup
_VOID = _words("area base br col embed hr img input keygen link meta param source track wbr")


_PARAGRAPH_TAGS = _words("blockquote dl fieldset figure h1 h2 h3 h4 h5 h6 hr ol p pre table ul")
_LINE_TAGS = _words(
    "address article aside center dd div dt footer form header li main nav section tbody "
    "thead tfoot tr"
)
_CELL_TAGS = frozenset({"td", "th"})

MAX_QUOTE_DEPTH = 10  # "> " written at most this many times per line
MAX_WRAPPERS = 4  # empty elements a separator's quote reaches out of (Outlook: one <div>)
MAX_TAGS = 100_000  # read one by one; the rest of a bigger document is stripped of tags
_ANY_TAG = re.compile(r"<[^<>]*>")

_TAG_NAME = re.compile(r"[a-zA-Z][^\s/>]*")
_ATTRIBUTE = re.compile(
    r"""[\s/]*([^\s/>"'=][^\s/>=]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]*)))?"""
)
_NO_ATTRIBUTES: dict[str, str] = {}
_RAW_END = {name: re.compile(rf"</{name}(?=[\s/>])", re.I) for name in _RAW_TEXT}


class _Hidden:
    """A hidden element still open: where the text stood when it opened, to go back
    there when its own end tag closes it."""

    __slots__ = ("chunks", "height", "newlines", "rest_quoted", "texts")

    def __init__(self, text: _Text) -> None:
        self.height = len(text.stack)  # the element's place on the stack
        self.chunks = len(text.chunks)
        self.newlines = text.newlines
        self.texts = text.texts
        self.rest_quoted = len(text.rest_quoted)

    def undo(self, text: _Text) -> None:
        del text.chunks[self.chunks :]
        del text.rest_quoted[self.rest_quoted :]
        text.newlines = self.newlines
        text.texts = self.texts


class _Text:
    """Collects visible text as (text, quote level) chunks, block by block."""

    def __init__(self, separators: bool = True) -> None:
        self.separators = separators  # a separator's rest is quoted (see html_to_text)
        self.chunks: list[tuple[str, int]] = []
        self.stack: list[str] = []  # open elements' names (interned: 8 bytes per level)
        self.quoting: list[int] = []  # stack heights of the open quoting elements
        self.open: dict[str, int] = {}  # name → how many are open (O(1) "is it open?")
        self.skip = 0
        self.pre_at: list[int] = []  # stack heights of the open line-keeping elements
        self.rest_quoted: list[int] = []  # stack heights whose parent's rest is quoted
        self.texts = 0  # visible text chunks so far
        self.texts_at: list[int] = []  # ``texts`` when each open element opened
        self.newlines = 2  # the start of the text counts as a paragraph boundary
        self.hidden: list[_Hidden] = []  # the open hidden elements, innermost last
        # the open link: its element's stack height, the chunk its words start at and
        # its target (one at a time: a browser ends a link where the next one starts)
        self.link: tuple[int, int, str | None] | None = None
        self.after_target = False  # a word right after a target is kept apart from it

    @property
    def level(self) -> int:
        return len(self.quoting) + len(self.rest_quoted)

    def start(self, tag: str, attrs: dict[str, str], closed: bool) -> None:
        if tag == "body" and self.open.get("head"):
            self.end("head")  # an unclosed <head>
        separator = is_separator(tag, attrs)
        hidden = not closed and tag not in _VOID and hides(attrs)
        if hidden:
            self.hidden.append(_Hidden(self))
        if separator and not self.skip:
            self._ensure_newlines(1)
            if self.separators:
                self.rest_quoted.append(self._wrapped(len(self.stack)))
        self._block(tag)
        if is_signature(attrs) and not self.skip:  # as the plain part has it: "-- "
            self._ensure_newlines(1)
            self.data("-- ")
            self._block("br")
        if closed or tag in _VOID:
            return
        quotes = not separator and is_quote(tag, attrs)
        # a quote inside a quote container (Gmail's <div class="gmail_quote"> holds the
        # attribution and the <blockquote>): the quote is the blockquote, and what the
        # writer types between two of them (Gmail splits it for an inline answer) is
        # theirs, not quoted. The container stops quoting; its attribution is above.
        container = self.stack[self.quoting[-1]] if self.quoting else "blockquote"
        if quotes and tag == "blockquote" and container != "blockquote":
            self.quoting.pop()
        if quotes:
            self.quoting.append(len(self.stack))
        if tag == "a":
            self.end_link()
            if "href" in attrs and not self.skip:
                self.link = (len(self.stack), len(self.chunks), link_target(attrs["href"]))
        self.stack.append(sys.intern(tag))
        self.texts_at.append(self.texts)
        self.open[tag] = self.open.get(tag, 0) + 1
        self.skip += tag in _SKIP_TAGS
        if tag == "pre" or keeps_lines(attrs):
            self.pre_at.append(len(self.stack))
        if quotes:
            self._block("blockquote")  # its text starts on a line of its own

    def end(self, tag: str) -> None:
        if not self.open.get(tag):
            self._block(tag)  # a stray end tag still ends its block
            return
        while self.stack:
            name = self.stack.pop()
            self.texts_at.pop()
            quotes = bool(self.quoting) and self.quoting[-1] == len(self.stack)
            self.open[name] -= 1
            self.skip -= name in _SKIP_TAGS
            if self.pre_at and self.pre_at[-1] > len(self.stack):
                self.pre_at.pop()
            if quotes:
                self.quoting.pop()
                self._block("blockquote")
            while self.rest_quoted and self.rest_quoted[-1] > len(self.stack):
                self.rest_quoted.pop()
            if self.link and self.link[0] == len(self.stack):
                self.end_link()  # before a hidden element takes it back with its words
            if self.hidden and self.hidden[-1].height == len(self.stack):
                hidden = self.hidden.pop()
                if name == tag:  # closed by its own end tag: what it held goes
                    hidden.undo(self)  # (its block's break stays: words do not run together)
            if name == tag:
                break
        self._block(tag)

    def data(self, data: str) -> None:
        if self.skip or not data:
            return
        if not self.pre_at:
            data = _SPACES.sub(" ", data)
            if data == " " and self.newlines:
                return  # indentation between blocks
        if self.after_target and data[0].isalnum():
            data = " " + data  # "(https://…/vpn) からお願いします", not "…/vpn)から"
        self.after_target = False
        self.chunks.append((data, self.level))
        self.newlines = len(data) - len(data.rstrip("\n")) if data.strip(" ") else self.newlines
        self.texts += bool(data.strip())

    def end_link(self) -> None:
        """Write the open link's target after its words (:mod:`.html_links` says
        which and how). Each chunk of words is read for one link only: linear."""
        if self.link is None:
            return
        _, first, target = self.link
        self.link = None
        if target is not None:
            shown = after_link("".join(text for text, _ in self.chunks[first:]), target)
            self.data(shown)
            self.after_target = bool(shown)

    def _wrapped(self, height: int) -> int:
        """The stack height whose element's rest a separator at ``height`` quotes: its
        own parent's, unless that parent holds nothing before it but the separator (a
        wrapper: Outlook 2016 and later put the rule in a ``<div>`` of its own, and the
        old mail follows the wrapper), then the first ancestor with text of its own, at
        most :data:`MAX_WRAPPERS` levels up (so a tower of empty separators stays linear)."""
        for _ in range(MAX_WRAPPERS):
            if height == 0 or self.texts_at[height - 1] != self.texts:
                break
            height -= 1
        return height

    def _block(self, tag: str) -> None:
        if self.skip:
            return
        if tag == "br":
            self.chunks.append(("\n", self.level))
            self.newlines += 1
        elif tag in _CELL_TAGS:
            self.chunks.append((" ", self.level))
        elif tag in _PARAGRAPH_TAGS:
            self._ensure_newlines(2)
        elif tag in _LINE_TAGS:
            self._ensure_newlines(1)

    def _ensure_newlines(self, wanted: int) -> None:
        """Block boundaries collapse: ``</li><li>`` is one line break, not two."""
        if self.newlines < wanted:
            self.chunks.append(("\n" * (wanted - self.newlines), self.level))
            self.newlines = wanted


def html_to_text(html: str, *, separators: bool = True) -> str:
    """Readable text from HTML-only mail, for tickets and reply splitting.
    ``separators=False``: what follows Outlook's separator is not marked quoted but
    copied as Outlook's plain part has it (its header block, then the old mail,
    unmarked), for what is read inside the old mail (:mod:`.inline_comments`)."""
    out = _Text(separators)
    _tokenize(html, out)
    out.end_link()  # a link the document never closed
    return _render(out.chunks)


def _text(out: _Text, html: str, start: int, end: int) -> None:
    if end > start:
        chunk = html[start:end]
        out.data(entities.unescape(chunk) if "&" in chunk else chunk)


def _tokenize(html: str, out: _Text) -> None:
    pos = text_from = 0
    size = len(html)
    tags = 0
    while True:
        i = html.find("<", pos)
        if i < 0 or i + 1 >= size:
            break
        tags += 1
        if tags > MAX_TAGS:  # the rest as plain text, tags dropped: one C-level pass
            _text(out, html, text_from, i)
            out.data(entities.unescape(_ANY_TAG.sub(" ", html[i:])))
            return
        nxt = html[i + 1]
        end = -1
        if html.startswith("<!--", i):
            _text(out, html, text_from, i)
            end = html.find("-->", i + 4)
            if end < 0:
                return  # a comment to the end of the document
            pos = text_from = end + 3
            continue
        if nxt in "!?" or (nxt == "/" and not _TAG_NAME.match(html, i + 2)):
            _text(out, html, text_from, i)
            end = html.find(">", i + 2)
            if end < 0:
                return
            pos = text_from = end + 1
            continue
        closing = nxt == "/"
        name = _TAG_NAME.match(html, i + 2 if closing else i + 1)
        if name is None:  # "a < b": text
            pos = i + 1
            continue
        _text(out, html, text_from, i)
        tag = name.group().lower()
        if closing:
            end = html.find(">", name.end())
            if end < 0:
                return
            out.end(tag)
            pos = text_from = end + 1
            continue
        attrs, end = _attributes(html, name.end())
        if end < 0:
            return  # a tag that never closes: nothing after it can be markup
        out.start(tag, attrs, html[end - 1] == "/")
        pos = text_from = end + 1
        if tag in _RAW_TEXT and html[end - 1] != "/":
            raw_end = _RAW_END[tag].search(html, pos)
            close = html.find(">", raw_end.end()) if raw_end else -1
            if close < 0:
                return  # a script to the end of the document
            out.end(tag)
            pos = text_from = close + 1
    _text(out, html, text_from, size)


def _attributes(html: str, pos: int) -> tuple[dict[str, str], int]:
    """The attributes from ``pos`` on, and where the tag's ``>`` is (-1: nowhere)."""
    if html.startswith(">", pos):
        return _NO_ATTRIBUTES, pos  # the common case, without a pattern
    attrs: dict[str, str] = {}
    while True:
        m = _ATTRIBUTE.match(html, pos)
        if m is None or m.end() == pos:
            break
        value = next((v for v in m.groups()[1:] if v is not None), "")
        attrs.setdefault(m.group(1).lower(), entities.unescape(value))
        pos = m.end()
    return attrs, html.find(">", pos)


def _render(chunks: list[tuple[str, int]]) -> str:
    """Lines with runs of spaces collapsed, at most one blank line in a row, and
    ``> `` in front of each line of quoted history (one per level)."""
    lines: list[tuple[str, int]] = []
    current: list[str] = []
    level = 0
    for text, chunk_level in chunks:
        pieces = text.replace("\xa0", " ").split("\n")
        for n, piece in enumerate(pieces):
            if n:
                lines.append(("".join(current), level))
                current, level = [], 0
            if piece.strip():
                level = max(level, chunk_level)
            current.append(piece)
    lines.append(("".join(current), level))
    out: list[str] = []
    for line, depth in lines:
        # HTML's own white space goes; an ideographic space (a Japanese paragraph's
        # indent, 「山田　太郎」) is text, kept, unless the line holds nothing else
        line = _LINE_SPACES.sub(" ", line).strip(" \t\r\n\f\v") if line.strip() else ""
        if not line and not (out and out[-1]):
            continue
        out.append(("> " * min(depth, MAX_QUOTE_DEPTH) + line) if line else line)
    while out and not out[-1]:
        out.pop()
    return _CONTROL.sub("", "\n".join(out).strip())
