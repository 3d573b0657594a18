"""The MIME walk: body texts, HTML and attachments out of a message tree, once.

mail-parser's own charset and attachment handling is not used for content
because it garbles Japanese mail and base64-encodes every attachment; instead
the tree is walked here, each text part decoded with
:mod:`gateway.pipeline.parse.charsets` and each attachment hashed straight
from its decoded bytes (or, for a big part :mod:`.slim` hashed ahead, its size
and hash taken from there). The walk prefers the plain-text alternative, keeps
attached messages whole, recovers parts of a multipart whose boundary never
matched, and notes every oddity instead of raising.
"""

from __future__ import annotations

import email
import hashlib
import re
from collections.abc import Mapping
from dataclasses import replace
from email.message import Message
from email.policy import compat32

from gateway.core.model import Attachment
from gateway.pipeline.parse.attached_mail import carried_message, message_bytes, subject_name
from gateway.pipeline.parse.attachment_names import decoded_filename, raw_filename
from gateway.pipeline.parse.body_text import named_pictures, tidy_text, unflow
from gateway.pipeline.parse.charsets import decode_bytes
from gateway.pipeline.parse.clearsigned import NOTE as CLEARSIGNED
from gateway.pipeline.parse.clearsigned import unarmored
from gateway.pipeline.parse.filenames import safe_filename
from gateway.pipeline.parse.headers import charset_hint, param_text
from gateway.pipeline.parse.payload import payload_bytes
from gateway.pipeline.parse.shown_pictures import Shown, shown_in_place
from gateway.pipeline.parse.slim import MARKER_LEN, BigPart
from gateway.pipeline.parse.smime import OPAQUE_TYPES, signed_content
from gateway.pipeline.parse.tnef import is_tnef, is_tnef_part, tnef_files, tnef_text
from gateway.pipeline.parse.transfer import text_bytes
from gateway.pipeline.parse.uuencode import guessed_type, split_uuencoded
from gateway.pipeline.parse.walk_state import Body

__all__ = ["MAX_ATTACHMENTS", "MAX_CARRIED", "Body", "rich_words", "walk_body"]

_MAX_DEPTH = 40  # recursion below this depth; deeper parts are read without it
MAX_ATTACHMENTS = 1000  # listed per message (50 000 parts must not be 50 000 rows)
MAX_CARRIED = 8  # attached mails inside attached mails whose files are listed (as no_words)
MAX_CONTENT_TYPE = 255  # characters of a part's type kept (the column's size)
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


def walk_body(
    message: Message,
    *,
    keep_data: bool = False,
    big: Mapping[bytes, BigPart] | None = None,
    as_before: bool = False,
    raw: bytes | None = None,
) -> Body:
    """Everything a message carries besides its headers. ``keep_data``: keep each
    attachment's decoded bytes too (else only its hash and size, so parsing a mail
    with many attachments holds one of them in memory at a time). ``big``: the
    message is a slim copy (:mod:`.slim`); an attachment whose payload is one of its
    sentinels gets that part's size and hash, and counts in ``matched``. ``as_before``:
    an attached mail is read as rows stored before were (written back, an encoded one
    left encoded; :mod:`.attached_mail`), so their downloads still find it. ``raw``: the
    bytes ``message`` was parsed from, whose slices attached mails are stored as."""
    body = Body(keep_data, big)
    if raw is not None:
        body.slices.add(message, raw)
    body.as_before = as_before
    body.hint = charset_hint(message)
    body.cids = Shown(message)
    _walk(message, body, inside_attachment=False, depth=0)
    return body


def rich_words(body: Body) -> str:
    """The words of the first winmail.dat the walk found that has any (:func:`tnef_text`),
    read only when asked: decompressing and reading its RTF costs about a second for
    a few MB (a picture pasted in it), and a mail with words in a part never needs it."""
    return next((w for w in (tidy_text(tnef_text(d)) for d in body.rich) if w.strip()), "")


