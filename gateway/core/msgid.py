"""Message-IDs of a length a header line can carry, however long the one we were sent,
and the test of which ids our own mail may name.

RFC 5322 caps a header line at 998 characters, and a Message-ID we store is echoed
in the In-Reply-To and References of every later mail of its ticket. An id longer
than :data:`MAX_LENGTH` is kept as a digest of itself: the same long id always
gives the same short one, so a reply that quotes the long original still threads,
and nothing we send grows with what a stranger wrote (issue #14). So is an id with
whitespace inside its brackets (``<abc def@example.com>``): read whole (its last
word alone is a fragment another mail's id may equal), its runs of whitespace one
space, so the same id folded elsewhere in a reply gives the same digest.

What our mail names in In-Reply-To and References is :func:`nameable` only: an
id of non-ASCII text or an encoded word is kept for threading what comes in, and
never written out (a reader would decode or mangle it; a relay may refuse 8-bit);
nor is a digest, which no client ever saw.
"""

from __future__ import annotations

import hashlib
import re

MAX_LENGTH = 250
DOMAIN = "shortened.invalid"
_CONTROL = re.compile("[\x00-\x1f\x7f]")
_SPACE = re.compile(r"\s")
# RFC 5322 3.6.4 msg-id without its brackets: id-left "@" id-right, both dot-atom-text
# (atext and dots: a dot doubled or at an end is obs-id-left, which older mailers write
# and clients read), or id-right a no-fold-literal ("[" dtext "]"). One character class
# per side: linear on any input.
_WELL_FORMED = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@(?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+|\[[!-Z^-~]*\])"
)


def bounded(message_id: str) -> str:
    """``message_id`` itself, or ``sha256-<hex>@shortened.invalid`` when it is too long
    or holds a control character (a NUL, which PostgreSQL cannot store, or a byte no
    header we send may carry) or whitespace (no msg-id has any: what the brackets
    held, whole, stands for it)."""
    if (
        len(message_id) <= MAX_LENGTH
        and not _CONTROL.search(message_id)
        and not _SPACE.search(message_id)
    ):
        return message_id
    digest = hashlib.sha256(message_id.encode("utf-8", "surrogatepass")).hexdigest()[:40]
    return f"sha256-{digest}@{DOMAIN}"


def nameable(message_id: str) -> bool:
    """Whether our mail may name ``message_id`` in In-Reply-To or References: it is
    :func:`well_formed`, and not a digest :func:`bounded` made (ours, to thread what
    comes in: no client ever saw it, so naming it threads nothing)."""
    return well_formed(message_id) and not message_id.endswith("@" + DOMAIN)


def field_id(value: str) -> str:
    """The id a Message-ID field names (Original-Message-ID, a returned one): what its
    first brackets hold, whole, runs of whitespace one space (an unclosed bracket:
    to the end). Without brackets, the field's words without its comments when they
    hold an ``@``, else "" (``unknown``, ``(none)``: no id, which many mails share).
    A comment before the brackets is not it. Linear: finds, a split, one class."""
    start = value.find("<")
    if start >= 0:
        end = value.find(">", start + 1)
        return " ".join(value[start + 1 : end if end >= 0 else len(value)].split())
    words = _COMMENT.sub(" ", value)
    return " ".join(words.split()) if "@" in words else ""


_COMMENT = re.compile(r"\([^()]*\)")  # an RFC 5322 comment (a nested one: its inner one)


def well_formed(message_id: str) -> bool:
    """Whether ``message_id`` (without brackets) is an RFC 5322 msg-id our headers may
    carry: ASCII, one ``@`` between dot-atoms (or a domain literal), no encoded word
    (``=?`` is atext, but a reader decodes ``=?utf-8?…?=`` into what nobody wrote)."""
    return (
        len(message_id) <= MAX_LENGTH
        and "=?" not in message_id
        and _WELL_FORMED.fullmatch(message_id) is not None
    )


def nearest_well_formed(wanted: str, thread: tuple[str, ...] | list[str]) -> str:
    """The id an answer to ``wanted`` names in In-Reply-To: ``wanted`` when our mail may
    carry it (:func:`nameable`), else the well-formed id of ``thread`` (oldest first)
    nearest to it there, the earlier of two as near (an answer follows what it
    answers), or the newest one when ``wanted`` is not in it; "" when none is, or when
    nothing is answered. Dropped, the answer had no In-Reply-To at all and fell out of
    the thread in the reader's client."""
    if not wanted or nameable(wanted):
        return wanted
    ids = list(thread)
    at = ids.index(wanted) if wanted in ids else len(ids)
    for distance in range(1, max(at, len(ids) - at) + 1):
        for i in (at - distance, at + distance):
            if 0 <= i < len(ids) and nameable(ids[i]):
                return ids[i]
    return ""
