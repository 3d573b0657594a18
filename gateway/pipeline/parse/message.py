"""Raw bytes in, :class:`~gateway.core.model.ParsedMessage` out, whatever the bytes are.

mail-parser gives us the MIME tree and its defect list; its own charset and
attachment handling is not used for content because it garbles Japanese mail
and base64-encodes every attachment.  Instead the tree (``parsed.message``) is
walked once here, each text part decoded with :mod:`gateway.pipeline.charset`
and each attachment hashed straight from its decoded bytes.

The one promise: :func:`parse_message` never raises.  Whatever went wrong is a
string in ``defects`` so the message can still become (or join) a ticket.
"""

from __future__ import annotations

import email
import hashlib
import logging
import re
from datetime import UTC, datetime
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from email.utils import collapse_rfc2231_value, getaddresses, parsedate_to_datetime
from typing import Any

from gateway.core.model import Address, Attachment, LoopHeaders, ParsedMessage
from gateway.core.sniff import not_mail_reason
from gateway.pipeline.parse.charsets import decode_bytes, decode_header_with_notes
from gateway.pipeline.parse.filenames import safe_filename
from gateway.pipeline.parse.html_text import html_to_text
from gateway.pipeline.parse.quotes import split_reply

__all__ = ["parse_message"]

_MAX_DEPTH = 40
_MSGID = re.compile(r"<([^<>\s]+)>")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


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


# --- top level -----------------------------------------------------------------------


def _parse(raw: bytes) -> ParsedMessage:
    reason = not_mail_reason(raw)
    if reason is not None:
        return _empty(raw, (f"not mail: {reason}",), False)
    defects: list[str] = []
    repaired, fixed = _repair_header_block(_strip_preamble(raw, defects))
    if fixed:
        defects.append(f"headers: {fixed} unindented continuation line(s) rejoined")
    loaded = _load(repaired, defects)
    if loaded is None:
        return _empty(raw, tuple(defects), True)
    message, fallback_date = loaded
    headers = _HeaderView(message)
    hint = _charset_hint(message)
    body = _Body()
    _walk(message, body, inside_attachment=False, depth=0)
    text = _body_text(body)
    defects.extend(body.notes)
    message_id, synthetic = _message_id(headers.first("message-id"), raw)
    return ParsedMessage(
        message_id=message_id,
        message_id_synthetic=synthetic,
        in_reply_to=_msgid_list(headers.all("in-reply-to")),
        references=_msgid_list(headers.all("references")),
        subject=headers.decoded("subject", hint, defects),
        from_=_first(_addresses(headers.all("from")[:1], hint, defects)),
        reply_to=tuple(_addresses(headers.all("reply-to"), hint, defects)),
        to=tuple(_addresses(headers.all("to"), hint, defects)),
        cc=tuple(_addresses(headers.all("cc"), hint, defects)),
        date=_date(headers.first("date"), fallback_date),
        text=text,
        new_text=split_reply(text),
        html="\n".join(body.html),
        attachments=tuple(body.attachments),
        loop=_loop_headers(message, headers, hint, defects),
        defects=tuple(dict.fromkeys(defects)),
        is_mail=True,
    )


def _strip_preamble(raw: bytes, defects: list[str]) -> bytes:
    """A BOM or blank lines before the headers would make the parser see no headers."""
    data = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    stripped = data.lstrip(b"\r\n")
    if len(stripped) != len(raw):
        defects.append("headers: byte-order mark or blank lines before the headers removed")
    return stripped


_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\n|\r|$)")
_FIELD = re.compile(rb"[!-9;-~]+[ \t]*:")
_COMMON_FIELD = re.compile(
    rb"(?:from|to|cc|subject|date|message-id|mime-version|content-[a-z-]+|received|"
    rb"return-path|reply-to|in-reply-to|references|x-[a-z0-9-]+)[ \t]*:",
    re.I,
)
_HEADER_SCAN_LIMIT = 512 * 1024