def _walk(
    part: Message, body: Body, inside_attachment: bool, depth: int, related: bool = False
) -> None:
    """``related``: ``part`` is a child of a multipart/related (the HTML and the
    pictures it shows by Content-ID)."""
    if depth > _MAX_DEPTH:
        _walk_in_order(part, body, inside_attachment)
        return
    ctype = part.get_content_type()
    maintype = part.get_content_maintype()
    if maintype == "message" or ctype in ("text/rfc822-headers",):
        if ctype == "message/partial":  # RFC 2046 5.2.2: one piece; nothing here joins them
            number, total = (
                (param_text(part.get_param(p)) or "?")[:12] for p in ("number", "total")
            )
            body.notes.append(
                f"mime: message/partial (part {number} of {total}) not joined; kept as is"
            )
        _add_attachment(part, body, depth=depth)
        return
    if part.is_multipart():
        children = _children(part)
        if ctype == "multipart/encrypted":  # PGP/MIME (RFC 3156): nothing here decrypts it
            body.notes.append("mime: encrypted (multipart/encrypted); its parts kept as they are")
        inner = inside_attachment or part.get_content_disposition() == "attachment"
        if ctype == "multipart/alternative" and not inner:
            _walk_alternative(children, body, depth)
        else:
            shows = ctype == "multipart/related"
            body.reported += ctype == "multipart/report"  # a bounce: the mail returned
            for child in children:
                _walk(child, body, inner, depth + 1, shows)
            body.reported -= ctype == "multipart/report"
        return
    if maintype == "multipart":
        _walk_broken_multipart(part, body, inside_attachment, depth)
        return
    if depth == 0 and ctype in OPAQUE_TYPES and _opened(part, body):
        return
    if not inside_attachment and _is_body_part(part, ctype):
        _add_text(part, ctype, body)
    elif depth == 0 and _is_body_part(part, ctype, named=True):
        # the whole message is one named text part (a scanner's, a lone inline .txt):
        # mail clients show it as the text; it stays listed as the file it came as
        _add_text(part, ctype, body)
        _add_attachment(part, body)
    else:
        _add_attachment(part, body, inline=shown_in_place(part, body.cids, related))


def _opened(message: Message, body: Body) -> bool:
    """An opaque-signed message (:mod:`.smime`): its signed entity walked as its body,
    then the ``smime.p7m`` kept as an attachment. Only the message itself is opened: a
    ``.p7m`` beside words is a signed file (an e-invoice), its content the file's. A
    blob hashed ahead (:mod:`.slim`) is listed unmatched, so the whole is parsed."""
    data = payload_bytes(message, body.notes)
    ctype = message.get_content_type()[:MAX_CONTENT_TYPE]
    original, notes = decoded_filename(message, body.hint)
    if body.big.get(data) is not None:
        _append_attachment(body, data, original, ctype)  # no BigPart: not matched
        return True
    content = signed_content(data)
    if content is None:  # encrypted, or broken: the operator sees why there is no text
        kind = param_text(message.get_param("smime-type")) or "no smime-type"
        body.notes.append(f"mime: S/MIME data that cannot be read here ({kind}); kept as is")
        return False
    body.notes.append("mime: S/MIME opaque-signed; its content read, the signature not checked")
    tree = email.message_from_bytes(content, policy=compat32)
    body.slices.add(tree, content)  # attached mails inside: the signed content's bytes
    _walk(tree, body, False, 1)
    body.notes.extend(f"attachment name: {note}" for note in notes)
    _append_attachment(body, data, original, ctype)
    return True


def _walk_in_order(top: Message, body: Body, inside_attachment: bool) -> None:
    """Below _MAX_DEPTH the tree is read without recursion, every leaf in document
    order (alternatives are not chosen between): deep nesting loses no text."""
    body.notes.append(f"mime: nested deeper than {_MAX_DEPTH} levels; inner parts read in order")
    stack: list[tuple[Message, bool]] = [(top, inside_attachment)]
    while stack:
        part, inner = stack.pop()
        ctype = part.get_content_type()
        if part.get_content_maintype() == "message":
            _add_attachment(part, body)
        elif part.is_multipart():
            inner = inner or part.get_content_disposition() == "attachment"
            stack.extend((child, inner) for child in reversed(_children(part)))
        elif not inner and _is_body_part(part, ctype):
            _add_text(part, ctype, body)
        else:
            _add_attachment(part, body)


def _children(part: Message) -> list[Message]:
    payload = part.get_payload()
    return [p for p in payload if isinstance(p, Message)] if isinstance(payload, list) else []


