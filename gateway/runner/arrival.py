"""The message being processed, and what every stage asks of it.

Threading, filing, the automatic answers and the ops commands all need the same
things: the runner's transaction, the stored row, the parsed message, the
settings, the time, the loop verdict and the catalog. One frozen value carries
them, so each stage's signature names only what is particular to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from gateway.catalog.model import Catalog
from gateway.config.settings import Settings
from gateway.core.model import ParsedMessage
from gateway.pipeline.loops import LoopVerdict
from store.inbox import PendingRow


@dataclass(frozen=True, slots=True)
class Arrival:
    session: Session
    row: PendingRow
    msg: ParsedMessage
    settings: Settings
    now: datetime
    verdict: LoopVerdict
    catalog: Catalog

    @property
    def sender(self) -> str:
        """From, else the envelope sender: who the ticket and its answers are about."""
        if self.msg.from_ and self.msg.from_.email:
            return self.msg.from_.email
        return (self.row.envelope_from or "").lower() or "unknown@invalid"

    @property
    def automated(self) -> bool:
        return self.verdict != LoopVerdict.HUMAN

    @property
    def recipients(self) -> list[str]:
        """Envelope recipients and To/Cc: where a reply-token address may be."""
        return [str(r) for r in (*self.row.envelope_to,
                                 *(a.email for a in (*self.msg.to, *self.msg.cc)))]

    @property
    def answer_to(self) -> str:
        """The Message-ID an answer threads under ("" for a synthetic one)."""
        return "" if self.msg.message_id_synthetic else self.msg.message_id
