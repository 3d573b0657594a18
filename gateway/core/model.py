"""Typed values handed between pipeline stages.

Stages exchange frozen dataclasses and enums, never dicts, so a stage cannot
quietly depend on a key another stage happened to set (Mailman's ``msgdata``
is the cautionary tale).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypedDict

# The largest row number (a ticket, an inbox row, an action run): ids are INTEGER
# columns, int4 on PostgreSQL, so a larger number names no row and must not reach
# a query (PostgreSQL refuses it, SQLite's driver overflows past 2**63).
MAX_ID = 2**31 - 1


def ticket_number(digits: str) -> int | None:
    """A ticket number a sender wrote (a subject tag, a reply address, ``/merge``), or
    None when no ticket can have it: a mail naming ``[#99999999999]`` opens or joins a
    ticket as if it named none, instead of failing in the query."""
    number = int(digits)
    return number if 0 < number <= MAX_ID else None


class TicketState(enum.StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    CLOSED = "closed"


class CloseReason(enum.StrEnum):
    RESOLVED = "resolved"
    STALE = "stale"
    DUPLICATE = "duplicate"
    SPAM = "spam"
    NO_RESPONSE = "no-response"


class InboxState(enum.StrEnum):
    """Disposition of one accepted raw message (DESIGN.md's outcome table)."""

    PENDING = "pending"
    DONE = "done"
    IGNORED = "ignored"
    REJECTED = "rejected"
    SHUNTED = "shunted"


class Channel(enum.StrEnum):
    """Where a change came from; kept on every event."""

    EMAIL = "email"
    CLI = "cli"
    SYSTEM = "system"
    WEB = "web"
    SLACK = "slack"


class By(TypedDict):
    """Who made a change and through which door, as every change of the tickets
    service takes them (``**by``): the two facts each event keeps."""

    actor: str
    channel: str


@dataclass(frozen=True, slots=True)
class Address:
    """A decoded mailbox: display name (may be empty) and lower-cased address."""

    name: str
    email: str


@dataclass(frozen=True, slots=True)
class Attachment:
    """One attachment as found in the MIME tree.

    ``filename`` is already safe to use as a single path component;
    ``original_filename`` keeps what the sender wrote, for display only.
    """

    filename: str
    original_filename: str
    content_type: str
    size: int
    sha256: str
    # shown by the HTML body in its place (multipart/related, a Content-ID, not marked
    # "attachment"): a signature logo or a pasted picture, part of how the words look
    inline: bool = False
    # a file inside a mail attached to this one (a forwarded .eml), listed on its own
    # after that mail; the mail carries it, so a relay sends the mail, not it again
    carried: bool = False


@dataclass(frozen=True, slots=True)
class LoopHeaders:
    """The headers the loop rules look at, decoded once by the parser."""

    auto_submitted: str = ""
    precedence: str = ""
    list_id: str = ""
    list_unsubscribe: str = ""
    list_other: str = ""  # the first other header only list managers set (headers.LIST_MARKS)
    x_auto_response_suppress: str = ""
    x_autoreply: str = ""
    x_autorespond: str = ""
    x_apple_action: str = ""  # "vacation": Apple's vacation reply, which sets nothing else
    return_path: str | None = None  # None: header absent; "" : null sender "<>"
    x_loop: str = ""  # the first X-Loop
    # every X-Loop, in order: loop guards of each program that passed the mail on
    # (procmail's formail -A writes below, Sieve's addheader above the others)
    x_loops: tuple[str, ...] = ()
    x_ticket_gateway: str = ""  # set on our own outgoing mail
    content_type: str = ""  # top-level type, e.g. multipart/report
    report_type: str = ""  # e.g. delivery-status
    # the spam verdicts of the team's own mail server, every occurrence of each header,
    # its blanks and folding squeezed to one space, lower-case (gateway.pipeline.spam_marks)
    x_spam_flag: tuple[str, ...] = ()  # SpamAssassin: "yes" on spam
    x_spam_status: tuple[str, ...] = ()  # SpamAssassin, rspamd: "yes, score=7.3 …" / "no, …"
    x_spam: tuple[str, ...] = ()  # rspamd: "yes" on spam
    x_rspamd_action: tuple[str, ...] = ()  # rspamd: "add header", "no action", …


@dataclass(frozen=True, slots=True)
class PriorityHeaders:
    """The headers a sender's urgency is read from (``gateway.pipeline.priority``),
    decoded and bounded by the parser; "" when absent."""

    importance: str = ""  # Importance: high | normal | low (RFC 2156, Outlook)
    x_priority: str = ""  # X-Priority: 1 (highest) … 5 (lowest), often "1 (Highest)"
    priority: str = ""  # Priority: urgent | normal | non-urgent (RFC 2156)


@dataclass(frozen=True, slots=True)
class ParsedMessage:
    """Everything later stages need from one raw message.

    Produced by :func:`gateway.pipeline.parse.message.parse_message`, which never raises:
    whatever was wrong with the MIME is listed in ``defects`` instead.
    """

    message_id: str  # without angle brackets; synthetic "<sha>@synthetic.invalid" if missing
    message_id_synthetic: bool
    in_reply_to: tuple[str, ...]  # Message-IDs, without angle brackets
    references: tuple[str, ...]
    subject: str  # decoded, single line, no CR/LF
    from_: Address | None
    reply_to: tuple[Address, ...]
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    date: datetime | None  # timezone-aware (UTC if the header had no zone)
    text: str  # the whole plain-text body (derived from HTML if there is no text part)
    new_text: str  # the part of ``text`` above the quoted history / signature
    html: str  # the raw HTML body if any; never rendered unsanitised
    attachments: tuple[Attachment, ...]
    loop: LoopHeaders
    defects: tuple[str, ...] = field(default=())
    urgency: PriorityHeaders = field(default=PriorityHeaders())  # what the sender marked
    is_mail: bool = True  # False only when the input does not look like mail at all
    # the addresses the receiving server noted delivering it to (Delivered-To,
    # X-Original-To, Envelope-To): where a Bcc'd reply address is when the envelope is lost
    delivered_to: tuple[str, ...] = ()
    # the From a mailing list wrote over the writer's (DMARC's "Taro via list"), when
    # ``from_`` is the writer it moved to Reply-To (gateway.pipeline.list_from)
    list_from: Address | None = None

    @property
    def malformed(self) -> bool:
        return bool(self.defects)

    @classmethod
    def nothing(
        cls, message_id: str, *, synthetic: bool, defects: tuple[str, ...] = (), is_mail: bool
    ) -> ParsedMessage:
        """A message of which nothing could be read but a Message-ID (input that is not
        mail, a parser that gave up, a door's document that is no submission): no
        headers, no text, ``defects`` saying why. The runner still stores and disposes
        of it like any other."""
        return cls(
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


@dataclass(frozen=True, slots=True)
class Submission:
    """A structured request from a form or a chat app, beside its :class:`ParsedMessage`.

    The door checked it with the catalog's own rules before storing it; the runner
    files it under ``entry_id`` (no keyword matching: the person chose) and checks
    the fields again, because the catalog may have changed in between.
    """

    source: str  # web | slack
    entry_id: str
    fields: Mapping[str, str]  # field name -> value as entered
    locale: str  # the language the person used the door in
    reference: str = ""  # where it came from: a chat permalink, a form's page
    extra: Mapping[str, str] = field(default_factory=dict)  # door-specific, e.g. chat thread
