"""Which pictures the HTML body shows in their place: part of how the words look.

A signature's logo (Outlook's image001.png in every mail), a banner, an emoji picture:
each is a MIME part the HTML names by its Content-ID (``<img src="cid:…">``, RFC 2392),
and a reader sees it inside the words, not as a file. Notices, the thanks rule and the
relay of a member's answer leave such pictures out of "the files sent"
(:mod:`gateway.pipeline.files_sent`); this decides which they are from what the mail
says (the part's Content-Disposition and Content-ID, the HTML's references), never
from a file name. Pure and linear.
"""

from __future__ import annotations

import re
from collections.abc import Container
from email.message import Message
from urllib.parse import unquote

from gateway.pipeline.parse.payload import payload_bytes

__all__ = ["Shown", "shown_cids", "shown_in_place"]

_CID_REF = re.compile(rb"""cid:([^\s"'<>()]{1,500})""", re.I)  # RFC 2392, in an HTML body


def shown_in_place(part: Message, cids: Container[str], related: bool) -> bool:
    """A picture the HTML shows by its Content-ID, not one marked as a file: a part of
    a multipart/related (RFC 2387), or one beside the HTML elsewhere (a webmail's
    multipart/mixed) that the HTML names by ``cid:``. A part marked "attachment" is
    one only when the HTML does not show it: Evolution marks the picture its HTML shows
    in multipart/related so, and every reader shows it in the words. What the mail says
    decides, never a name such as image001.png."""
    cid = _content_id(part)
    if not cid:
        return False
    if part.get_content_disposition() == "attachment":
        return related and cid in cids
    return related or cid in cids


def _content_id(part: Message) -> str:
    value = str(part.get("content-id", "") or "")
    return value.strip().strip("<>").strip().lower()


def shown_cids(message: Message) -> frozenset[str]:
    """The Content-IDs the message's own HTML parts name (``cid:``, RFC 2392, its
    %XX read), not those of an attached mail (which shows its own pictures). One
    pass over the tree, without recursion; each HTML part's bytes searched once."""
    found: set[str] = set()
    stack = [message]
    while stack:
        part = stack.pop()
        if part.get_content_maintype() == "message":
            continue
        if part.is_multipart():
            payload = part.get_payload()
            if isinstance(payload, list):
                stack.extend(p for p in payload if isinstance(p, Message))
        elif part.get_content_type() == "text/html" and part.get_content_disposition() != (
            "attachment"
        ):
            data = payload_bytes(part, [])
            found.update(
                unquote(m.group(1).decode("ascii", "replace")).strip().lower()
                for m in _CID_REF.finditer(data)
            )
    return frozenset(found)


class Shown:
    """The Content-IDs a message's HTML shows (:func:`shown_cids`), read at the first
    question: most mails have no picture part with a Content-ID outside a
    multipart/related, and their HTML is then never decoded again to look for one."""

    __slots__ = ("_found", "_message")

    def __init__(self, message: Message | None = None) -> None:
        self._message = message
        self._found: frozenset[str] | None = None

    def __contains__(self, cid: object) -> bool:
        if self._found is None:
            self._found = frozenset() if self._message is None else shown_cids(self._message)
        return cid in self._found
