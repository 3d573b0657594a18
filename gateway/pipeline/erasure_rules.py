"""Whose is this row? The pure rules of a person's erasure (``requesters forget``).

The service (:mod:`gateway.tickets.erasure`) reads candidate rows from the store and
asks these questions; nothing here reads a database or a file. ``address`` is the
person's canonical, lower-case address.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Collection, Mapping, Sequence
from email import message_from_bytes
from email.parser import HeaderParser
from email.policy import compat32
from typing import Any

from gateway.core.domains import readable_address
from gateway.pipeline.parse import submission
from gateway.pipeline.parse.charsets.decode import decode_bytes
from gateway.pipeline.parse.headers import addresses

# Policy: the header fields that say who sent a mail (the author, the one who sent it
# for them, where answers go): a row with one of these naming the person is theirs
SENDER_FIELDS = ("From", "Sender", "Reply-To")

_BLANK_LINE = re.compile(rb"\r?\n\r?\n")
_SPACE = re.compile(r"\s+")
# Policy: a mail of theirs counts as quoted by ours when the first QUOTED_START
# characters of its new text (white space left out) are in ours; a text shorter than
# QUOTED_AT_LEAST characters is anyone's words, and is not looked for
QUOTED_START = 200
QUOTED_AT_LEAST = 12


def forms(address: str) -> tuple[str, ...]:
    """The ways our words write ``address`` (stored as its ASCII form, ``xn--`` domain):
    as stored, and as people read it (``taro@例え.jp``: a digest's requester, a member's
    notice), lower case. One person for the erasure, whichever a mail shows."""
    readable = readable_address(address).lower()
    return (address,) if readable == address else (address, readable)


def subject_mark(key: bytes, address: str) -> str:
    """The audit row's mark of the address: an HMAC keyed by the gateway's secret, so the
    same address gives the same mark (was it erased? when?) and the mark gives no address."""
    return hmac.new(key, b"erasure:" + address.encode(), hashlib.sha256).hexdigest()


def sent_by(head: bytes, source: str, envelope_from: str | None, address: str) -> bool:
    """Whether a stored row (its first bytes) came from ``address``: a form or chat
    submission that names them as its requester, a mail whose envelope sender or
    From/Sender/Reply-To is theirs."""
    if (envelope_from or "").lower() == address:
        return True
    if source in submission.SOURCES:
        return _submitted_by(head, address)
    block = _BLANK_LINE.split(head, maxsplit=1)[0]
    # read as UTF-8 (an SMTPUTF8 mail's "Ünal@…"): bytes parsed as such came out as
    # unknown-8bit, "\ufffd\ufffdnal@…", never their address; other bytes are no address
    text = (block + b"\n\n").decode("utf-8", "replace")
    headers = HeaderParser(policy=compat32).parsestr(text, headersonly=True)
    values = [str(v) for name in SENDER_FIELDS for v in headers.get_all(name) or []]
    return any(a.email.lower() == address for a in addresses(values, None, []))


def _submitted_by(head: bytes, address: str) -> bool:
    parsed, _, _ = submission.decode(head)
    if parsed.from_ is not None:
        return parsed.from_.email.lower() == address
    try:  # cut at HEAD_BYTES: the document is not whole; its requester is near the start
        found = re.search(rb'"requester_email"\s*:\s*("(?:[^"\\]|\\.)*")', head)
        return found is not None and str(json.loads(found.group(1))).lower() == address
    except ValueError:
        return False


def their_words(new_texts: Sequence[str]) -> list[str]:
    """What :func:`quotes_them` looks for: the start of each of their mails' new text,
    without white space (our notices wrap what they quote), when long enough to be theirs
    rather than anyone's ("OK", "ありがとう")."""
    out = []
    for written in new_texts:
        bare = _SPACE.sub("", written)[:QUOTED_START]
        if len(bare) >= QUOTED_AT_LEAST:
            out.append(bare)
    return out


def quotes_them(subject: str, text: str, address: str, words: Sequence[str]) -> bool:
    """A mail of ours on a ticket that stays that carries their data: it names their
    address (a member's notice: "a mail from alice@…") or quotes one of their mails."""
    if any(form in subject.lower() or form in text.lower() for form in forms(address)):
        return True
    bare = _SPACE.sub("", text)
    return any(w in bare for w in words)


def to_them_alone(to: Sequence[Any], cc: Sequence[Any], address: str) -> bool:
    """A mail of ours addressed to the person and nobody else: an answer to them."""
    everyone = {str(a).lower() for a in [*to, *cc]}
    return everyone == {address}


def names_them(old: str | None, new: str | None, detail: Mapping[str, Any], address: str) -> bool:
    """An event (of someone else) on a ticket that stays that names them: the ticket's
    people when it was opened, their address added or taken off (a Cc, a watcher)."""
    written = [(s or "").lower() for s in (old, new)]
    written.append(json.dumps(detail, ensure_ascii=False).lower())
    return any(form in w for form in forms(address) for w in written)


def scrubbed(value: Any, address: str) -> Any:
    """``value`` (an event's old, new or detail) without the address: taken out of a
    list, cut out of a text; the rest of the ticket's history as it was."""
    if isinstance(value, str):
        either = "|".join(re.escape(form) for form in forms(address))
        return re.sub(either, "", value, flags=re.IGNORECASE)
    if isinstance(value, list):
        kept = [v for v in value if not (isinstance(v, str) and v.lower() in forms(address))]
        return [scrubbed(v, address) for v in kept]
    if isinstance(value, dict):
        return {k: scrubbed(v, address) for k, v in value.items()}
    return value


# a ticket's tag in our mail's words and its number: [#12], [HELP#12] (not "#222", a colour)
_TAG_NUMBER = re.compile(r"\[[^\[\]\s#]{0,64}#([0-9]{1,18})\]")


def mail_names(raw: bytes, address: str | None, ticket_ids: Collection[int]) -> bool:
    """A mail of ours about no one ticket (a digest, a list) that names them: their
    address in its words or headers (in either of its :func:`forms`), or the number of
    one of their tickets (its line carries the subject and the requester); ``address``
    None: only the tickets (the retention's, which erases tickets, not a person). Its text
    parts are read decoded, as a reader sees them (a Japanese mail's ISO-2022-JP,
    base64); the plain ones, which say what the HTML ones say."""
    text = _words(raw)
    if address is not None and any(form in text for form in forms(address)):
        return True
    return any(int(n) in ticket_ids for n in _TAG_NUMBER.findall(text))


def tickets_named(raw: bytes, ticket_ids: Collection[int]) -> frozenset[int]:
    """Which of ``ticket_ids`` a mail of ours about no one ticket names, read as
    :func:`mail_names` reads it: the retention's, which keeps what it found for a later
    transaction that may erase fewer of them."""
    return frozenset(int(n) for n in _TAG_NUMBER.findall(_words(raw))) & frozenset(ticket_ids)


def _words(raw: bytes) -> str:
    """A mail's headers and its plain text parts, decoded, lower case."""
    message = message_from_bytes(raw, policy=compat32)
    texts = [str(v) for v in message.values()]
    for part in message.walk():
        if part.get_content_type() != "text/plain":
            continue
        data = part.get_payload(decode=True)
        if isinstance(data, bytes):
            texts.append(decode_bytes(data, part.get_content_charset())[0])
    return "\n".join(texts).lower()


def without(recipients: Sequence[Any], address: str) -> list[Any]:
    return [r for r in recipients if str(r).lower() != address]
