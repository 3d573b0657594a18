"""Where each attached message lies in the raw bytes the parser read, to hand it back
byte for byte.

The parser keeps an attached message (message/rfc822 …) only as a tree: written back,
its line ends become ``\\n``, long headers are folded again and a malformed header
is tidied, so its DKIM signature no longer verifies and an analyst cannot trust the
file. The bytes the sender attached are still in the raw message: RFC 2046 5.1.1
puts them between the part's header block and the line ending before the next
delimiter (that CRLF belongs to the delimiter). This finds that slice for each
``message/*`` part of a parsed tree by reading the raw bytes the way the stdlib's
feedparser does, in step with the tree it made:

- lines end at CRLF, CR or LF; a header block ends at its first line that is not a
  field, a continuation or a ``From`` line (a blank line is dropped, another kept);
- a line is a delimiter of a multipart when it is ``--`` and the boundary, ``--``
  after it for the last one, blanks, then the line's end (not a lone CR); a delimiter
  of any enclosing multipart ends every part inside it (RFC 2046 5.1.2), so an attached
  message runs to the first such line after its header block, or to the end of the
  message when its multipart is never closed (then the slice is what the parser took,
  and :attr:`Span.closed` says so). The message's own structure never ends it.

Each part's field names are checked against the tree's as it goes: a tree made
otherwise (the flat reader, another parser) finds no slice here rather than a wrong
one. Linear: lines are found by searching for ``--`` after a line
end, a delimiter line's name is read once however many levels it closes, and
nothing recurses deeper than the tree the stdlib built.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from email.message import Message

__all__ = ["Slices", "Span", "attached_spans"]

_HEADER_LINE = re.compile(rb"From |[\x21-\x39\x3b-\x7e]*:|[\t ]")  # feedparser's headerRE
_EOL = re.compile(rb"\r\n|\r|\n")
_DASH_LINE = re.compile(rb"[\r\n]--")  # a line end, then the start of a delimiter's shape


@dataclass(frozen=True, slots=True)
class Span:
    """An attached message's bytes: ``raw[start:end]``."""

    part: Message  # the message/* part the slice is the body of
    start: int
    end: int
    closed: bool  # False: the multipart around it never closed; it runs to the end


class Slices:
    """The attached messages' bytes of a walk's trees (the message, and any the walk
    parses from bytes of its own: parts recovered from a body, a signed content), each
    tree read when an attached message is first asked for (most mail has none)."""

    def __init__(self) -> None:
        self._trees: list[tuple[Message, bytes]] = []  # each, and the bytes parsed
        self._read = 0  # trees read so far
        self._spans: dict[int, tuple[Span, bytes]] = {}

    def add(self, message: Message, raw: bytes) -> None:
        """One more tree the walk parsed from ``raw`` (the bytes as they came)."""
        self._trees.append((message, raw))

    def of(self, part: Message) -> tuple[bytes, bool] | None:
        """``part``'s bytes and whether its multipart closed (:attr:`Span.closed`), or
        None when no tree holds it as the bytes do."""
        while self._read < len(self._trees):
            message, raw = self._trees[self._read]
            self._read += 1
            self._spans.update((k, (s, raw)) for k, s in attached_spans(message, raw).items())
        found = self._spans.get(id(part))
        if found is None or found[0].part is not part:
            return None
        span, raw = found
        return raw[span.start : span.end], span.closed


class _Mismatch(Exception):
    """The raw bytes do not read as the tree says: no slice is trusted."""


def attached_spans(message: Message, raw: bytes) -> dict[int, Span]:
    """The slice of every ``message/*`` part of ``message`` (parsed from ``raw``), by
    ``id`` of the part; empty when the tree and the bytes disagree."""
    reader = _Reader(raw)
    try:
        reader.node(message, 0)
    except (_Mismatch, RecursionError):
        return {}
    return reader.spans


