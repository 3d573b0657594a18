"""The text a ticket shows for a mail with no words of its own, only a part that is not text.

A calendar invite alone, a customer's mail attached as ``message/rfc822`` with nothing
written around it, an S/MIME blob: each gave a ticket with empty text, and the team had
to download a file to learn what was asked (RT and Zammad show the invite's details and
the attached mail's words; one with no body, its subject, sender and date:
:mod:`.carried_mail`). The first row of :data:`KINDS` that one of the message's
attachments fits gives the text, in the language of the ticket's reader; the
attachments stay as they came. Pure: the attachments' bytes come from ``attached``.

A member's mail gets the rows of :data:`MEMBER_KINDS` only: their attached mail is
their forward (:mod:`gateway.pipeline.forward` files the original).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime

from gateway.core.i18n import N_, NP_, Msg, translate
from gateway.core.model import Attachment, ParsedMessage
from gateway.core.zone import Day, in_zone
from gateway.pipeline.carried_mail import empty_mail_line
from gateway.pipeline.files_sent import sent_files
from gateway.pipeline.parse.attachment_data import attachment_data
from gateway.pipeline.parse.charsets import decode_bytes
from gateway.pipeline.parse.ical import Event, read_event
from gateway.pipeline.parse.message import parse_message
from gateway.pipeline.parse.quotes import without_signature

__all__ = ["KINDS", "MEMBER_KINDS", "stand_in", "without_files_inside", "wordless"]

Attached = Callable[[str], bytes | None]  # an attachment's bytes by its SHA-256

# content type → what the ticket shows for it (the first row that fits wins)
KINDS: tuple[tuple[frozenset[str], str], ...] = (
    # an invite, a cancellation, an answer to one (Outlook, Google, Apple Calendar)
    (frozenset({"text/calendar", "application/ics"}), "calendar"),
    # a customer's mail passed on as an attachment, nothing written around it (a
    # signature aside: :func:`wordless`)
    (frozenset({"message/rfc822"}), "message"),
    # S/MIME enveloped (or opaque-signed) data: nothing in it can be read here
    (frozenset({"application/pkcs7-mime", "application/x-pkcs7-mime"}), "encrypted"),
    # PGP/MIME (RFC 3156): multipart/encrypted's control part, "Version: 1", beside the
    # armored data as application/octet-stream; only this type says which it is
    (frozenset({"application/pgp-encrypted"}), "pgp-encrypted"),
)
# the kinds a member's own mail is given a text for (their invite, their encrypted mail)
MEMBER_KINDS = frozenset({"calendar", "encrypted", "pgp-encrypted"})

# the line over an invite, by its METHOD (RFC 5546); any other: CALENDAR_EVENT
INVITE_LINES = {
    "REQUEST": N_("Meeting invitation: {summary}"),  # asks to attend
    "CANCEL": N_("Meeting cancelled: {summary}"),  # calls it off
    "REPLY": N_("Answer to a meeting invitation: {summary}"),  # an attendee's answer
}
NO_SUMMARY = N_("(no subject)")  # an event without a SUMMARY
CALENDAR_EVENT = N_("Calendar event: {summary}")
WHEN = N_("When: {start} – {end}")
STARTS = N_("When: {start}")
WHERE = N_("Where: {location}")
ORGANIZER = N_("Organizer: {organizer}")
ATTACHED_MESSAGE = N_("The mail carries an attached message; its text follows.")
# over the names of the files inside that mail, which the ticket lists after its .eml
FILES_INSIDE = N_("Files in the attached mail (each among the ticket's files too):")
MAX_NAMED = 20  # files of an attached mail named in the text; the rest counted
ENCRYPTED = N_(
    "This mail is encrypted (S/MIME) and cannot be read here; it is kept as an attachment."
)
PGP_ENCRYPTED = N_(
    "This mail is encrypted (OpenPGP) and cannot be read here; it is kept as an attachment."
)


def stand_in(
    msg: ParsedMessage,
    attached: Attached,
    locale: str,
    timezone: str,
    kinds: frozenset[str] | None = None,
) -> str:
    """The text for ``msg`` when it has none and carries one of :data:`KINDS` (of those
    named in ``kinds``, when given), else ""."""
    if not wordless(msg):
        return ""
    for types, kind in KINDS:
        if kinds is not None and kind not in kinds:
            continue
        for attachment in msg.attachments:
            if attachment.content_type.lower() in types:
                text = _READERS[kind](attachment, attached, locale, timezone)
                if text:
                    return text
    return ""


def wordless(msg: ParsedMessage) -> bool:
    """``msg`` has no words of its sender's own: no text, or only their signature (a
    forward as attachment sent with the signature their client adds and nothing else)."""
    return not without_signature(msg.text)


def _calendar(attachment: Attachment, attached: Attached, locale: str, timezone: str) -> str:
    data = attached(attachment.sha256)
    if data is None:
        return ""
    text, _ = decode_bytes(data, "utf-8")
    event = read_event(text, timezone)
    return _event_text(event, locale, timezone) if event is not None else ""


def _event_text(event: Event, locale: str, timezone: str) -> str:
    head = INVITE_LINES.get(event.method, CALENDAR_EVENT)
    summary = event.summary or translate(NO_SUMMARY, locale)
    lines = [translate(_with(head, summary=summary), locale)]
    if event.start is not None and event.end is not None and event.end != event.start:
        start, end = _said(event.start, locale, timezone), _said(event.end, locale, timezone)
        lines.append(translate(_with(WHEN, start=start, end=end), locale))
    elif event.start is not None:
        lines.append(translate(_with(STARTS, start=_said(event.start, locale, timezone)), locale))
    if event.location:
        lines.append(translate(_with(WHERE, location=event.location), locale))
    if event.organizer:
        lines.append(translate(_with(ORGANIZER, organizer=event.organizer), locale))
    if event.description:
        lines += ["", event.description]
    return "\n".join(lines)


def _said(when: datetime | date, locale: str, timezone: str) -> str:
    if isinstance(when, datetime):
        return in_zone(when, timezone).said(locale)
    return Day(when).said(locale)


def _message(attachment: Attachment, attached: Attached, locale: str, timezone: str) -> str:
    return _carried(attached(attachment.sha256), locale, timezone, 1)


# how many attached mails in a row are opened for words: a forward of a forward of a
# forward is real, fifty are not, and each level is one more parse of what it holds
MAX_CARRIED_DEPTH = 8


def _carried(data: bytes | None, locale: str, timezone: str, depth: int) -> str:
    """An attached mail's words; one that only carries another mail (a forward of a
    forward, nothing written around it) shows the words of the one it carries."""
    if data is None:
        return ""
    inner = parse_message(data)
    carried = [a for a in inner.attachments if a.content_type.lower() == "message/rfc822"]
    if carried and depth < MAX_CARRIED_DEPTH and wordless(inner):
        deeper = _carried(attachment_data(data, carried[0].sha256), locale, timezone, depth + 1)
        if deeper:
            return deeper
    words = inner.text.strip()
    if not words and inner.is_mail:  # a mail with no body: named by its headers
        words = empty_mail_line(inner.subject, inner.from_, inner.date, locale, timezone)
        return words + _files_inside(inner, locale)
    if not words:
        return ""
    return f"{translate(ATTACHED_MESSAGE, locale)}\n\n{words}{_files_inside(inner, locale)}"


def without_files_inside(text: str, locale: str) -> str:
    """A stand-in (in ``locale``) without its list of the attached mail's files: the
    words that say the mail's language (a file's name does not: 見積書.pdf in an English
    mail) and that file the ticket and fill its sheet (our line is no keyword of theirs)."""
    return text.split("\n\n" + translate(FILES_INSIDE, locale), 1)[0]


def _files_inside(inner: ParsedMessage, locale: str) -> str:
    """The names of the files the attached mail carries (not its logos, and what its
    winmail.dat holds by their own names: :mod:`.files_sent`), under a line saying
    where they are; "" when it carries none."""
    names = [f.filename for f in sent_files(inner.attachments)]
    if not names:
        return ""
    lines = [translate(FILES_INSIDE, locale), *(f"  - {n}" for n in names[:MAX_NAMED])]
    if len(names) > MAX_NAMED:
        more = len(names) - MAX_NAMED
        said = NP_("… and {n} more file", "… and {n} more files", more, n=more)
        lines.append("  " + translate(said, locale))
    return "\n\n" + "\n".join(lines)


def _encrypted(attachment: Attachment, attached: Attached, locale: str, timezone: str) -> str:
    return translate(ENCRYPTED, locale)


def _pgp_encrypted(attachment: Attachment, attached: Attached, locale: str, timezone: str) -> str:
    return translate(PGP_ENCRYPTED, locale)


def _with(message: Msg, **params: object) -> Msg:
    """A line of the tables above with its values filled in."""
    return replace(message, params=params)


_READERS = {
    "calendar": _calendar,
    "message": _message,
    "encrypted": _encrypted,
    "pgp-encrypted": _pgp_encrypted,
}
