"""The core tables: the inbox, tickets with their messages, events, participants and
fields, the outbox, source bookmarks and job runs.

Raw bytes are kept once, in ``inbox_raw.raw`` (incoming) and ``outbox.raw``
(outgoing); ``messages`` rows point at them, so the stored bytes are the
bytes that arrived, byte for byte, forever. Incoming bytes have a table of
their own because an inbox row changes (its state, attempts, disposition) and
the bytes never do: SQLite rewrites a whole row on every UPDATE, so with the
bytes inline each disposition copied the message once more (issue #18).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import false

from store.models.base import NEVER_REUSED, Base


class InboxRow(Base):
    """One accepted raw message, written before the source is acknowledged."""

    __tablename__ = "inbox"
    __table_args__ = (NEVER_REUSED,)  # `inbox list`, `inbox retry ID`

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(32))  # smtp | lmtp | imap | ingest
    source_ref: Mapped[str] = mapped_column(String(512), default="")  # file, imap acct/uv/uid
    # came in bulk (an import of files or folders, a mailbox's first sync): an old Date, or
    # none we can read, means an archive, filed but not answered (gateway.pipeline.archive)
    bulk: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # came over SMTP/LMTP from a peer outside [smtp] trusted_networks that did not log in:
    # its Authentication-Results were not written by our MTA, so they prove nothing
    untrusted_peer: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    envelope_from: Mapped[str | None] = mapped_column(String(512))
    envelope_to: Mapped[list[Any]] = mapped_column(default=list)
    raw_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    received_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str] = mapped_column(Text, default="")  # traceback of a shunted row
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    processed_at: Mapped[datetime | None]
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    message_id: Mapped[str | None] = mapped_column(String(998), index=True)  # resend check


class InboxRaw(Base):
    """The bytes of one inbox row, as they arrived; written once, never updated."""

    __tablename__ = "inbox_raw"

    inbox_id: Mapped[int] = mapped_column(
        ForeignKey("inbox.id", ondelete="CASCADE"), primary_key=True
    )
    raw: Mapped[bytes] = mapped_column(LargeBinary)


class Ticket(Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject: Mapped[str] = mapped_column(Text, default="")
    requester: Mapped[str] = mapped_column(String(320), index=True)
    requester_name: Mapped[str] = mapped_column(String(512), default="")
    # looked up by ix_tickets_state_id (state, id) and _state_idle below (0023)
    state: Mapped[str] = mapped_column(String(16), default="new")
    close_reason: Mapped[str | None] = mapped_column(String(32))
    catalog: Mapped[str | None] = mapped_column(String(128))
    assignee: Mapped[str | None] = mapped_column(String(320))
    locale: Mapped[str | None] = mapped_column(String(16))
    linked_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    # low | normal | high | urgent (#19): drives the SLA of the entry, sorts digests and board
    priority: Mapped[str] = mapped_column(
        String(16), default="normal", server_default="normal", index=True
    )
    # the ticket this one was merged into (#19); its reply addresses thread there from then on.
    # Named as migration 0006 names it, so a database made from the models goes down too
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", name="fk_tickets_merged_into_id_tickets"), index=True
    )
    due_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(index=True)  # the board's time windows
    updated_at: Mapped[datetime]
    closed_at: Mapped[datetime | None] = mapped_column(index=True)  # "closed this week"

    # round robin reads each candidate's newest ticket of an entry (store.fields.last_served):
    # with the id last, that is the first row of an index read backwards (issue #18)
    __table_args__ = (
        Index("ix_tickets_catalog_assignee", "catalog", "assignee", "id"),
        # the list's sort=idle (store.ticket_query.ORDERS): its whole order, read in turn
        # and cut at the page, not every matching ticket sorted for each page (0019)
        Index("ix_tickets_idle", "updated_at", "id"),
        # the list of one state (new, open, pending: work still to do) in each of its
        # orders, read from the state's own part of the index and cut at the page, never
        # through the closed history before it (store.ticket_query.find, 0023)
        Index("ix_tickets_state_idle", "state", "updated_at", "id"),
        Index("ix_tickets_state_id", "state", "id"),
        NEVER_REUSED,  # an erased ticket's #N, reply addresses and links name no other
    )
    first_response_at: Mapped[datetime | None]

    messages: Mapped[list[Message]] = relationship(
        back_populates="ticket", order_by="Message.id", cascade="all, delete-orphan"
    )
    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", order_by="TicketEvent.id", cascade="all, delete-orphan"
    )
    participants: Mapped[list[Participant]] = relationship(
        back_populates="ticket", cascade="all, delete-orphan"
    )
    fields: Mapped[list[TicketField]] = relationship(
        back_populates="ticket", cascade="all, delete-orphan"
    )


class Participant(Base):
    """Who may add to a ticket by mail without a reply token (requester, Cc, ops)."""

    __tablename__ = "participants"
    __table_args__ = (UniqueConstraint("ticket_id", "email"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    email: Mapped[str] = mapped_column(String(320), index=True)
    role: Mapped[str] = mapped_column(String(16))  # requester | cc | ops | watcher

    ticket: Mapped[Ticket] = relationship(back_populates="participants")


class Message(Base):
    """A mail on a ticket, in either direction, with its parsed text."""

    __tablename__ = "messages"
    # the board's one-minute cache key (the highest event and message ids), the ids of
    # ``tickets show --json``
    __table_args__ = (NEVER_REUSED,)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    inbox_id: Mapped[int | None] = mapped_column(ForeignKey("inbox.id"))  # raw bytes (in)
    outbox_id: Mapped[int | None] = mapped_column(  # raw bytes (out); the sender's update
        ForeignKey("outbox.id"), index=True
    )
    direction: Mapped[str] = mapped_column(String(3))  # in | out
    message_id: Mapped[str] = mapped_column(String(998), unique=True)
    in_reply_to: Mapped[str] = mapped_column(Text, default="")
    references: Mapped[str] = mapped_column(Text, default="")
    from_addr: Mapped[str] = mapped_column(String(320), default="")
    from_name: Mapped[str] = mapped_column(String(512), default="")
    to: Mapped[list[Any]] = mapped_column(default=list)
    cc: Mapped[list[Any]] = mapped_column(default=list)
    subject: Mapped[str] = mapped_column(Text, default="")
    date: Mapped[datetime | None]
    text: Mapped[str] = mapped_column(Text, default="")
    new_text: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(32), default="request")  # request|reply|bounce|…
    defects: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime]

    ticket: Mapped[Ticket] = relationship(back_populates="messages")
    attachments: Mapped[list[AttachmentRow]] = relationship(
        back_populates="message", order_by="AttachmentRow.id", cascade="all, delete-orphan"
    )


class AttachmentRow(Base):
    """Attachment metadata; the bytes stay inside the raw message they came in."""

    __tablename__ = "attachments"
    __table_args__ = (NEVER_REUSED,)  # download links: /tickets/N/attachments/ID

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    original_filename: Mapped[str] = mapped_column(Text, default="")
    content_type: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))

    message: Mapped[Message] = relationship(back_populates="attachments")


class TicketEvent(Base):
    """Every change to a ticket: what, when, by whom, through which channel."""

    __tablename__ = "ticket_events"
    # the caps on automatic mail count one actor's events of a kind per hour (issue #18)
    __table_args__ = (
        Index("ix_ticket_events_actor", "actor", "kind", "at"),
        # a ticket page's "changed since you looked" (the event its view ends at, in
        # its form), the board's cache key, a status mail's key (its state change's id)
        NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(320))
    channel: Mapped[str] = mapped_column(String(16))  # email | cli | system
    kind: Mapped[str] = mapped_column(String(32))  # created | state | assign | category | …
    old: Mapped[str | None] = mapped_column(Text)
    new: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)

    ticket: Mapped[Ticket] = relationship(back_populates="events")


class TicketField(Base):
    """One value of a ticket's parameter sheet."""

    __tablename__ = "ticket_fields"
    __table_args__ = (UniqueConstraint("ticket_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    name: Mapped[str] = mapped_column(String(128))
    value: Mapped[str] = mapped_column(Text)

    ticket: Mapped[Ticket] = relationship(back_populates="fields")


class OutboxRow(Base):
    """One logical outgoing mail, written in the transaction that caused it."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    message_id: Mapped[str] = mapped_column(String(998), unique=True)
    envelope_from: Mapped[str] = mapped_column(String(320))
    recipients: Mapped[list[Any]] = mapped_column(default=list)
    recipient: Mapped[str] = mapped_column(String(320), default="")  # the first, for the rate limit
    # the bytes as sent, kept ``[outbound] keep_sent`` after sending, then b"" (a mail
    # sent is never sent again; its words and files stay on the ticket's message)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    raw_dropped_at: Mapped[datetime | None]  # when ``raw`` was emptied; None: still kept
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")  # in English: logs, --json
    # the same error as a dumped Msg (gateway.core.i18n.dump), said in each reader's
    # language; None on rows written before it was kept (their text is shown)
    last_error_said: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]  # when it failed for good (status: the last 24 h)
    # a member notice held to gather what else happens to its ticket (gateway.tickets
    # .to_members): due at held_until, re-rendered from ``notice`` while it waits
    held_until: Mapped[datetime | None]
    notice: Mapped[dict[str, Any] | None]
    # the member whose words the mail carries (an answer relayed from their reply, the
    # CLI or Slack), told with the member who has the ticket when it fails for good;
    # None for the gateway's own words, and on rows written before it was kept
    author: Mapped[str | None] = mapped_column(String(320))

    __table_args__ = (
        Index("ix_outbox_due", "state", "next_attempt_at"),
        Index("ix_outbox_recipient", "recipient", "created_at"),  # automatic mails per hour
        # the sent mails whose bytes are still kept (raw_dropped_at NULL), by when they
        # were sent: what the sweep that drops them looks at, however many were dropped
        # before. No ``state`` in it: a query naming the state would be planned on
        # ix_outbox_due, which walks every row ever sent (and SQLite reads each one's
        # bytes to reach a later column). A plain index, not a partial one: a partial
        # index's dialect options import SQLAlchemy's PostgreSQL dialect into every
        # process that loads the models (2-3 MB each; the daemon's RSS target, #18)
        Index("ix_outbox_sent_kept", "raw_dropped_at", "sent_at"),
        # log lines (``sent outbox=ID``), ``status --json``'s failed mails, the claim
        # that a returned mail was told (job ``mail-returned``, its period the id)
        NEVER_REUSED,
    )


class SourceState(Base):
    """Per-source bookmarks, e.g. an IMAP folder's UIDVALIDITY and last UID."""

    __tablename__ = "source_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(512), unique=True)
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    last_success_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")  # in English: logs, --json
    # the same error as a dumped Msg (gateway.core.i18n.dump), so each reader reads it in
    # their language; None on rows written before it was kept (their text is shown)
    last_error_said: Mapped[dict[str, Any] | None]
    # an IMAP poller's acknowledgements kept across restarts (store.sources.Held): the
    # messages it left in the folder for a person, and those it copied but did not remove
    acks: Mapped[dict[str, Any] | None]
    updated_at: Mapped[datetime]


class JobRun(Base):
    """One scheduled job run for one period, claimed before its mails are queued.

    The unique (job, period) pair is the whole guarantee that a restart, a
    second instance or a sweep running every few minutes never sends the same
    reminder or digest twice: whoever inserts the row first does the work.
    """

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job: Mapped[str] = mapped_column(String(32))  # digest | stale | overdue | pending-…
    period: Mapped[str] = mapped_column(String(255))  # "2026-W10", "42:1772413200:1"
    ran_at: Mapped[datetime] = mapped_column(index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Installation(Base):
    """One row, written with the database: its random id keys the reply tokens, so an
    address issued by one database never verifies in another (a move to a new
    database with the same secret, where ticket numbers start again)."""

    __tablename__ = "installation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    database_id: Mapped[str] = mapped_column(String(64))
    # tickets up to this id were answered before the id existed: their old, unbound
    # reply addresses still verify (0 for a database created with the id)
    legacy_tickets_upto: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