class _Reader:
    """One pass over ``raw`` in step with the tree: the enclosing boundaries as a
    multiset (a part's own repeats an outer one's now and then)."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        self.active: Counter[bytes] = Counter()
        self.spans: dict[int, Span] = {}
        self._last: tuple[int, bytes | None, int] = (-1, None, 0)  # one line remembered

    def line(self, pos: int) -> tuple[bytes | None, int]:
        """What a line starting at ``pos`` is named if it has a delimiter's shape (the
        text after ``--``, blanks at its end dropped), else None; and where the next
        line starts. The line a delimiter ends many levels at is read once."""
        if self._last[0] == pos:
            return self._last[1], self._last[2]
        found = _EOL.search(self.raw, pos)
        end, after = (found.start(), found.end()) if found else (len(self.raw), len(self.raw))
        name = None
        if self.raw.startswith(b"--", pos) and self.raw[end:after] != b"\r":
            name = self.raw[pos + 2 : end].rstrip(b" \t")
        self._last = (pos, name, after)
        return name, after

    def ends(self, name: bytes | None) -> bool:
        """Whether a line so named delimits a part of an enclosing multipart."""
        if name is None or not self.active:
            return False
        return name in self.active or (name.endswith(b"--") and name[:-2] in self.active)

    def next_end(self, pos: int) -> int:
        """Where the first line at or after ``pos`` that an enclosing delimiter makes
        starts (the part's end), or the message's length."""
        if not self.active:
            return len(self.raw)
        while pos < len(self.raw):
            if self.ends(self.line(pos)[0]):
                return pos
            found = _DASH_LINE.search(self.raw, pos)
            if found is None:
                return len(self.raw)
            pos = found.start() + 1
        return len(self.raw)

    def header_block(self, pos: int) -> tuple[int, list[bytes]]:
        """Where the body after a header block starting at ``pos`` starts, and the
        block's field names in order (as compat32 keeps them)."""
        names: list[bytes] = []
        raw = self.raw
        while pos < len(raw):
            name, after = self.line(pos)
            if self.ends(name):
                return pos, names
            if not _HEADER_LINE.match(raw, pos):
                return (after if raw[pos] in b"\r\n" else pos), names
            colon = raw.find(b":", pos, after)
            if raw[pos] not in b" \t" and not raw.startswith(b"From ", pos) and colon > pos:
                names.append(raw[pos:colon])
            pos = after
        return pos, names

    def node(self, part: Message, pos: int) -> int:
        """Read ``part`` from its header block at ``pos``; where it ends."""
        body, names = self.header_block(pos)
        if names != [k.encode("ascii", "surrogateescape") for k in part]:
            raise _Mismatch
        payload = part.get_payload()
        if part.get_content_maintype() == "multipart" and isinstance(payload, list):
            return self.multipart(part, payload, body)
        end = self.next_end(body)
        if part.get_content_maintype() == "message":
            self.spans[id(part)] = Span(part, body, self._trimmed(body, end), self._closed(end))
        return end

    def multipart(self, part: Message, children: list[Message | str], body: int) -> int:
        """Its preamble, each child between its delimiters, then its epilogue."""
        boundary = part.get_boundary()
        try:
            own = boundary.encode("ascii", "surrogateescape") if boundary else None
        except UnicodeEncodeError:
            own = None  # no line of bytes can match it
        if own is None:
            raise _Mismatch  # the stdlib found no delimiter either: it made no parts
        kind, pos = self.mark(body, own)
        if kind != "next":
            raise _Mismatch  # the stdlib found no first delimiter either: it made no parts
        done = 0
        while kind == "next":
            after = self.line(pos)[1]
            while after < len(self.raw):  # more delimiters in a row make no empty parts
                name = self.line(after)[0]
                if self.ends(name) or name not in (own, own + b"--"):
                    break
                after = self.line(after)[1]
            child = children[done] if done < len(children) else None
            if not isinstance(child, Message):
                raise _Mismatch
            self.active[own] += 1
            pos = self.node(child, after)
            self.active[own] -= 1
            if not self.active[own]:
                del self.active[own]
            done += 1
            kind, pos = self.mark(pos, own)
        if done != len(children):
            raise _Mismatch
        if kind == "close":
            return self.next_end(self.line(pos)[1])  # the epilogue runs to the end
        return pos

    def mark(self, pos: int, own: bytes) -> tuple[str, int]:
        """The first line at or after ``pos`` that is a delimiter of this multipart
        ("next", "close") or of an enclosing one ("end"); ("end", length) when none is
        left (a multipart never closed keeps its last part to the end)."""
        raw = self.raw
        while pos < len(raw):
            name = self.line(pos)[0]
            if self.ends(name):
                return "end", pos
            if name == own:
                return "next", pos
            if name == own + b"--":
                return "close", pos
            found = _DASH_LINE.search(raw, pos)
            if found is None:
                break
            pos = found.start() + 1
        return "end", len(raw)

    def _trimmed(self, start: int, end: int) -> int:
        """``end`` without the line ending before a delimiter (RFC 2046 5.1.1: it is
        the delimiter's)."""
        if end >= len(self.raw) or end <= start:
            return end
        if end - 2 >= start and self.raw[end - 2 : end] == b"\r\n":
            return end - 2
        return end - 1 if self.raw[end - 1 : end] in (b"\r", b"\n") else end

    def _closed(self, end: int) -> bool:
        return end < len(self.raw) or not self.active
