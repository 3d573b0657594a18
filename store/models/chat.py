"""Chat tables: where a ticket lives in Slack, and what chat will say (the chat outbox)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import NEVER_REUSED, Base


class ChatThread(Base):
    """Where a ticket lives in chat: the Slack thread that is its chat view, and its card.

    Written with the ticket (a Slack submission names the channel and the message it
    came from); ``card_ts`` is filled in when the card is posted, and for a ticket
    opened by ``/ticket`` outside any message the card's own ts becomes the thread.
    """

    __tablename__ = "chat_threads"
    __table_args__ = (
        UniqueConstraint("ticket_id", "provider"),
        Index("ix_chat_threads_place", "channel", "thread_ts"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    provider: Mapped[str] = mapped_column(String(16))  # slack
    team_id: Mapped[str] = mapped_column(String(32), default="")
    channel: Mapped[str] = mapped_column(String(32))
    thread_ts: Mapped[str] = mapped_column(String(32), default="")  # "" until the card is out
    card_ts: Mapped[str] = mapped_column(String(32), default="")  # the card message, to update
    permalink: Mapped[str] = mapped_column(Text, default="")  # the message it came from
    user_id: Mapped[str] = mapped_column(String(32), default="")  # who asked, in Slack
    created_at: Mapped[datetime]


class ChatOutboxRow(Base):
    """One thing to say in chat (a card, a card update, a line in a thread, a notice),
    written in the transaction of the change that caused it, under an idempotency key."""

    __tablename__ = "chat_outbox"
    __table_args__ = (
        Index("ix_chat_outbox_due", "state", "next_attempt_at"),
        Index("ix_chat_outbox_target", "target", "channel", "created_at"),  # notices per hour
        NEVER_REUSED,  # log lines (``chat post id=ID``), a chat-failed event's detail
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    target: Mapped[str] = mapped_column(String(16))  # slack | teams | webhook
    kind: Mapped[str] = mapped_column(String(16))  # card | card-update | line | notice
    channel: Mapped[str] = mapped_column(String(32), default="")  # Slack channel; "" for hooks
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)  # facts, rendered at send
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")  # in English: logs, --json
    last_error_said: Mapped[dict[str, Any] | None]  # the Msg (as on outbox), or None
    result: Mapped[str] = mapped_column(String(64), default="")  # the posted message's ts
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class SlackDraft(Base):
    """What a person typed on the earlier pages of a ``/ticket`` form too long for one
    Slack view (100 blocks), kept by the form's view id until its last page is sent
    (Slack hands back only the page on screen). Pruned a day after it was last written."""

    __tablename__ = "slack_drafts"

    view_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    entry_id: Mapped[str] = mapped_column(String(64))
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)  # field name → as typed
    subject: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(index=True)


class CardLook(Base):
    """How each catalog entry looked on the tickets' Slack cards when cards were last
    brought up to date with the catalog: its names in every language and whether its
    action can be approved (a digest). A catalog that changes that look (a renamed,
    removed or split entry) queues card updates for its open tickets, once per change
    (``generation`` is part of their idempotency keys)."""

    __tablename__ = "card_looks"

    entry_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    look: Mapped[str] = mapped_column(String(64))
    generation: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[datetime]
