"""Header fields into values: addresses, dates, Message-IDs, the loop headers.

Headers are read raw (8-bit bytes kept as surrogates) and decoded by
:mod:`gateway.pipeline.parse.charsets`, with the body's declared charset as
the best guess for undeclared 8-bit text. Nothing here raises: an address
list that cannot be split, a date that cannot be read, a missing Message-ID
each become a defect note, an empty value or a synthetic id.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import Message
from email.utils import collapse_rfc2231_value, parsedate_to_datetime

from gateway.core import graphemes, msgid
from gateway.core.model import Address, LoopHeaders, PriorityHeaders
from gateway.core.title import ELLIPSIS, TITLE_MAX
from gateway.pipeline.parse.charsets import decode_header_with_notes
from gateway.pipeline.parse.charsets.headers import decode_raw_runs
from gateway.pipeline.parse.mailboxes import (
    ENCODED_WORD,
    canonical,
    mailbox_pairs,
    phrases_without_address,
)

_MSGID = re.compile(r"<([^<>]*)>")  # brackets and what they hold, whitespace too
_ADDRESS_IN_BRACKETS = re.compile(r"<([^<>\s]+)>")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")  # LRE RLE PDF LRO RLO, LRI RLI FSI PDI
_FOLD = re.compile(r"\r?\n(?=[ \t])")  # a line break that folds a field (RFC 5322 2.2.3)
HINT_PARTS = 50
MAX_ADDRESS_HEADER = 64 * 1024  # characters of one address field that are parsed
# An address longer than this cannot be written to (RFC 5321 4.5.3.1.3: a path is at most
# 256 octets with its brackets), and more than the database keeps of one (PostgreSQL
# refused the row: the request was shunted); a display name is cut like a ticket's title.
MAX_ADDRESS = 254
MAX_MARKS = 8  # occurrences of one spam header read (a server adds one; a sender may forge some)
MARK_CHARS = 64  # of each, after squeezing: a verdict is a word or two and a score


class HeaderView:
    """Raw header values by lower-cased name.

    ``Message.get`` under compat32 returns ``Header`` objects for 8-bit values;
    the raw strings (8-bit bytes as surrogates) are what our decoder wants.
    """

    def __init__(self, message: Message) -> None:
        self._values: dict[str, list[str]] = {}
        for name, value in message.raw_items():
            self._values.setdefault(str(name).strip().lower(), []).append(str(value))

    def all(self, name: str) -> list[str]:
        return self._values.get(name, [])

    def first(self, name: str) -> str | None:
        values = self._values.get(name)
        return values[0] if values else None

    def decoded(self, name: str, hint: str | None, defects: list[str]) -> str:
        value = self.first(name)
        if value is None:
            return ""
        text, notes = decode_header_with_notes(value, hint)
        defects.extend(f"header {name}: {note}" for note in notes)
        return text


def charset_hint(message: Message) -> str | None:
    """The first declared text charset (among the first parts): the best guess for raw
    8-bit headers. Not all 50 000 parts of a hostile message."""
    for part in itertools.islice(message.walk(), HINT_PARTS):
        if part.get_content_maintype() == "text":
            charset = param_text(part.get_param("charset"))
            if charset:
                return charset
    return None


def param_text(value: object) -> str | None:
    """``get_param`` returns a tuple for RFC 2231 values; flatten it to text."""
    if isinstance(value, tuple):
        value = collapse_rfc2231_value(value)
    if not isinstance(value, str):
        return None
    return value.strip().strip('"').strip() or None


def addresses(values: list[str], hint: str | None, defects: list[str]) -> list[Address]:
    """Split before decoding, so an encoded "Last, First" stays one address, and a
    display name is never read as an address (:mod:`.mailboxes`). The
    stdlib's address parser is pure Python (microseconds per character, and it
    recurses on nested comments): only the first MAX_ADDRESS_HEADER characters of a
    field are read, up to the last comma there. Fields are unfolded first: the stdlib's
    parser ends a quoted name at a line break, so a long name folded inside its quotes
    (as RFC 5322 allows) lost the address after it."""
    out: list[Address] = []
    values = [_raw_decoded(_FOLD.sub("", _bounded(v, defects)), hint, defects) for v in values]
    try:
        pairs = mailbox_pairs(values)  # a name's "@" never makes an address (mailboxes)
    except Exception:  # noqa: BLE001
        defects.append("header: unparseable address list")
        return out
    names = phrases_without_address(values)
    for raw_name, raw_addr in pairs:
        name, notes = decode_header_with_notes(raw_name, hint)
        if ENCODED_WORD.search(raw_addr):  # RFC 2047 section 5: never in an address
            defects.append("address: an encoded word where an address belongs; not read")
            continue
        addr, more = decode_header_with_notes(raw_addr)  # no hint: a+tag-x@ is not UTF-7
        defects.extend(f"address: {note}" for note in notes + more)
        addr = canonical(_unspaced(addr))  # again: "a@ 例え.jp" is one only now
        if len(addr) > MAX_ADDRESS:
            defects.append(f"address: one of {len(addr)} characters, longer than any mailbox's")
            continue
        local, at, domain = addr.rpartition("@")
        if at and not (local and domain):  # "@x.test", "a@b@c" read as "@c": no mailbox
            defects.append("address: no mailbox before or after its @; not read")
            continue
        if not at and addr in names:  # "From: John Doe": the first word of a name
            defects.append("address: a name without an address; not read")
            continue
        if addr:
            out.append(Address(name=short_name(name), email=addr))
    return out


_QUOTED_START = re.compile(r'"[^"]*"')


def _unspaced(addr: str) -> str:
    """Spaces go (an address folded or typed by hand), except inside a quoted local
    part, where they are the mailbox's own: ``"a b"@x.test`` is not ``"ab"@x.test``."""
    quoted = _QUOTED_START.match(addr)
    if quoted is None:
        return addr.replace(" ", "")
    return quoted.group(0) + addr[quoted.end() :].replace(" ", "")


