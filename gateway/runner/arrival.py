"""The message being processed, and what every stage asks of it.

Threading, filing, the automatic answers and the ops commands all need the same
things: the runner's transaction, the stored row, the settings, the time and
the catalog, then what the early stages found (the parsed message, the loop
verdict, the thread). One frozen value carries them down the chain; each stage
that learns something returns a copy with it set, so a stage's signature names
only what is particular to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from gateway.catalog.model import Catalog
from gateway.config.settings import Settings
from gateway.core.clock import day_in
from gateway.core.model import ParsedMessage, Submission
from gateway.pipeline.loops import LoopVerdict
from gateway.pipeline.parse.headers import MAX_ADDRESS
from gateway.pipeline.parse.signatures import writer_names
from gateway.pipeline.thread import ThreadDecision
from gateway.runner.foresight import Foresight
from store.inbox import PendingRow


class StageOrderError(RuntimeError):
    """A stage asked for what an earlier stage sets (a bug in the chain table)."""


@dataclass(frozen=True, slots=True)
class Arrival:
    session: Session
    row: PendingRow
    settings: Settings
    now: datetime
    catalog: Catalog
    parsed: ParsedMessage | None = None  # set by "parse" (or parsed ahead in a worker)
    loop: LoopVerdict | None = None  # set by "loops"
    route: ThreadDecision | None = None  # set by "thread"
    submission: Submission | None = None  # set by "parse" for a form or chat submission
    foresight: Foresight | None = None  # the pure stages' answers, worked out ahead
    # set by "no words" for a member's mail with none: the text its ticket shows (their
    # parsed words stay empty, so nothing we wrote is read as their commands or forward)
    shown: str = ""

    @property
    def channel(self) -> str:
        """The door, as events name it: email, or the submission's (web, slack)."""
        return self.submission.source if self.submission is not None else "email"

    @property
    def today(self) -> date:
        """The day the message came (accepted into the inbox; else now) in the team's zone:
        what a sheet's date without its year (``4/1``) is the next such day from, so a
        message processed after midnight, or retried, reads it as its writer meant."""
        return day_in(self.row.received_at or self.now, self.settings.gateway.timezone)

    @property
    def msg(self) -> ParsedMessage:
        if self.parsed is None:
            raise StageOrderError("the message is read before the parse stage ran")
        return self.parsed

    @property
    def verdict(self) -> LoopVerdict:
        if self.loop is None:
            raise StageOrderError("the loop verdict is read before the loops stage ran")
        return self.loop

    @property
    def thread(self) -> ThreadDecision:
        if self.route is None:
            raise StageOrderError("the thread is read before the thread stage ran")
        return self.route

    @property
    def sender(self) -> str:
        """From, else the envelope sender: who the ticket and its answers are about."""
        if self.msg.from_ and self.msg.from_.email:
            return self.msg.from_.email
        envelope = (self.row.envelope_from or "").lower()
        return envelope if 0 < len(envelope) <= MAX_ADDRESS else "unknown@invalid"

    @property
    def writer_names(self) -> tuple[str, ...]:
        """The names the sender goes by (From's display name, the address's local part):
        a line under their commands that is only one of them is their signature."""
        return writer_names(self.msg.from_.name if self.msg.from_ else "", self.sender)

    @property
    def stored_sender(self) -> str:
        """The sender a stored message records: From, else the envelope sender, else ""
        (an envelope sender longer than an address may be is none)."""
        if self.msg.from_ is not None:
            return self.msg.from_.email
        envelope = self.row.envelope_from or ""
        return envelope if len(envelope) <= MAX_ADDRESS else ""

    @property
    def automated(self) -> bool:
        return self.verdict != LoopVerdict.HUMAN

    @property
    def recipients(self) -> list[str]:
        """Envelope recipients and To/Cc: where a reply-token address may be. Without an
        envelope (a mailbox the poller reads, ``ingest``), the addresses the delivering
        server noted in the header stand for it: a reply address in Bcc is only there."""
        envelope = self.row.envelope_to or self.msg.delivered_to
        return [str(r) for r in (*envelope, *(a.email for a in (*self.msg.to, *self.msg.cc)))]

    @property
    def answer_to(self) -> str:
        """The Message-ID an answer threads under ("" for a synthetic one)."""
        return "" if self.msg.message_id_synthetic else self.msg.message_id