def _repair_header_block(raw: bytes) -> tuple[bytes, int]:
    """Re-indent folded lines that lost their leading whitespace.

    The stdlib treats such a line as the start of the body, so every header
    after it (often Subject and From) silently lands in the text.  A line is
    only rejoined when real header fields follow it before the blank line.
    """
    lines: list[bytes] = []
    for match in _LINE.finditer(raw, 0, min(len(raw), _HEADER_SCAN_LIMIT)):
        line = match.group()
        if not line or not line.strip(b"\r\n"):
            break
        lines.append(line)
    broken = [
        i
        for i, line in enumerate(lines)
        if i and line[:1] not in (b" ", b"\t") and not _FIELD.match(line)
    ]
    if not broken or not any(_COMMON_FIELD.match(line) for line in lines[broken[0] + 1 :]):
        return raw, 0
    last_field = max(i for i, line in enumerate(lines) if _COMMON_FIELD.match(line))
    fixes = [i for i in broken if i < last_field]
    for i in fixes:
        lines[i] = b" " + lines[i]
    head_len = sum(len(line) - (1 if i in fixes else 0) for i, line in enumerate(lines))
    return b"".join(lines) + raw[head_len:], len(fixes)


def _load(raw: bytes, defects: list[str]) -> tuple[Message, datetime | None] | None:
    """Parse with mail-parser; fall back to the stdlib parser if it fails."""
    try:
        import mailparser  # imported lazily: it is heavy and pulls in half the stdlib

        logging.getLogger("mailparser").setLevel(logging.ERROR)
        parsed = mailparser.parse_from_bytes(raw)
        message = parsed.message
        if not isinstance(message, Message):
            raise TypeError("mail-parser returned no message")
        defects.extend(_mailparser_defects(parsed.defects))
        date = parsed.date if isinstance(parsed.date, datetime) else None
        return message, date
    except Exception as exc:  # noqa: BLE001 - mail-parser is one of two chances
        defects.append(f"mail-parser failed ({type(exc).__name__}); used stdlib parser")
    try:
        message = email.message_from_bytes(raw, policy=compat32)
        defects.extend(_stdlib_defects(message))
        return message, None
    except Exception as exc:  # noqa: BLE001
        defects.append(f"stdlib parser failed ({type(exc).__name__}); body not parsed")
    return _headers_only(raw, defects)


def _headers_only(raw: bytes, defects: list[str]) -> tuple[Message, None] | None:
    """Last resort (e.g. multipart nesting deeper than the stack): keep the headers."""
    try:
        message = BytesParser(policy=compat32).parsebytes(raw, headersonly=True)
        message.set_payload("")
    except Exception as exc:  # noqa: BLE001
        defects.append(f"header parser failed ({type(exc).__name__}); message unreadable")
        return None
    return message, None


def _mailparser_defects(raw_defects: Any) -> list[str]:
    out: list[str] = []
    for entry in raw_defects or []:
        if not isinstance(entry, dict):
            out.append(f"mime: {entry}")
            continue
        for where, items in entry.items():
            for item in items if isinstance(items, list) else [items]:
                if "CharsetDecodeDefect" in str(item):
                    continue  # about mail-parser's own text decoding, which we replace
                out.append(f"mime: {where}: {item}")
    return out


def _stdlib_defects(message: Message) -> list[str]:
    out: list[str] = []
    for part in message.walk():
        for defect in part.defects:
            out.append(f"mime: {part.get_content_type()}: {type(defect).__name__}")
    return out


def _empty(raw: bytes, defects: tuple[str, ...], is_mail: bool) -> ParsedMessage:
    message_id, synthetic = _message_id(None, raw)
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


# --- headers ---------------------------------------------------------------------


class _HeaderView:
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


def _charset_hint(message: Message) -> str | None:
    """The first declared text charset: the best guess for raw 8-bit headers."""
    for part in message.walk():
        if part.get_content_maintype() == "text":
            charset = _param_text(part.get_param("charset"))
            if charset:
                return charset
    return None


