"""Whom a bounce says a mail of ours did not reach (RFC 3464), as a pure rule.

A bounce on a ticket tells the member that the customer did not get a mail only when
it says so of the requester: by naming them, or by naming nobody (the mail as a whole
came back) or nobody else the mail went to (where the requester's mail was forwarded).
The runner reads it as the bounce arrives, the sweeps when they count a waiting
requester's clock (:mod:`gateway.scheduling.waiting`); one rule, so both agree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# who a delivery status notification says the mail failed for: its Final-Recipient and
# Original-Recipient fields (RFC 3464 2.3.1-2, "rfc822; addr"), Exim's X-Failed-Recipients
_FAILED_FOR = re.compile(
    rb"^(?:(?:final|original)-recipient:[ \t]*rfc822[ \t]*;|x-failed-recipients:)([^\r\n]*)",
    re.IGNORECASE | re.MULTILINE,
)
# what the reporting server did for one recipient (RFC 3464 2.3.3): failed, or delayed
# (it tries again), delivered, relayed, expanded, none of which came back
_ACTION = re.compile(rb"^action:[ \t]*([a-z]+)", re.IGNORECASE | re.MULTILINE)
# the per-recipient fields of a delivery-status part are blocks between blank lines
_BLOCK = re.compile(rb"\r?\n[ \t]*\r?\n")


def failed_for(raw: bytes) -> set[str]:
    """The addresses (lower case) a bounce names as not reached; empty: it names none.
    A recipient whose block gives another Action (still being tried, delivered) is not
    among them."""
    found: set[str] = set()
    for block in _BLOCK.split(raw):
        action = _ACTION.search(block)
        if action is None or action.group(1).lower() == b"failed":
            found |= _named(block)
    return found - {""}


# what the receiving server said (RFC 3464 2.3.6, "smtp; 550 5.1.1 …", its type before the
# semicolon, folded like any field), and the status code it gave (2.3.4, "5.1.1")
_DIAGNOSTIC = re.compile(
    rb"^diagnostic-code:[ \t]*(?:[a-z0-9-]+[ \t]*;)?([^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)",
    re.IGNORECASE | re.MULTILINE,
)
_STATUS = re.compile(
    rb"^status:[ \t]*([245]\.[0-9]{1,3}\.[0-9]{1,3})", re.IGNORECASE | re.MULTILINE
)
MAX_REASON = 200  # a line of a notice, not the server's whole essay


def reason(raw: bytes, requester: str) -> str:
    """Why the bounce ``raw`` says the mail did not reach ``requester``: the receiving
    server's Diagnostic-Code of the failed recipient that names them (else of the first
    one that failed), its Status code before it when the words do not hold it; "" for
    a notice with no report (Exim's and qmail's words are not read). One line of at most
    :data:`MAX_REASON` printable characters: it is a stranger's text in our notice."""
    me, chosen = requester.lower(), b""
    for block in _BLOCK.split(raw):
        action = _ACTION.search(block)
        if action is None or action.group(1).lower() != b"failed":
            continue
        theirs = me in _named(block)
        if not chosen or theirs:
            chosen = block
        if theirs:
            break
    diagnostic, status = _DIAGNOSTIC.search(chosen), _STATUS.search(chosen)
    words = diagnostic.group(1).decode("ascii", "replace") if diagnostic else ""
    code = status.group(1).decode("ascii") if status else ""
    text = " ".join(words.split())
    if code and code not in text:
        text = f"{code} {text}".strip()
    return "".join(c for c in text if c.isprintable())[:MAX_REASON]


def _named(block: bytes) -> set[str]:
    """The addresses a block's recipient fields name, lower case."""
    return {
        part.strip().strip("<>").strip().lower()
        for field in _FAILED_FOR.finditer(block)
        for part in field.group(1).decode("ascii", "replace").split(",")
    }


def gave_up(raw: bytes) -> bool:
    """Whether the bounce ``raw`` says a mail came back: one of its recipients' Action
    is ``failed``, or it gives none (Exim's plain-text bounce, a notice in words). A
    delay warning (only ``delayed``: Postfix's "still being retried", Gmail's
    "(Delay)") or a delivery receipt says the mail is on its way, or arrived."""
    actions = {m.group(1).lower() for m in _ACTION.finditer(raw)}
    return not actions or b"failed" in actions


def returned_to(raw: bytes, requester: str, recipients: Iterable[str] = ()) -> bool:
    """Whether the bounce ``raw`` of a mail to ``recipients`` says the requester did not
    get it: it names them, or names none of the others (nobody: the mail as a whole came
    back; someone else: where the requester's mail was forwarded). A Cc's bounce names
    the Cc, and says nothing of what reached the requester."""
    named = failed_for(raw)
    me = requester.lower()
    others = {r.lower() for r in recipients} - {me}
    return me in named or not named & others


def came_back_from_requester(raw: bytes, requester: str, recipients: Iterable[str]) -> bool:
    """Whether the bounce ``raw`` of a mail to ``recipients`` says the requester did not
    get it (:func:`returned_to`), the mail having come back (:func:`gave_up`, not a
    delay warning) and gone to them at all: a mail to a Cc
    alone (the copy of an answer for a Cc) that came back is the Cc's, whatever the
    bounce names, and tells the member nothing new of the customer."""
    me = requester.lower()
    to_them = any(r.lower() == me for r in recipients)
    return to_them and gave_up(raw) and returned_to(raw, requester, recipients)
