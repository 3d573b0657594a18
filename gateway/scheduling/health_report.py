"""What ``ticket-gateway status`` shows: the health report, and its JSON document.

The report is data: :mod:`gateway.scheduling.health` judges a snapshot of the
database into one, and the CLI, the alerts and ``status --json`` read it. Kept apart
from the judgement so each says one thing: what the report holds (and how scripts
read it, the ``--json`` keys they rely on) here, what is a problem there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from gateway.core.i18n import Msg
from gateway.scheduling import unread
from store import health as queries
from store.sources import SteppedOver

# The states of an action run, in the order status lists them.
ACTION_STATES = ("awaiting_approval", "pending", "running", "succeeded", "failed")


@dataclass(frozen=True, slots=True)
class HealthProblem:
    key: str  # stable, for alert state: "mailbox:<account>", "left:<account>", "shunted"…
    message: Msg  # for the operator, names the threshold it broke; said in their language

    @property
    def text(self) -> str:
        """In English: ``status --json``, the log."""
        return str(self.message)


@dataclass(frozen=True, slots=True)
class Mailbox:
    account: str  # user@host:port/folder
    last_success_at: datetime | None
    last_error: Msg | str  # said in the reader's language (an older row's text as it is)
    left: Msg | None = None  # stored messages left in the folder for a person, said
    kept: int = 0  # stored messages the server keeps in the folder though it said OK
    stepped_over: SteppedOver = field(
        default_factory=SteppedOver
    )  # unstored, left in the folder (``unread``)
    stepped_over_limit: timedelta = unread.GRACE  # then a problem: max_stepped_over_age
    copied_back: int = 0  # kept after coming back under new UIDs too often (imap.returns)


@dataclass(frozen=True, slots=True)
class HealthReport:
    checked_at: datetime
    mailboxes: tuple[Mailbox, ...]
    inbox: dict[str, int]
    outbox_pending: int
    outbox_oldest: datetime | None
    outbox_failed: int
    jobs: dict[str, datetime]
    problems: tuple[HealthProblem, ...]
    chat: dict[str, int] = field(default_factory=dict)  # chat_outbox rows per state
    chat_oldest: datetime | None = None
    actions: dict[str, int] = field(default_factory=dict)  # action_runs per state
    inbox_oldest: datetime | None = None  # when the oldest unprocessed mail arrived
    outbox_held: int = 0  # notices held back on purpose, not due yet
    outbox_held_until: datetime | None = None  # when the first of them falls due
    daemon: bool | None = None  # this machine's daemon runs (None: not asked)
    failed_recent: int = 0  # outgoing mail that failed for good in the last 24 h
    recent_failures: tuple[queries.Failure, ...] = ()  # the newest of them
    chat_error: Msg | str = ""  # the newest error of a chat post not posted (yet)
    # members whose mail of ours about no ticket (a digest) came back: a warning in status
    bounced_members: tuple[Msg, ...] = ()

    @property
    def healthy(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        """The ``status --json`` document: times as ISO 8601, ages in seconds."""
        return {
            "healthy": self.healthy,
            "checked_at": iso(self.checked_at),
            "daemon": self.daemon,
            "problems": [{"key": p.key, "text": p.text} for p in self.problems],
            "mailboxes": [
                {
                    "account": m.account,
                    "last_success_at": iso(m.last_success_at),
                    "last_error": str(m.last_error),  # in English, as problems' text
                    "kept_by_server": m.kept,  # not moved or flagged again: not a problem
                    "copied_back": m.copied_back,  # nor what came back too often
                    "stepped_over": unread.as_dict(m.stepped_over),  # never a ticket
                }
                for m in self.mailboxes
            ],
            "inbox": {
                "pending": self.inbox.get("pending", 0),
                "shunted": self.inbox.get("shunted", 0),
                "by_state": self.inbox,
                "oldest_pending_at": iso(self.inbox_oldest),
                "oldest_pending_age_seconds": age(self.checked_at, self.inbox_oldest),
            },
            "outbox": {
                "pending": self.outbox_pending,
                "failed": self.outbox_failed,
                "oldest_pending_at": iso(self.outbox_oldest),
                "oldest_pending_age_seconds": age(self.checked_at, self.outbox_oldest),
                "held": self.outbox_held,
                "held_until": iso(self.outbox_held_until),
                "failed_last_24h": self.failed_recent,
                "recent_failures": [
                    {
                        "id": f.outbox_id,
                        "ticket": f.ticket_id,
                        "kind": f.kind,
                        "recipients": list(f.recipients),
                        "error": str(f.error),  # in English, as problems' text
                        "failed_at": iso(f.failed_at),
                    }
                    for f in self.recent_failures
                ],
            },
            "jobs": {job: iso(at) for job, at in sorted(self.jobs.items())},
            "chat_outbox": {
                "pending": self.chat.get("pending", 0),
                "failed": self.chat.get("failed", 0),
                "oldest_pending_at": iso(self.chat_oldest),
                "oldest_pending_age_seconds": age(self.checked_at, self.chat_oldest),
                "last_error": str(self.chat_error),  # in English, as problems' text
            },
            "action_runs": {state: self.actions.get(state, 0) for state in ACTION_STATES},
        }


def iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None


def age(now: datetime, then: datetime | None) -> int | None:
    """Seconds since ``then``; a row stamped ahead of ``now`` (another instance's clock
    running ahead) is "just now", never a negative age."""
    return max(0, int((now - then).total_seconds())) if then is not None else None