def _addresses(values: list[str], hint: str | None, defects: list[str]) -> list[Address]:
    """Split before decoding, so an encoded "Last, First" stays one address."""
    out: list[Address] = []
    try:
        pairs = getaddresses(values)
    except Exception:  # noqa: BLE001
        defects.append("header: unparseable address list")
        return out
    for raw_name, raw_addr in pairs:
        name, notes = decode_header_with_notes(raw_name, hint)
        addr, more = decode_header_with_notes(raw_addr)  # no hint: a+tag-x@ is not UTF-7
        defects.extend(f"address: {note}" for note in notes + more)
        addr = addr.replace(" ", "").lower()
        if addr:
            out.append(Address(name=name, email=addr))
    return out


def _first(addresses: list[Address]) -> Address | None:
    return addresses[0] if addresses else None


def _message_id(value: str | None, raw: bytes) -> tuple[str, bool]:
    ids = _msgid_list([value] if value else [])
    if ids:
        return ids[0], False
    digest = hashlib.sha256(raw).hexdigest()[:32]
    return f"{digest}@synthetic.invalid", True


def _msgid_list(values: list[str]) -> tuple[str, ...]:
    """Message-IDs from In-Reply-To/References, tolerating missing brackets and junk."""
    found: list[str] = []
    for value in values:
        text = _clean_header(value)
        ids = _MSGID.findall(text)
        if not ids:
            ids = [t.strip("<>") for t in re.split(r"[\s,;]+", text) if "@" in t]
        found.extend(i for i in ids if i)
    return tuple(dict.fromkeys(found))


def _clean_header(value: str) -> str:
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _date(value: str | None, fallback: datetime | None) -> datetime | None:
    if value:
        try:
            parsed = parsedate_to_datetime(_clean_header(value).strip())
        except Exception:  # noqa: BLE001 - a bad date is a missing date
            parsed = None
        if parsed is not None:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if fallback is not None:
        return fallback if fallback.tzinfo else fallback.replace(tzinfo=UTC)
    return None


def _loop_headers(
    message: Message, headers: _HeaderView, hint: str | None, defects: list[str]
) -> LoopHeaders:
    def keyword(name: str) -> str:
        return headers.decoded(name, hint, defects).lower()

    def plain(name: str) -> str:
        return headers.decoded(name, hint, defects)

    return LoopHeaders(
        auto_submitted=keyword("auto-submitted"),
        precedence=keyword("precedence"),
        list_id=plain("list-id"),
        list_unsubscribe=plain("list-unsubscribe"),
        x_auto_response_suppress=keyword("x-auto-response-suppress"),
        x_autoreply=keyword("x-autoreply"),
        x_autorespond=keyword("x-autorespond"),
        return_path=_return_path(headers.first("return-path")),
        x_loop=plain("x-loop"),
        x_ticket_gateway=plain("x-ticket-gateway"),
        content_type=message.get_content_type().lower(),
        report_type=(_param_text(message.get_param("report-type")) or "").lower(),
    )


def _return_path(value: str | None) -> str | None:
    if value is None:
        return None
    text = _clean_header(value).strip()
    inner = _MSGID.search(text)
    if inner:
        return inner.group(1).lower()
    return text.strip("<> \t").lower()


# --- MIME tree -----------------------------------------------------------------------


class _Body:
    """What the tree walk collects: body texts, HTML, attachments and notes."""

    def __init__(self) -> None:
        self.plain: list[str] = []
        self.html: list[str] = []
        self.attachments: list[Attachment] = []
        self.notes: list[str] = []
        self.counter = [0]  # shared across alternatives so names stay unique


