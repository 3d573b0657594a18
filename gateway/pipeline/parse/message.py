"""Raw bytes in, :class:`~gateway.core.model.ParsedMessage` out, whatever the bytes are.

The steps each have their module: :mod:`.load` repairs the header block and
parses (mail-parser, then the stdlib), :mod:`.headers` reads addresses, dates,
Message-IDs and the loop headers, :mod:`.mime` walks the tree for texts and
attachments, :mod:`.body_text` picks the text a ticket shows, and
:mod:`.quotes` cuts quoted history off it. This module puts them in order.

The one promise: :func:`parse_message` never raises.  Whatever went wrong is a
string in ``defects`` so the message can still become (or join) a ticket.
"""

from __future__ import annotations

from gateway.core.model import LoopHeaders, ParsedMessage
from gateway.core.sniff import not_mail_reason
from gateway.pipeline.parse import headers
from gateway.pipeline.parse.body_text import body_text
from gateway.pipeline.parse.load import load, repaired
from gateway.pipeline.parse.mime import walk_body
from gateway.pipeline.parse.quotes import split_reply

__all__ = ["parse_message"]


def parse_message(raw: bytes) -> ParsedMessage:
    """Parse one raw message; every problem becomes a defect, never an exception."""
    try:
        data = bytes(raw)
    except Exception:  # noqa: BLE001 - caller handed us something that is not bytes
        data = str(raw).encode("utf-8", "surrogateescape")
    try:
        return _parse(data)
    except Exception as exc:  # noqa: BLE001 - the last line of the no-raise promise
        return _empty(data, (f"parser: gave up ({type(exc).__name__}: {exc})",), True)


def _parse(raw: bytes) -> ParsedMessage:
    reason = not_mail_reason(raw)
    if reason is not None:
        return _empty(raw, (f"not mail: {reason}",), False)
    defects: list[str] = []
    loaded = load(repaired(raw, defects), defects)
    if loaded is None:
        return _empty(raw, tuple(defects), True)
    message, fallback_date = loaded
    view = headers.HeaderView(message)
    hint = headers.charset_hint(message)
    body = walk_body(message)
    text = body_text(body.plain, body.html)
    defects.extend(body.notes)
    message_id, synthetic = headers.message_id(view.first("message-id"), raw)
    return ParsedMessage(
        message_id=message_id,
        message_id_synthetic=synthetic,
        in_reply_to=headers.msgid_list(view.all("in-reply-to")),
        references=headers.msgid_list(view.all("references")),
        subject=view.decoded("subject", hint, defects),
        from_=next(iter(headers.addresses(view.all("from")[:1], hint, defects)), None),
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
    )


def _empty(raw: bytes, defects: tuple[str, ...], is_mail: bool) -> ParsedMessage:
    message_id, synthetic = headers.message_id(None, raw)
    return ParsedMessage(
        message_id=message_id,
        message_id_synthetic=synthetic,
        in_reply_to=(),
        references=(),
        subject="",
        from_=None,
        reply_to=(),
        to=(),
        cc=(),
        date=None,
        text="",
        new_text="",
        html="",
        attachments=(),
        loop=LoopHeaders(),
        defects=defects,
        is_mail=is_mail,
    )