def _raw_decoded(value: str, hint: str | None, defects: list[str]) -> str:
    """Raw JIS and 8-bit text decoded before the split (encoded words after it)."""
    text, notes = decode_raw_runs(value, hint)
    defects.extend(f"address: {note}" for note in notes)
    return text


def short_name(name: str) -> str:
    """A display name as kept: at most TITLE_MAX characters (one mail's From name may be
    thousands; every mail, card and list repeats it), and without bidi embeddings,
    overrides and isolates: in "requester: NAME <address>" an override reverses what
    follows it on the line, so a name could show the address backwards and read as
    another one. Right-to-left names need none of them (the Unicode algorithm orders
    their letters itself)."""
    name = _BIDI.sub("", name)
    return graphemes.shorten(name, TITLE_MAX, ELLIPSIS)


def _bounded(value: str, defects: list[str]) -> str:
    if len(value) <= MAX_ADDRESS_HEADER:
        return value
    cut = max(value.rfind(",", 0, MAX_ADDRESS_HEADER), 0)
    defects.append(f"header: address list of {len(value)} characters; the first {cut} read")
    return value[:cut]


def message_id(
    value: str | None, raw: bytes | str, defects: list[str] | None = None
) -> tuple[str, bool]:
    """The Message-ID, or one made from the bytes' hash (and True: synthetic). ``raw``:
    the whole message, or its SHA-256 (hex) when only a slim copy was parsed.

    The id is what its brackets hold, whole: ``<abc def@example.com>`` read as its
    last word was a fragment another mail's id may equal (taken for a copy of it,
    or threaded under its ticket); its whitespace makes it a digest (:func:`msgid.bounded`),
    as Zammad keys such an id by a hash of the whole. An id that is no msg-id
    (RFC 5322 3.6.4: whitespace, non-ASCII, an encoded word, no ``@``) is a defect:
    it still threads what quotes it, and our mail never names it
    (:func:`msgid.well_formed`)."""
    found = msgid.field_id(_clean_header(value)) if value else ""
    if found:
        if not msgid.well_formed(found) and defects is not None:
            defects.append("header Message-ID: not a well-formed msg-id (RFC 5322 3.6.4)")
        return msgid.bounded(found), False
    if value and value.strip() and defects is not None:
        defects.append("header Message-ID: names no id; one made from the message")
    digest = raw if isinstance(raw, str) else hashlib.sha256(raw).hexdigest()
    return f"{digest[:32]}@synthetic.invalid", True


def msgid_list(values: list[str]) -> tuple[str, ...]:
    """Message-IDs from In-Reply-To/References, tolerating missing brackets and junk.
    An id with whitespace in its brackets is read whole, as :func:`message_id` reads it."""
    found: list[str] = []
    for value in values:
        text = _clean_header(value)
        ids = [" ".join(i.split()) for i in _MSGID.findall(text)]
        if not any(ids):
            ids = [t.strip("<>") for t in re.split(r"[\s,;]+", text) if "@" in t]
        found.extend(msgid.bounded(i) for i in ids if i)
    return tuple(dict.fromkeys(found))


def _clean_header(value: str) -> str:
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


# Zone names mailers write instead of an offset that RFC 5322 does not know (it knows UT,
# GMT and the US zones): only names with one meaning and no daylight saving
_ZONE_NAMES = {
    "JST": "+0900",  # Japan: CGI forms and older Japanese mailers
    "KST": "+0900",  # Korea
}
_TRAILING_NAME = re.compile(r"(?<=\s)([A-Za-z]{3})\s*$")