def _walk(part: Message, body: _Body, inside_attachment: bool, depth: int) -> None:
    if depth > _MAX_DEPTH:
        body.notes.append("mime: nesting too deep, inner parts ignored")
        return
    ctype = part.get_content_type()
    maintype = part.get_content_maintype()
    if maintype == "message" or ctype in ("text/rfc822-headers",):
        _add_attachment(part, body)
        return
    if part.is_multipart():
        children = _children(part)
        inner = inside_attachment or part.get_content_disposition() == "attachment"
        if ctype == "multipart/alternative" and not inner:
            _walk_alternative(children, body, depth)
        else:
            for child in children:
                _walk(child, body, inner, depth + 1)
        return
    if maintype == "multipart":
        _walk_broken_multipart(part, body, inside_attachment, depth)
        return
    if not inside_attachment and _is_body_part(part, ctype):
        _add_text(part, ctype, body)
    else:
        _add_attachment(part, body)


def _children(part: Message) -> list[Message]:
    payload = part.get_payload()
    return [p for p in payload if isinstance(p, Message)] if isinstance(payload, list) else []


def _walk_alternative(children: list[Message], body: _Body, depth: int) -> None:
    """Prefer the plain-text alternative for ``text``; keep the HTML for ``html``."""
    branches: list[_Body] = []
    for child in children:
        branch = _Body()
        branch.counter = body.counter
        _walk(child, branch, False, depth + 1)
        branches.append(branch)
    with_plain = [b for b in branches if any(t.strip() for t in b.plain)]
    with_html = [b for b in branches if b.html]
    if with_plain:
        body.plain.extend(with_plain[0].plain)
    if with_html:
        body.html.extend(with_html[-1].html)
    for branch in branches:
        body.attachments.extend(branch.attachments)
        body.notes.extend(branch.notes)


def _walk_broken_multipart(part: Message, body: _Body, inside_attachment: bool, depth: int) -> None:
    """A multipart whose boundary never matched: recover parts or keep the text."""
    payload = part.get_payload()
    text = payload if isinstance(payload, str) else ""
    recovered = _recover_parts(text)
    if recovered is not None:
        body.notes.append("mime: declared boundary not found; parts recovered from body")
        _walk(recovered, body, inside_attachment, depth + 1)
        return
    if text.strip():
        body.notes.append("mime: multipart without parts; body kept as plain text")
        decoded, notes = decode_bytes(text.encode("utf-8", "surrogateescape"), None)
        body.notes.extend(notes)
        body.plain.append(_tidy_text(decoded))


def _recover_parts(text: str) -> Message | None:
    match = re.search(r"^--([^\s]{1,100})[ \t]*\r?$", text, re.M)
    if match is None:
        return None
    boundary = match.group(1).replace('"', "")
    raw = f'Content-Type: multipart/mixed; boundary="{boundary}"\n\n{text}'
    try:
        message = email.message_from_bytes(raw.encode("utf-8", "surrogateescape"), policy=compat32)
    except Exception:  # noqa: BLE001
        return None
    return message if message.is_multipart() and _children(message) else None


def _is_body_part(part: Message, ctype: str) -> bool:
    if ctype not in ("text/plain", "text/html"):
        return False
    if part.get_content_disposition() == "attachment":
        return False
    return not _raw_filename(part)


def _add_text(part: Message, ctype: str, body: _Body) -> None:
    data = _payload_bytes(part, body)
    label = _param_text(part.get_param("charset"))
    if not label and ctype == "text/html":
        meta = _META_CHARSET.search(data[:4096])
        label = meta.group(1).decode("ascii") if meta else None
    text, notes = decode_bytes(data, label)
    body.notes.extend(f"body {ctype}: {note}" for note in notes)
    if ctype == "text/html":
        body.html.append(text)
        return
    text = _tidy_text(text)
    if (_param_text(part.get_param("format")) or "").lower() == "flowed":
        delsp = (_param_text(part.get_param("delsp")) or "").lower() == "yes"
        text = _unflow(text, delsp)
    body.plain.append(text)


