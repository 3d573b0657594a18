"""An attached message's bytes (message/rfc822, message/global, message/news), once.

The parser reads what follows a ``message/*`` part's header as a message whatever
its Content-Transfer-Encoding. RFC 2046 5.2.1 allows only 7bit, 8bit and binary for
message/rfc822, but some Outlook versions, webmails and phone clients base64- or
quoted-printable-encode it (and RFC 6532 3.5 allows both for message/global): the
parser then makes a message of the encoded text, and storing that re-serialised
handed the requester base64 text where the mail was. Such a part is put back into
its encoded text and decoded here, so the stored file is the attached mail itself.

One sent as it may be (7bit, 8bit, binary) is the raw message's own slice of it
(:mod:`.part_spans`): written back by the email package it came out with ``\n`` line
ends and its headers folded again, so its DKIM signature failed and the analyst who
downloaded it held another mail. Parts recovered from a multipart whose boundary never
matched, and those of an opaque-signed mail's content, are sliced from the bytes they
were parsed from (the body's raw bytes; the content inside the signature). Where no
slice is found it is written back as before, and a note says so.
"""

from __future__ import annotations

import binascii
import quopri
from collections.abc import Callable
from email.errors import MissingHeaderBodySeparatorDefect
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32

from gateway.pipeline.parse.charsets.headers import decode_header_value
from gateway.pipeline.parse.load import header_block_size, load
from gateway.pipeline.parse.part_spans import Slices
from gateway.pipeline.parse.payload import transfer_word

# the encodings a writer wrongly put on an attached message, decoded (tolerantly, as
# the other parts are) back to the message; 7bit, 8bit and binary carry it as it is
_DECODERS: dict[str, Callable[[bytes], bytes]] = {
    "base64": lambda data: binascii.a2b_base64(data, strict_mode=False),
    "quoted-printable": quopri.decodestring,
}
ENCODED = "mime: attached message was {0}-encoded (RFC 2046 forbids it); decoded"
UNCLOSED = "mime: attached message's closing delimiter never came; kept to the end of the message"
REWRITTEN = "mime: attached message not found in the raw message as it came; written back"


def message_bytes(
    part: Message,
    notes: list[str],
    *,
    decode: bool = True,
    slices: Slices | None = None,
) -> bytes | None:
    """The attached message as bytes: as it came in the raw message (``slices``: of the
    bytes the tree was parsed from), or decoded once when it came encoded; None when the
    parser made no message of the part (its payload is then decoded as any file's).
    ``decode=False``: as it was stored before either (written back, the encoded text
    left so), for the downloads of rows listed then, whose SHA-256 is of that."""
    payload = part.get_payload()
    if not isinstance(payload, list):
        return None
    word = transfer_word(part)[1]  # ";base64": no word at all
    decoder = _DECODERS.get(word) if decode else None
    if decode and decoder is None:
        found = slices.of(part) if slices is not None else None
        if found is not None:
            if not found[1]:
                notes.append(UNCLOSED)
            return found[0]
        notes.append(REWRITTEN)
    chunks: list[bytes] = []
    for sub in payload:
        if not isinstance(sub, Message):
            continue
        data = _serialised(sub)
        if data is None:
            continue
        if decoder is not None:
            try:
                data = decoder(_as_written(sub, data))
            except (binascii.Error, ValueError):
                notes.append(f"mime: undecodable {word} attached message; kept as written")
            else:
                notes.append(ENCODED.format(word))
        chunks.append(data)
    return b"\n".join(chunks)


def carried_message(part: Message, data: bytes) -> tuple[Message, bytes] | None:
    """The attached mail as a tree whose files are walked (:mod:`.mime`), with the bytes
    it was parsed from (where the mails inside it are sliced, :mod:`.part_spans`): the
    parser's own subtree and ``data``, its slice, when it came as RFC 2046 wants it;
    else ``data`` (it came base64- or quoted-printable-encoded, and the subtree is of
    that text) parsed. None: no mail there."""
    payload = part.get_payload()
    if not isinstance(payload, list):
        return None
    word = transfer_word(part)[1]  # ";base64": no word at all
    if word not in _DECODERS:
        found = next((sub for sub in payload if isinstance(sub, Message)), None)
        return (found, data) if found is not None else None
    loaded = load(data, [])
    return (loaded[0], data) if loaded is not None else None


def _serialised(sub: Message) -> bytes | None:
    """The parsed message written back (its headers as they came, compat32)."""
    try:
        return sub.as_bytes(policy=compat32)
    except RecursionError:  # nested too deep to serialise: what it weighs is unknown
        return None
    except Exception:  # noqa: BLE001 - as_bytes chokes on some broken trees
        try:
            return sub.as_string(policy=compat32).encode("utf-8", "surrogateescape")
        except Exception:  # noqa: BLE001
            return None


def _as_written(sub: Message, data: bytes) -> bytes:
    """The encoded text as the writer sent it: where the parser found a line that was
    no header (base64's first line; a quoted-printable soft break inside a header) it
    started the body there, and writing it back put a blank line before it that the
    encoded text never had, which decoding would keep."""
    if not any(isinstance(d, MissingHeaderBodySeparatorDefect) for d in sub.defects):
        return data
    body = sub.get_payload()
    if not isinstance(body, str):
        return data
    tail = len(body.encode("ascii", "surrogateescape").replace(b"\r\n", b"\n"))
    head = data[: len(data) - tail] if tail else data
    if head.endswith(b"\n"):
        head = head[:-1]
    return head + data[len(data) - tail :] if tail else head


def subject_name(data: bytes, utf8: bool) -> str:
    """A name for an attached mail sent without one: its Subject and ``.eml``, as
    Thunderbird names a mail it forwards as an attachment and Outlook shows an attached
    item; "" for none (then ``message-N.eml``). A slash in a subject ("VPN/DNS") is no
    folder: it becomes "_" before the name is made safe (:func:`.filenames.safe_filename`).
    ``utf8``: message/global, whose headers are UTF-8 (RFC 6532)."""
    try:  # the header block alone: a big attached mail is not copied again to name it
        head = BytesHeaderParser(policy=compat32).parsebytes(data[: header_block_size(data)])
        # as written (get() hands 8-bit bytes back as a Header object)
        value = next((v for k, v in head.raw_items() if k.lower() == "subject"), "")
        raw = value.encode("ascii", "surrogateescape")  # 8-bit bytes as they came
        subject = decode_header_value(raw, "utf-8" if utf8 else None) if raw else ""
    except Exception:  # noqa: BLE001 - a name is a courtesy, never a reason to fail
        return ""
    subject = subject.replace("/", "_").replace("\\", "_").strip()
    return f"{subject}.eml" if subject else ""