def _zone_named(value: str) -> str:
    """``value`` with a trailing zone name of :data:`_ZONE_NAMES` as its offset."""
    found = _TRAILING_NAME.search(value)
    offset = _ZONE_NAMES.get(found.group(1).upper()) if found else None
    return value if found is None or offset is None else value[: found.start()] + offset


def date(value: str | None, fallback: datetime | None) -> datetime | None:
    """The Date header, else mail-parser's reading of it; naive times count as UTC."""
    if value:
        try:
            parsed = parsedate_to_datetime(_zone_named(_clean_header(value).strip()))
        except Exception:  # noqa: BLE001 - a bad date is a missing date
            parsed = None
        if parsed is not None:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if fallback is not None:
        return fallback if fallback.tzinfo else fallback.replace(tzinfo=UTC)
    return None


# Headers only a list manager sets, besides List-Id and List-Unsubscribe (read on their
# own): any one of them makes a message list mail. Some managers set none of those two.
LIST_MARKS: tuple[str, ...] = (
    "list-post",  # RFC 2369: where to post; ezmlm, Mailman, Sympa, Google Groups
    "list-help",  # RFC 2369: how to get help from the list manager
    "list-subscribe",  # RFC 2369
    "list-owner",  # RFC 2369
    "list-archive",  # RFC 2369
    "mailing-list",  # ezmlm and Yahoo Groups: "contact x-help@…; run by ezmlm"
)


def _news(plain: Callable[[str], str]) -> str:
    """The groups of a news article a news server passed on: Newsgroups with the servers'
    Path. A client that posts to a group and mails us at once writes Newsgroups too, but
    its mail never went through a news server, so it has no Path: a person's copy."""
    groups = plain("newsgroups").strip()
    return groups if groups and plain("path").strip() else ""


def loop_headers(
    message: Message, headers: HeaderView, hint: str | None, defects: list[str]
) -> LoopHeaders:
    """The headers the loop rules judge (``gateway.pipeline.loops``), decoded."""

    def keyword(name: str) -> str:
        return headers.decoded(name, hint, defects).lower()

    def plain(name: str) -> str:
        return headers.decoded(name, hint, defects)

    return LoopHeaders(
        auto_submitted=keyword("auto-submitted"),
        precedence=keyword("precedence"),
        list_id=plain("list-id"),
        list_unsubscribe=plain("list-unsubscribe"),
        list_other=next((v for v in map(plain, LIST_MARKS) if v.strip()), "") or _news(plain),
        x_auto_response_suppress=keyword("x-auto-response-suppress"),
        x_autoreply=keyword("x-autoreply"),
        x_autorespond=keyword("x-autorespond"),
        x_apple_action=keyword("x-apple-action"),
        return_path=_return_path(headers.first("return-path")),
        x_loop=plain("x-loop"),
        x_loops=tuple(decode_header_with_notes(v, hint)[0] for v in headers.all("x-loop")),
        x_ticket_gateway=plain("x-ticket-gateway"),
        content_type=message.get_content_type().lower(),
        report_type=(param_text(message.get_param("report-type")) or "").lower(),
        x_spam_flag=read_marks(headers.all("x-spam-flag")),
        x_spam_status=read_marks(headers.all("x-spam-status")),
        x_spam=read_marks(headers.all("x-spam")),
        x_rspamd_action=read_marks(headers.all("x-rspamd-action")),
    )


def read_marks(values: list[str]) -> tuple[str, ...]:
    """A mail server's verdict headers (``X-Spam-Status`` and friends), as the rules in
    :mod:`gateway.pipeline.spam_marks` read them: each occurrence (up to MAX_MARKS) with
    its folding and runs of blanks squeezed to one space, cut to MARK_CHARS, lower-case.
    One pass over each value, however long or oddly folded; no decoding (a server writes
    them in ASCII; a forged 8-bit one stays as it is, and says nothing)."""
    return tuple(" ".join(v.split())[:MARK_CHARS].lower() for v in values[:MAX_MARKS])


def priority_headers(headers: HeaderView, hint: str | None, defects: list[str]) -> PriorityHeaders:
    """The sender's urgency headers, lower-cased and cut to their first 64 characters
    (a level is a word or two; the rest of a hostile value is never looked at)."""

    def keyword(name: str) -> str:
        return headers.decoded(name, hint, defects)[:64].strip().lower()

    return PriorityHeaders(
        importance=keyword("importance"),
        x_priority=keyword("x-priority"),
        priority=keyword("priority"),
    )


def _return_path(value: str | None) -> str | None:
    if value is None:
        return None
    text = _clean_header(value).strip()
    inner = _ADDRESS_IN_BRACKETS.search(text)
    if inner:
        return inner.group(1).lower()
    return text.strip("<> \t").lower()