def _walk_alternative(children: list[Message], body: Body, depth: int) -> None:
    """Prefer the plain-text alternative for ``text``; keep the HTML for ``html``."""
    branches: list[Body] = []
    for child in children:
        # a branch keeps its files' bytes when the walk does (a download, a relay): an
        # HTML branch's pictures (Outlook's pasted screenshot, multipart/related inside
        # the alternative) were listed but never found again
        branch = body.branch()
        _walk(child, branch, False, depth + 1)
        branches.append(branch)
    with_plain = [b for b in branches if any(t.strip() for t in b.plain)]
    with_html = [b for b in branches if b.html]
    if with_plain:
        body.plain.extend(with_plain[0].plain)
    if with_html:
        body.html.extend(with_html[-1].html)
    for branch in branches:
        body.rich.extend(branch.rich)  # winmail.dat inside an alternative: its words too
        body.attachments.extend(branch.attachments)
        body.data.extend(branch.data)
        body.notes.extend(branch.notes)


def _walk_broken_multipart(part: Message, body: Body, inside_attachment: bool, depth: int) -> None:
    """A multipart whose boundary never matched: recover parts or keep the text. Its
    body as parsed: get_payload() puts U+FFFD for each 8-bit byte (as read before)."""
    payload = part.get_payload() if body.as_before else getattr(part, "_payload", None)
    text = payload if isinstance(payload, str) else ""
    recovered = _recover_parts(text)
    if recovered is not None:
        body.notes.append("mime: declared boundary not found; parts recovered from body")
        body.slices.add(*recovered)  # the text is the raw body: attached mails' bytes
        _walk(recovered[0], body, inside_attachment, depth + 1)
        return
    if text.strip():
        body.notes.append("mime: multipart without parts; body kept as plain text")
        decoded, notes = decode_bytes(text.encode("utf-8", "surrogateescape"), None)
        body.notes.extend(notes)
        body.plain.append(tidy_text(decoded))


def _recover_parts(text: str) -> tuple[Message, bytes] | None:
    match = re.search(r"^--([^\s]{1,100})[ \t]*\r?$", text, re.M)
    if match is None:
        return None
    boundary = match.group(1).replace('"', "")
    raw = f'Content-Type: multipart/mixed; boundary="{boundary}"\n\n{text}'
    data = raw.encode("utf-8", "surrogateescape")
    try:
        message = email.message_from_bytes(data, policy=compat32)
    except Exception:  # noqa: BLE001
        return None
    return (message, data) if message.is_multipart() and _children(message) else None


def _is_body_part(part: Message, ctype: str, *, named: bool = False) -> bool:
    """A text part not marked as an attachment; ``named``: even one with a file name."""
    if ctype not in ("text/plain", "text/html"):
        return False
    if part.get_content_disposition() == "attachment":
        return False
    return named or not raw_filename(part)


def _add_text(part: Message, ctype: str, body: Body) -> None:
    label = param_text(part.get_param("charset"))
    broken = text_bytes(part, label)  # a transfer encoding broken as text (.transfer)
    if broken is None:
        data = payload_bytes(part, body.notes)
    else:
        data = broken[0]
        body.notes.extend(broken[1])
    if not label and ctype == "text/html":
        meta = _META_CHARSET.search(data[:4096])
        label = meta.group(1).decode("ascii") if meta else None
    text, notes = decode_bytes(data, label)
    body.notes.extend(f"body {ctype}: {note}" for note in notes)
    if ctype == "text/html":
        body.html.append(text)
        return
    text, files = split_uuencoded(tidy_text(text))
    for name, data in files:  # a file the text carried as uuencode (.uuencode)
        _append_attachment(body, data, name, guessed_type(name)[:MAX_CONTENT_TYPE])
    if (param_text(part.get_param("format")) or "").lower() == "flowed":
        delsp = (param_text(part.get_param("delsp")) or "").lower() == "yes"
        text = unflow(text, delsp)
    words = unarmored(text)
    if words is not None:  # inline PGP: the words, not the armor (.clearsigned)
        text = words
        body.notes.append(CLEARSIGNED)
    body.plain.append(named_pictures(text))