def _payload_bytes(part: Message, body: _Body) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception as exc:  # noqa: BLE001
        body.notes.append(f"mime: undecodable payload ({type(exc).__name__})")
        data = None
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    return raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""


def _add_attachment(part: Message, body: _Body) -> None:
    ctype = part.get_content_type()
    data = _message_bytes(part) if part.get_content_maintype() == "message" else None
    if data is None:
        data = _payload_bytes(part, body)
    original, notes = _filename(part)
    body.notes.extend(f"attachment name: {note}" for note in notes)
    if not data.strip() and not original:
        return  # an empty, nameless part carries nothing worth storing
    body.counter[0] += 1
    body.attachments.append(
        Attachment(
            filename=safe_filename(original, ctype, body.counter[0]),
            original_filename=original,
            content_type=ctype,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
        )
    )


def _message_bytes(part: Message) -> bytes | None:
    """Attached messages are stored re-serialised, never merged into the body."""
    payload = part.get_payload()
    if not isinstance(payload, list):
        return None
    chunks: list[bytes] = []
    for sub in payload:
        if not isinstance(sub, Message):
            continue
        try:
            chunks.append(sub.as_bytes(policy=compat32))
        except Exception:  # noqa: BLE001 - as_bytes chokes on some broken trees
            chunks.append(sub.as_string(policy=compat32).encode("utf-8", "surrogateescape"))
    return b"\n".join(chunks)


def _raw_filename(part: Message) -> str | tuple[str, str, str] | None:
    value = part.get_param("filename", None, "content-disposition")
    if not value:
        value = part.get_param("name", None, "content-type")
    if isinstance(value, tuple):
        return (str(value[0] or ""), str(value[1] or ""), str(value[2] or ""))
    return value if isinstance(value, str) and value else None


def _filename(part: Message) -> tuple[str, list[str]]:
    """Decode RFC 2231 and RFC 2047 names, including raw 8-bit ones."""
    raw = _raw_filename(part)
    if raw is None:
        return "", []
    if isinstance(raw, tuple):
        charset, _lang, value = raw
        data = value.encode("latin-1", "surrogateescape")
        text, notes = decode_bytes(data, charset or None)
        if "=?" in text:
            text, more = decode_header_with_notes(text)
            notes += more
        return _single_line(text), notes
    hint = _param_text(part.get_param("charset"))
    return decode_header_with_notes(raw, hint)


def _param_text(value: object) -> str | None:
    """``get_param`` returns a tuple for RFC 2231 values; flatten it to text."""
    if isinstance(value, tuple):
        value = collapse_rfc2231_value(value)
    if not isinstance(value, str):
        return None
    return value.strip().strip('"').strip() or None


# --- text ------------------------------------------------------------------------------


def _body_text(body: _Body) -> str:
    plain = [t for t in body.plain if t.strip()]
    if plain:
        return "\n".join(t.rstrip("\n") for t in plain).strip("\n")
    if body.html:
        return "\n".join(html_to_text(h) for h in body.html).strip("\n")
    return ""


def _tidy_text(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


def _single_line(text: str) -> str:
    return re.sub("[\x00-\x1f\x7f]+", " ", text).strip()


def _unflow(text: str, delsp: bool) -> str:
    """Undo RFC 3676 format=flowed soft line breaks so quotes and paragraphs read right."""
    out: list[str] = []
    pending: tuple[int, str] | None = None
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        if content.startswith(" "):
            content = content[1:]
        if pending is not None and pending[0] == depth:
            content = pending[1] + content
        elif pending is not None:
            out.append(_render_flowed(*pending))
        pending = None
        if content.endswith(" ") and content != "-- ":
            pending = (depth, content[:-1] if delsp else content)
        else:
            out.append(_render_flowed(depth, content))
    if pending is not None:
        out.append(_render_flowed(*pending))
    return "\n".join(out)


def _render_flowed(depth: int, content: str) -> str:
    return f"{'>' * depth} {content}" if depth else content
