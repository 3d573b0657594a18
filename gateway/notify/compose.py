"""Rendered parts + envelope facts → the bytes of one outgoing mail.

Pure: the Message-ID and the date come in with the envelope, so the same input
gives the same bytes, and the bytes are what the outbox keeps and the sender
sends, unchanged, however often it has to try (a resend carries the same
Message-ID, which is what makes at-least-once delivery harmless).

Header safety: every value that came from mail or config (subject, display
names, Message-IDs) is cut to one line before it reaches a header, and display
names go through ``formataddr``, which quotes or encodes them; a subject that
decoded to ``"hi\\r\\nBcc: x"`` stays one header.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import astuple, dataclass, replace
from datetime import datetime
from email.charset import BASE64, Charset
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import Compat32
from email.utils import format_datetime, formataddr
from typing import Any
from urllib.parse import quote

from gateway.core import msgid
from gateway.core.title import one_line
from gateway.notify.enclosed_mail import file_part
from gateway.notify.render import Rendered
from gateway.notify.thread_index import thread_index
from gateway.notify.views import Person
from gateway.notify.windows_jis import WINDOWS_TO_JIS as _WINDOWS_TO_JIS
from gateway.notify.windows_jis import encodes as _encodes
from gateway.notify.windows_jis import in_charset


class _Wire(Compat32):
    """Compat32 on the wire (CRLF, 78 columns), without its folding machinery for a
    header that needs none: printable ASCII words with single spaces between them,
    short enough for one line, which ``Header.encode`` would give back unchanged.
    That is nearly every header of our mail, and the machinery was two fifths of
    composing one (issue #18); anything else still goes through it."""

    def fold(self, name: str, value: str) -> str:
        line = self._one_line(name, value)
        return line if line is not None else super().fold(name, value)

    def fold_binary(self, name: str, value: str) -> bytes:
        line = self._one_line(name, value)
        return line.encode("ascii") if line is not None else super().fold_binary(name, value)

    def _one_line(self, name: str, value: Any) -> str | None:
        if (
            isinstance(value, str)
            and len(name) + len(value) + 2 <= (self.max_line_length or 0)
            and _PLAIN.fullmatch(value)
        ):
            return f"{name}: {value}{self.linesep}"
        return None


_PLAIN = re.compile(r"[!-~]+(?: [!-~]+)*")
# the charset an HTML part names in its <meta> (``charset="utf-8"``, or http-equiv's
# ``content="text/html; charset=utf-8"``): made the one it is sent in, as Outlook and
# the IE component older Japanese clients show HTML with take the tag's word over MIME's
_META_CHARSET = re.compile(r"""(<meta\b[^>]{0,200}?\bcharset\s*=\s*["']?)[\w.:-]+""", re.I)
WIRE = _Wire(linesep="\r\n", max_line_length=78)
MAX_REFERENCES = 10  # RFC 5322 3.6.4 allows trimming; keep the first and the latest


@dataclass(frozen=True, slots=True)
class Envelope:
    """Everything about a mail that is not its text."""

    kind: str  # the template kind, also in X-Ticket-Gateway
    sender: Person  # From: the team address and display name
    to: Person
    message_id: str  # without angle brackets
    date: datetime
    subject_tag: str = ""  # "[#42]"; "" for mail about no single ticket
    reply_to: str = ""  # the ticket's reply-token address for this recipient
    in_reply_to: str = ""  # the Message-ID this answers, without brackets
    references: tuple[str, ...] = ()  # the ticket's thread, oldest first
    auto_submitted: str = "auto-replied"  # or "auto-generated" (RFC 3834); "": a person's
    ticket_id: int | None = None
    charset: str = "utf-8"  # or "iso-2022-jp" for Japanese, for old clients
    opened: datetime | None = None  # the ticket's opening and title: Outlook's conversation
    topic: str = ""


@dataclass(frozen=True, slots=True)
class Enclosure:
    """A file that goes with a mail: one a member attached to their answer, relayed
    to the requester as they sent it (the name already one safe path component)."""

    filename: str
    content_type: str
    data: bytes
    charset: str = ""  # a text file's, named in its type; "": none to name (ASCII)


def new_message_id(domain: str, ticket_id: int | None) -> str:
    """Unique, and says whose it is; chosen once and stored with the outbox row."""
    where = f"t{ticket_id}" if ticket_id is not None else "gw"
    return f"{where}.{secrets.token_hex(12)}@{domain}"


def subject_line(tag: str, subject: str) -> str:
    subject = one_line(subject)
    if not tag or tag in subject:
        return subject
    return f"{tag} {subject}"


def compose(env: Envelope, parts: Rendered, files: tuple[Enclosure, ...] = ()) -> bytes:
    """A multipart/alternative mail (text first, HTML preferred by clients that can);
    with ``files``, that alternative and the files in a multipart/mixed."""
    env, parts = _as_jis(env, parts)  # what Windows types, as Windows writes it in JIS
    subject = subject_line(env.subject_tag, parts.subject)
    charset = _charset(env, (parts.text, parts.html, subject, env.sender.name, env.to.name))
    texts = MIMEMultipart("alternative")
    boundary = _boundary(env.message_id)
    if not any(boundary in body for body in (parts.text, parts.html)):
        texts.set_boundary(boundary)  # else the generator picks one that is not in them
    html = _META_CHARSET.sub(lambda m: m[1] + charset, parts.html, count=2)
    for body, subtype in ((parts.text, "plain"), (html, "html")):
        part = MIMEText(body, subtype, charset)
        if _lines_too_long(body, charset):
            del part["Content-Transfer-Encoding"]
            part.set_payload(body, _base64(charset))
        del part["MIME-Version"]  # once, on the whole message
        texts.attach(part)
    msg = _with_files(texts, files, boundary, charset) if files else texts
    msg["From"] = _address(env.sender, charset)  # type: ignore[assignment]
    msg["To"] = _address(env.to, charset)  # type: ignore[assignment]
    if env.reply_to:
        reply_to = _address(Person(env.reply_to, env.sender.name), charset)
        msg["Reply-To"] = reply_to  # type: ignore[assignment]
    msg["Subject"] = _text(subject, charset)  # type: ignore[assignment]
    msg["Date"] = format_datetime(env.date)
    msg["Message-ID"] = f"<{_msgid(env.message_id)}>"
    refs = _references(env.references, env.in_reply_to, own=_msgid(env.message_id))
    if env.in_reply_to and _msgid(env.in_reply_to):
        msg["In-Reply-To"] = f"<{_msgid(env.in_reply_to)}>"
    if refs:
        msg["References"] = " ".join(f"<{r}>" for r in refs)
    if env.auto_submitted:  # a person's words relayed by us are not automatic mail
        msg["Auto-Submitted"] = env.auto_submitted  # RFC 3834
        msg["Precedence"] = "bulk"  # the responders older than RFC 3834 read only this
        msg["X-Auto-Response-Suppress"] = "All"  # asks Exchange/Outlook not to answer us
    if env.opened is not None and env.ticket_id is not None:  # Outlook's :mod:`.thread_index`
        if one_line(env.topic):
            topic = _text(*in_charset(one_line(env.topic), charset), name="Thread-Topic")
            msg["Thread-Topic"] = topic  # type: ignore[assignment]
        index = thread_index(env.sender.email, env.ticket_id, env.opened, env.date, env.message_id)
        msg["Thread-Index"] = index
    ticket = f"; ticket={env.ticket_id}" if env.ticket_id is not None else ""
    msg["X-Ticket-Gateway"] = f"{env.kind}{ticket}"  # loops.py: our own mail came back
    return msg.as_bytes(policy=WIRE)


def _with_files(
    texts: MIMEMultipart, files: tuple[Enclosure, ...], inner: str, charset: str
) -> MIMEMultipart:
    """The texts first, then each file base64-encoded (an attached mail as it is:
    :mod:`.enclosed_mail`), its name in RFC 2231 form when
    it is not ASCII (``filename*=utf-8''…``: what Outlook, Gmail and Thunderbird read),
    and as encoded words in the type's ``name`` for older clients (:func:`_name`)."""
    del texts["MIME-Version"]
    msg = MIMEMultipart("mixed")
    msg.set_boundary(inner.replace("=_gw_", "=_gwm_"))  # base64 and our texts never hold it
    msg.attach(texts)
    for f in files:
        maintype, subtype = _content_type(f.content_type)
        part = file_part(maintype, subtype, f.data, msg.get_boundary() or "")
        maintype, subtype = part.get_content_maintype(), part.get_content_subtype()
        name = one_line(f.filename) or "attachment"
        named = (
            f"charset={f.charset}; " if maintype == "text" and _TOKEN.fullmatch(f.charset) else ""
        )
        part.replace_header("Content-Type", f"{maintype}/{subtype}; {named}{_name(name, charset)}")
        part["Content-Disposition"] = f"attachment; {_param('filename', name)}"
        msg.attach(part)
    return msg


def _name(value: str, charset: str) -> str:
    """The type's ``name``: a name that is not plain ASCII as encoded words in quotes,
    as Outlook and Gmail write it, for the clients that know no RFC 2231 (older
    Outlook, Becky!, the Japanese clients ISO-2022-JP mail is for), which read this
    one when the disposition's ``filename*`` means nothing to them. Each word is
    short enough for `` name="`` before it on a folded line."""
    if _as_is(value) and len(value) <= _PIECE and not _SPECIALS.search(value):
        return f'name="{value}"'
    value, charset = in_charset(value, charset)  # UTF-8 for a name with ① in it
    words = Header(value, charset, maxlinelen=_NAME_WORD).encode(
        splitchars="", maxlinelen=_NAME_WORD, linesep="\n"
    )
    return 'name="' + " ".join(w.strip() for w in words.split("\n")) + '"'


_NAME_WORD = 68  # an encoded word within 75, and `` name="`` + it within 78 columns


def _param(key: str, value: str) -> str:
    """``key="value"`` for a short printable ASCII name; else RFC 2231's
    ``key*0*=utf-8''…; key*1*=…`` in pieces short enough for folded lines (a long
    Japanese name is thousands of octets once percent-encoded, over the 998 a line
    may have)."""
    if _as_is(value) and len(value) <= _PIECE and not _SPECIALS.search(value):
        return f'{key}="{value}"'
    pieces, piece = [], ""
    for char in value:
        code = char if _ATTR_CHAR.fullmatch(char) else quote(char, safe="")
        if len(piece) + len(code) > _PIECE:
            pieces.append(piece)
            piece = ""
        piece += code
    pieces.append(piece)
    if len(pieces) == 1:
        return f"{key}*=utf-8''{piece}"
    pieces[0] = "utf-8''" + pieces[0]
    return "; ".join(f"{key}*{n}*={p}" for n, p in enumerate(pieces))


_PIECE = 54  # octets of one parameter piece: a folded line stays under 78 columns
_SPECIALS = re.compile(r'[\x00-\x1f\x7f"\\]')
_ATTR_CHAR = re.compile(r"[A-Za-z0-9!#$&+.^_`|~-]")  # RFC 2231 attribute-char, unencoded


def _content_type(value: str) -> tuple[str, str]:
    """A type/subtype as the sender declared it, else application/octet-stream (a
    value with anything but token characters never reaches the header)."""
    found = _TYPE.fullmatch(value.strip().lower())
    return (found[1], found[2]) if found else ("application", "octet-stream")


_TOKEN = re.compile(r"[a-z0-9][a-z0-9_.:+-]{0,39}")  # a charset's name, as written
_TYPE = re.compile(r"([a-z0-9][a-z0-9!#$&^_.+-]{0,63})/([a-z0-9][a-z0-9!#$&^_.+-]{0,126})")


def _boundary(message_id: str) -> str:
    """The multipart boundary, from the Message-ID: the same mail gets the same bytes,
    and the generator does not compile a regular expression for a boundary of its own
    choosing (a fifth of composing an acknowledgement, issue #18). A Message-ID is
    chosen at random after the texts are rendered, so no text can hold it ahead."""
    return "=_gw_" + hashlib.sha256(message_id.encode("utf-8", "replace")).hexdigest()[:32]


def _charset(env: Envelope, texts: tuple[str, ...]) -> str:
    """ISO-2022-JP only when it can carry every character (no ①, no emoji); else UTF-8."""
    if env.charset == "utf-8":
        return "utf-8"
    return env.charset if all(_encodes(text, env.charset) for text in texts) else "utf-8"


def _as_jis(env: Envelope, parts: Rendered) -> tuple[Envelope, Rendered]:
    """For an ISO-2022-JP mail, its texts with Windows' six forms as the iso2022_jp
    codec writes them, when that lets every text go in ISO-2022-JP; else as they are
    (the mail goes in UTF-8, where ～ stays ～)."""
    if env.charset != "iso-2022-jp":
        return env, parts

    def jis(text: str) -> str:
        return text.translate(_WINDOWS_TO_JIS)

    jis_env = replace(
        env,
        sender=replace(env.sender, name=jis(env.sender.name)),
        to=replace(env.to, name=jis(env.to.name)),
    )
    jis_parts = Rendered(jis(parts.subject), jis(parts.text), jis(parts.html))
    texts = (*astuple(jis_parts), jis_env.sender.name, jis_env.to.name)
    if all(_encodes(text, env.charset) for text in texts):
        return jis_env, jis_parts
    return env, parts


MAX_LINE = 998  # octets in a line of mail, CRLF aside (RFC 5322 section 2.1.1)


def _lines_too_long(body: str, charset: str) -> bool:
    """ISO-2022-JP goes out 7bit, as old Japanese clients expect, unless a line would
    pass 998 octets (a Japanese paragraph is one line): a relay refuses such a line or
    breaks it, and a break inside ISO-2022-JP garbles the rest of it. Then base64.
    (UTF-8 is always base64.) The margin of 8: escapes a line gains written alone."""
    if charset == "utf-8":
        return False
    return any(len(line.encode(charset)) > MAX_LINE - 8 for line in body.splitlines())


def _base64(charset: str) -> Charset:
    wrapped = Charset(charset)
    wrapped.body_encoding = BASE64
    return wrapped


def _address(person: Person, charset: str) -> str | Header:
    """``name <address>``: an ASCII name quoted where it must be, any other as encoded
    words of at most 75 characters folded onto lines of their own (``formataddr``
    writes one word however long the name: a long Japanese team or company name made
    a word of 150 characters, which strict clients show as the raw ``=?…?=``)."""
    name = one_line(person.name)
    email = one_line(person.email).replace(" ", "")
    if not name:
        return email
    if _as_is(name) and _foldable(name):
        return formataddr((name, email))
    words = _Words(name, charset, header_name="Reply-To")  # the longest name it goes in
    words.append(f"<{email}>", "us-ascii")
    return words


def _text(value: str, charset: str, name: str = "Subject") -> str | Header:
    """A non-ASCII subject (or ``name``'s text) as encoded words, folded once, where the
    mail is written (a string encoded here would be parsed and folded again there); the
    first word leaves room for the field's name."""
    if _as_is(value) and _foldable(value):
        return value
    return _Words(value, charset, header_name=name)


# the longest run without a space an ASCII subject or name is written as it is: folding
# breaks a header line only at spaces, so a longer one (a 1 200-character subject a
# team's template wrote) was one line past RFC 5322's 998 octets; as encoded words it
# folds into lines of 76. Room for the field's name, quotes and escapes.
_LONGEST_WORD = 400


def _foldable(value: str) -> bool:
    """Whether folding at spaces keeps every line of ``value``'s header within 998."""
    return all(len(word) <= _LONGEST_WORD for word in value.split())


def _as_is(value: str) -> bool:
    """Whether ``value`` may go into a header as it is: ASCII, and nothing a reader could
    take for an encoded word. A subject, name or file name whose text is
    ``=?utf-8?b?DQo=?=`` (a customer encoded it so, or typed it into a form) was written
    out raw, and every client, Python's parser too, decoded it: a CR LF in the Subject a
    script reads back, another name or file name shown than the one sent. RFC 2047
    section 5 has such text encoded; encoded, it reads back as the text it is."""
    return value.isascii() and "=?" not in value


class _Words(Header):
    """Encoded words of at most 75 characters (RFC 2047 section 2), folded at 76
    columns whatever line length the policy writing the mail allows."""

    def encode(
        self, splitchars: str = ";, \t", maxlinelen: int | None = None, linesep: str = "\n"
    ) -> str:
        return super().encode(splitchars, min(maxlinelen or 76, 76), linesep)


def _msgid(value: str) -> str:
    """``value`` without its brackets when it is a msg-id a header may carry, else "":
    a customer's id of non-ASCII text or an encoded word (kept for threading what
    comes in) is never written into our mail, where a reader would decode it or a
    relay refuse its 8-bit bytes; the thread goes on through our own ids. Nor is the
    digest kept of an over-long id (:func:`gateway.core.msgid.nameable`): no client
    ever saw it, so naming it threads nothing."""
    found = msgid.bounded(value.strip().strip("<>").strip())
    return found if msgid.nameable(found) else ""


def _references(refs: tuple[str, ...], in_reply_to: str, own: str) -> list[str]:
    """The thread this mail belongs to, without the mail itself: a notice rewritten
    while it gathers is already stored on the ticket whose thread it is given."""
    chain = [c for c in (_msgid(r) for r in (*refs, in_reply_to)) if c and c != own]
    unique = list(dict.fromkeys(chain))
    if len(unique) > MAX_REFERENCES:
        unique = [unique[0], *unique[-(MAX_REFERENCES - 1) :]]
    return unique