def _add_attachment(
    part: Message, body: Body, *, inline: bool = False, depth: int = _MAX_DEPTH
) -> None:
    ctype = part.get_content_type()[:MAX_CONTENT_TYPE]  # RFC 6838: 127 + "/" + 127
    data = (
        message_bytes(part, body.notes, decode=not body.as_before, slices=body.slices)
        if part.get_content_maintype() == "message"
        else None
    )
    if data is None:
        data = payload_bytes(part, body.notes)
    known = _big_part(part, data, body)
    original, notes = decoded_filename(part, body.hint)
    body.notes.extend(f"attachment name: {note}" for note in notes)
    if (known.blank if known else not data.strip()) and not original:
        return  # an empty, nameless part carries nothing worth storing
    named = (
        subject_name(data, ctype == "message/global") if ctype in _MAILS and not original else ""
    )
    _append_attachment(body, data, original, ctype, known, inline=inline, named=named)
    files = tnef_files(data) if known is None and is_tnef(ctype, original) else []
    for name, inside in files:  # winmail.dat: the files Outlook put in it (.tnef)
        _append_attachment(body, inside, name, guessed_type(name)[:MAX_CONTENT_TYPE])
    if files:
        many = "file" if len(files) == 1 else "files"
        body.notes.append(f"mime: {len(files)} {many} read out of winmail.dat (TNEF)")
    if known is None and is_tnef(ctype, original):  # its words, for a mail with none else
        body.rich.append(data)
    if ctype in _MAILS and known is None:
        _add_carried(part, data, body, depth)


def _add_carried(part: Message, data: bytes, body: Body, depth: int) -> None:
    """The files of an attached mail (a customer's forward as an .eml), listed after it
    as the ticket's own: only named in the text, they could be had only by opening the
    mail in a mail client. Not for a bounce's returned mail (our own mail's files), nor
    rows read as stored before, nor past MAX_CARRIED mails deep; the limit of files is
    the message's. Its big parts are read whole: their sentinels are not matched here,
    so a slim parse falls back to the whole (:mod:`.slim`)."""
    if body.as_before or body.reported or body.carried >= MAX_CARRIED or depth >= _MAX_DEPTH:
        return
    found = carried_message(part, data)
    if found is None:
        return
    tree, raw = found
    body.slices.add(tree, raw)  # the mails inside it: sliced from its bytes
    inner = body.branch()
    inner.big, inner.carried = {}, body.carried + 1
    inner.hint, inner.cids = charset_hint(tree) or body.hint, Shown(tree)
    _walk(tree, inner, False, depth + 1)
    body.attachments.extend(replace(a, carried=True) for a in inner.attachments)
    body.data.extend(inner.data)
    body.notes.extend(n for n in inner.notes if not n.startswith("body "))


_MAILS = frozenset({"message/rfc822", "message/global", "message/news"})  # named by Subject


def _append_attachment(
    body: Body,
    data: bytes,
    original: str,
    ctype: str,
    known: BigPart | None = None,
    *,
    inline: bool = False,
    named: str = "",
) -> None:
    """One more attachment listed (up to MAX_ATTACHMENTS), its bytes kept when asked;
    ``named``: the name it goes by when the sender gave it none (a mail's Subject)."""
    body.counter[0] += 1
    if body.counter[0] > MAX_ATTACHMENTS:  # the raw message keeps them all
        if body.counter[0] == MAX_ATTACHMENTS + 1:
            body.notes.append(f"mime: more than {MAX_ATTACHMENTS} attachments; the rest not listed")
        return
    if body.keep_data:
        body.data.append(data)
    body.attachments.append(
        Attachment(
            filename=safe_filename(original or named, ctype, body.counter[0]),
            original_filename=original,
            content_type=ctype,
            size=known.size if known else len(data),
            sha256=known.sha256 if known else hashlib.sha256(data).hexdigest(),
            inline=inline,
        )
    )


def _big_part(part: Message, data: bytes, body: Body) -> BigPart | None:
    """The big part hashed ahead that this part stands for: its data is a sentinel's
    decoded bytes and its payload that sentinel's line alone (newlines around it, which
    base64 decoding skips, aside), so the whole message has the run here instead."""
    known = body.big.get(data) if body.big and len(data) == MARKER_LEN else None
    if known is not None and is_tnef_part(part):
        return None  # its files are read out of its bytes: the whole is parsed (.slim)
    payload = part.get_payload() if known is not None else None
    if known is None or not isinstance(payload, str) or payload.strip("\r\n") != known.sentinel:
        return None
    body.matched[data] += 1
    return known
