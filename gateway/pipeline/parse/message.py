"""Raw bytes in, :class:`~gateway.core.model.ParsedMessage` out, whatever the bytes are.

The steps each have their module: :mod:`.load` repairs the header block and
parses (mail-parser, then the stdlib), :mod:`.headers` reads addresses, dates,
Message-IDs and the loop headers, :mod:`.mime` walks the tree for texts and
attachments, :mod:`.body_text` picks the text a ticket shows, and
:mod:`.quotes` cuts quoted history off it. This module puts them in order.

The one promise: :func:`parse_message` never raises.  Whatever went wrong is a
string in ``defects`` so the message can still become (or join) a ticket.

A message with big base64 parts is parsed from a slim copy (:mod:`.slim`: each
big run hashed ahead, a sentinel line in its place), so that a 25 MB attachment
does not cost ten times its size in copies (issue #18); the result is the same
ParsedMessage, or the whole message is parsed after all. A parser in another
process is sent the slim copy (:func:`prepare`, :func:`parse_prepared`), so the
big bytes never travel.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.message import Message

from gateway.core.model import Address, ParsedMessage
from gateway.core.sniff import SNIFF_BYTES, not_mail_reason
from gateway.pipeline.parse import headers
from gateway.pipeline.parse.body_text import body_text
from gateway.pipeline.parse.delivered import delivered_to
from gateway.pipeline.parse.load import (
    header_block_size,
    header_block_size_of,
    load,
    repaired,
    repaired_windows,
)
from gateway.pipeline.parse.mime import rich_words, walk_body
from gateway.pipeline.parse.quotes import split_reply
from gateway.pipeline.parse.slim import SLIM_ABOVE, BigPart, Slimmed, slim, slim_source
from gateway.pipeline.parse.walk_state import Body
from gateway.pipeline.parse.windows import Windows

__all__ = ["SlimMessage", "parse_message", "parse_prepared", "prepare", "prepare_windows"]


# the fields RFC 5322 3.6 allows once that are read by their first instance (To, Cc,
# Reply-To and the thread fields are read whole, every instance): a second is noted
ONCE = {
    "from": "From",  # who the ticket is about; two are a spoof's shape (DMARC skips it)
    "sender": "Sender",  # the From's stand-in
    "subject": "Subject",  # the ticket's title
    "message-id": "Message-ID",  # the duplicate check and the thread
    "date": "Date",  # when it was written
}


@dataclass(frozen=True, slots=True)
class SlimMessage:
    """A big message made ready to parse in another process without its big parts."""

    slimmed: Slimmed
    defects: tuple[str, ...]  # the repairs of the header block, made on the whole
    sha256: str  # of the whole raw message: its Message-ID if it names none


def prepare(raw: bytes, *, slim_above: int = SLIM_ABOVE) -> bytes | SlimMessage:
    """What to send a parser in another process: ``raw`` itself, or its slim copy
    when it has base64 runs longer than ``slim_above`` (kilobytes to copy instead of
    the whole)."""
    if len(raw) <= slim_above:
        return raw
    try:
        if not_mail_reason(raw) is not None:
            return raw
        defects: list[str] = []
        data = repaired(raw, defects)
        slimmed = slim(data, after=header_block_size(data), above=slim_above)
    except Exception:  # noqa: BLE001 - the parser meets the whole and keeps its promise
        return raw
    if slimmed is None:
        return raw
    return SlimMessage(slimmed, tuple(defects), hashlib.sha256(raw).hexdigest())


def prepare_windows(
    data: Windows, sha256: str, *, slim_above: int = SLIM_ABOVE
) -> SlimMessage | None:
    """:func:`prepare` of a message read a window at a time (a big inbox row, from its
    database blob: a batch ingest never holds it whole), or None when there is no
    slim copy to make (nothing big to hash ahead, not mail, the pass failed): then
    the caller parses the whole message after all. ``sha256``: of the whole message,
    as stored. Same steps and the same slim copy as :func:`prepare` on its bytes."""
    if len(data) <= slim_above:
        return None
    try:
        if not_mail_reason(data.slice(0, SNIFF_BYTES)) is not None:
            return None
        defects: list[str] = []
        fixed = repaired_windows(data, defects)
        slimmed = slim_source(fixed, after=header_block_size_of(fixed), above=slim_above)
    except Exception:  # noqa: BLE001 - the whole parse meets the message and keeps its promise
        return None
    if slimmed is None:
        return None
    return SlimMessage(slimmed, tuple(defects), sha256)


def parse_prepared(prepared: bytes | SlimMessage) -> ParsedMessage | None:
    """The parse of what :func:`prepare` made; None when the slim copy cannot stand
    for the whole (then the caller parses the raw message, which it still holds)."""
    if not isinstance(prepared, SlimMessage):
        return parse_message(prepared)
    try:
        return _parse_slim(prepared.slimmed, list(prepared.defects), prepared.sha256)
    except Exception:  # noqa: BLE001 - the whole parse decides what to say about it
        return None


def parse_message(raw: bytes, *, slim_above: int | None = SLIM_ABOVE) -> ParsedMessage:
    """Parse one raw message; every problem becomes a defect, never an exception.
    ``slim_above``: base64 runs longer than this are hashed ahead (:mod:`.slim`);
    None parses every byte (the reference the slim parse is tested against)."""
    try:
        data = bytes(raw)
    except Exception:  # noqa: BLE001 - caller handed us something that is not bytes
        data = str(raw).encode("utf-8", "surrogateescape")
    try:
        return _parse(data, slim_above)
    except Exception as exc:  # noqa: BLE001 - the last line of the no-raise promise
        return _empty(data, (f"parser: gave up ({type(exc).__name__}: {exc})",), True)


def _parse(raw: bytes, slim_above: int | None) -> ParsedMessage:
    reason = not_mail_reason(raw)
    if reason is not None:
        return _empty(raw, (f"not mail: {reason}",), False)
    defects: list[str] = []
    data = repaired(raw, defects)
    slimmed = None
    if slim_above is not None and len(data) > slim_above:  # most mail: no header scan here
        slimmed = slim(data, after=header_block_size(data), above=slim_above)
    if slimmed is not None:
        try:
            parsed = _parse_slim(slimmed, list(defects), raw)
        except Exception:  # noqa: BLE001 - the whole parse below decides
            parsed = None
        if parsed is not None:
            return parsed
    del slimmed
    loaded = load(data, defects)
    if loaded is None:
        return _empty(raw, tuple(defects), True)
    message, fallback_date = loaded
    return _assemble(message, fallback_date, walk_body(message, raw=data), defects, raw)


def _parse_slim(slimmed: Slimmed, defects: list[str], whole: bytes | str) -> ParsedMessage | None:
    """The parse of the slim copy, or None unless every sentinel came back exactly
    once as an attachment's payload and nowhere in the text (the parsers read the
    structure otherwise than :mod:`.slim` did: the whole message must be parsed)."""
    loaded = load(slimmed.data, defects)
    if loaded is None:
        return None
    message, fallback_date = loaded
    body = walk_body(message, big=slimmed.parts, raw=slimmed.data)
    if not _all_found(slimmed.parts, body):
        return None
    return _assemble(message, fallback_date, body, defects, whole)


def _assemble(
    message: Message,
    fallback_date: datetime | None,
    body: Body,
    defects: list[str],
    raw: bytes | str,
) -> ParsedMessage:
    """The ParsedMessage of a walked tree (``raw``: the whole, or its SHA-256)."""
    view = headers.HeaderView(message)
    hint = headers.charset_hint(message)
    defects.extend(
        f"header: {len(view.all(name))} {label} fields where one is allowed; the first read"
        for name, label in ONCE.items()
        if len(view.all(name)) > 1
    )
    text = body_text(body.plain, body.html)
    rich = rich_words(body) if body.rich and not text.strip() else ""
    if rich:  # Outlook's rich text: its words only in winmail.dat
        text = rich
        defects.append("mime: the text read out of winmail.dat (rich text); no part had any")
    defects.extend(body.notes)
    message_id, synthetic = headers.message_id(view.first("message-id"), raw, defects)
    return ParsedMessage(
        message_id=message_id,
        message_id_synthetic=synthetic,
        in_reply_to=headers.msgid_list(view.all("in-reply-to")),
        references=headers.msgid_list(view.all("references")),
        subject=view.decoded("subject", hint, defects),
        from_=_author(view, hint, defects),
        reply_to=tuple(headers.addresses(view.all("reply-to"), hint, defects)),
        to=tuple(headers.addresses(view.all("to"), hint, defects)),
        cc=tuple(headers.addresses(view.all("cc"), hint, defects)),
        date=headers.date(view.first("date"), fallback_date),
        text=text,
        new_text=split_reply(text),
        html="\n".join(body.html),
        attachments=tuple(body.attachments),
        loop=headers.loop_headers(message, view, hint, defects),
        defects=tuple(dict.fromkeys(defects)),
        is_mail=True,
        urgency=headers.priority_headers(view, hint, defects),
        delivered_to=delivered_to(view.all),
    )


def _author(view: headers.HeaderView, hint: str | None, defects: list[str]) -> Address | None:
    """The first mailbox of the From; when it has none that can be read, the Sender's
    (RFC 5322 3.6.2: the mailbox of the agent that sent the mail), before the runner
    falls back to the envelope sender. Only who the mail is about: a change to a ticket
    still needs the From itself (:mod:`gateway.pipeline.authz`)."""
    for field in ("from", "sender"):
        found = headers.addresses(view.all(field)[:1], hint, defects)
        if found:
            return found[0]
    return None


def _all_found(big: Mapping[bytes, BigPart], body: Body) -> bool:
    """Each sentinel listed once as an attachment, and none of them read as text."""
    if any(body.matched[marker] != 1 for marker in big):
        return False
    seen = [*body.plain, *body.html]
    return not any(
        part.sentinel in text or marker.decode("ascii") in text
        for marker, part in big.items()
        for text in seen
    )


def _empty(raw: bytes, defects: tuple[str, ...], is_mail: bool) -> ParsedMessage:
    message_id, synthetic = headers.message_id(None, raw)
    return ParsedMessage.nothing(message_id, synthetic=synthetic, defects=defects, is_mail=is_mail)
