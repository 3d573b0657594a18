"""SQLAlchemy 2.0 typed models: the durable state of the gateway, one module per part.

Importing the package registers every table on ``Base.metadata`` (what Alembic
and the "models match migrations" test compare), and these are the names the
query modules use.
"""

from store.models.actions import ActionRun
from store.models.base import Base, UTCDateTime, table_of
from store.models.chat import CardLook, ChatOutboxRow, ChatThread, SlackDraft
from store.models.core import (
    AttachmentRow,
    InboxRaw,
    InboxRow,
    Installation,
    JobRun,
    Message,
    OutboxRow,
    Participant,
    SourceState,
    Ticket,
    TicketEvent,
    TicketField,
)
from store.models.privacy import Erasure
from store.models.web import RateCounter, SignInLink, WebSession

__all__ = [
    "ActionRun",
    "AttachmentRow",
    "Base",
    "CardLook",
    "ChatOutboxRow",
    "ChatThread",
    "Erasure",
    "InboxRaw",
    "InboxRow",
    "Installation",
    "JobRun",
    "Message",
    "OutboxRow",
    "Participant",
    "RateCounter",
    "SignInLink",
    "SlackDraft",
    "SourceState",
    "Ticket",
    "TicketEvent",
    "TicketField",
    "UTCDateTime",
    "WebSession",
    "table_of",
]
