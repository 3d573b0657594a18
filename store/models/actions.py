"""The catalog actions' runs (``gateway.actions``)."""

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


class ActionRun(Base):
    """One run of a catalog entry's action for one ticket (``gateway.actions``).

    Written in the transaction of the change that completed the ticket's sheet
    (or approved it), so a crash can neither lose the run nor write it twice;
    the action worker claims due rows with a lease, runs them outside any
    transaction and records the outcome. One row per ticket and entry: a
    retry, a re-run after a crash or an operator's ``actions retry`` is the
    same row, with the same document and idempotency key.
    """

    __tablename__ = "action_runs"
    __table_args__ = (
        UniqueConstraint("ticket_id", "entry_id"),
        Index("ix_action_runs_due", "state", "next_attempt_at"),
        NEVER_REUSED,  # `actions show ID`, a note naming the run
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))  # indexed by the unique
    entry_id: Mapped[str] = mapped_column(String(128))
    action_type: Mapped[str] = mapped_column(String(16))  # webhook | command
    trigger: Mapped[str] = mapped_column(String(32))  # fields_complete | approved
    triggered_by: Mapped[str] = mapped_column(String(320))  # who completed or approved it
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    document: Mapped[str] = mapped_column(Text, default="")  # the exact JSON the action gets
    input_sha256: Mapped[str] = mapped_column(String(64), default="")
    # awaiting_approval | pending | running | succeeded | failed
    state: Mapped[str] = mapped_column(String(24))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]  # pending: due then; running: the lease's end
    last_status: Mapped[int | None] = mapped_column(Integer)  # exit code or HTTP status
    last_error: Mapped[str] = mapped_column(Text, default="")  # in English: logs, --json
    # the same error as a dumped Msg (gateway.core.i18n.dump), said in each reader's
    # language; None on rows written before it was kept (their text is shown)
    last_error_said: Mapped[dict[str, Any] | None]
    output: Mapped[str] = mapped_column(Text, default="")  # the start of stdout/stderr or body
    # how much of it was not kept, in bytes (gateway.actions.outcome.Attempt.cut; -1: a
    # webhook's answer not read to its end): said in each reader's language where shown
    output_cut: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]  # the latest attempt's start
    finished_at: Mapped[datetime | None]
