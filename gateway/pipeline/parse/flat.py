"""Every part of a MIME tree too deep for the stdlib parser, in one pass, flattened.

``email``'s parser recurses once per ``multipart`` level, so a message nested a
thousand levels deep raises ``RecursionError`` and would keep nothing but its
headers. Here the body is read once, from boundary line to boundary line: the
boundaries of the open containers are a stack (a delimiter of an outer one
closes the inner ones, as RFC 2046 says), each part's header block is parsed
alone, and every leaf part is kept, in document order, as a child of one flat
``multipart/mixed`` message. Nothing recurses and nothing is scanned twice:
finding the next blank line or boundary remembers where the last search ended,
so a million parts without bodies cost a million steps, not a million squared.
"""

from __future__ import annotations

import re
from email.message import Message
from email.parser import BytesParser, HeaderParser
from email.policy import compat32

__all__ = ["flat_message"]

_BOUNDARY_LINE = re.compile(r"^--[^\r\n]*", re.M)
_BLANK_LINE = re.compile(r"\r?\n\r?\n")


class _NextBlank:
    """The first blank line at or after a position, each stretch of text searched once."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.found = -2  # -2: not searched yet; -1: none left in the text
        self.end = 0

    def at_or_after(self, pos: int) -> tuple[int, int]:
        """(start, end) of the blank line (start at the newline ending the headers)."""
        if self.found == -1 or (self.found >= pos):
            return self.found, self.end
        m = _BLANK_LINE.search(self.text, pos)
        self.found, self.end = (m.start(), m.end()) if m else (-1, -1)
        return self.found, self.end


def flat_message(raw: bytes) -> Message | None:
    """The message with its leaf parts as one flat list, or None when it is not multipart."""
    top = BytesParser(policy=compat32).parsebytes(raw, headersonly=True)
    body = top.get_payload()
    boundary = top.get_boundary()
    if not isinstance(body, str) or not boundary:
        return None
    leaves = _leaves(body, boundary)
    top.set_payload(list[Message | str](leaves))
    return top


def _leaves(body: str, boundary: str) -> list[Message]:
    stack = [boundary]  # open containers' boundaries, outermost first
    level = {boundary: 0}
    blanks = _NextBlank(body)
    leaves: list[Message] = []
    leaf: tuple[Message, int] | None = None  # the open leaf and where its body starts
    for line in _BOUNDARY_LINE.finditer(body):
        token = line.group()[2:].rstrip()
        closing = token.endswith("--") and token[:-2] in level
        name = token[:-2] if closing else token
        if name not in level:
            continue  # a line that starts with "--" but is no boundary of ours
        if leaf is not None:
            leaves.append(_with_body(leaf[0], body[leaf[1] : line.start()]))
            leaf = None
        depth = level[name]
        for inner in stack[depth + 1 :]:
            del level[inner]
        del stack[depth + 1 :]
        if closing:
            del level[name]
            stack.pop()
            continue
        leaf = _open_part(body, line.end(), blanks, stack, level)
    if leaf is not None:  # the closing delimiter never came: keep what there is
        leaves.append(_with_body(leaf[0], body[leaf[1] :]))
    return leaves


def _open_part(
    body: str, after: int, blanks: _NextBlank, stack: list[str], level: dict[str, int]
) -> tuple[Message, int] | None:
    """Read the header block after a delimiter line; a container pushes its boundary
    (and is no leaf), a leaf is returned with where its body starts."""
    newline = body.find("\n", after)
    if newline < 0:
        return None  # the delimiter is the last line: an empty part
    start = newline + 1
    if body.startswith(("\n", "\r\n"), start):  # a blank line first: no headers at all
        head_end, body_start = start, body.index("\n", start) + 1
    else:
        blank, blank_end = blanks.at_or_after(start)
        limit = blank if blank >= 0 else len(body)
        dashes = body.find("\n--", newline, limit)  # a delimiter before any blank line
        if dashes >= 0:
            head_end = body_start = dashes
        else:
            head_end, body_start = limit, blank_end if blank >= 0 else len(body)
    headers = HeaderParser(policy=compat32).parsestr(body[start:head_end], headersonly=True)
    inner = headers.get_boundary() if headers.get_content_maintype() == "multipart" else None
    if inner and inner not in level:
        level[inner] = len(stack)
        stack.append(inner)
        return None
    return headers, body_start


def _with_body(part: Message, text: str) -> Message:
    if text.endswith("\r\n"):
        text = text[:-2]
    elif text.endswith("\n"):
        text = text[:-1]
    part.set_payload(text)
    return part
