"""What a reply's commands and words did, as data: counted once, told two ways.

The inbox row keeps an English record of it (``, commands: 1 applied, relayed to 2``),
which the log and ``inbox list --json`` show and scripts read; ``ingest`` says the same
facts in its reader's language (:func:`gateway.runner.reply_said.ran_clauses`). Both are
made from this value: the line a person reads never parses the record back, so a
change to the record's words cannot silently empty the sentence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gateway.pipeline.commands import Applied, CommandOutcome, NotRead, Refused


@dataclass(frozen=True, slots=True)
class Ran:
    """The commands of one mail counted by outcome, the people its words went to, the
    undelivered mails a bounce told the member of, and whether its commands were dropped
    unproven (a customer's: ignored; a member's over a new mail: refused, with why)."""

    applied: int = 0
    refused: int = 0
    ignored: int = 0  # not read: a line past the limit, a file not sent, a repeat
    relayed: int = 0  # people the member's words went to
    told: int = 0  # undelivered mails of ours the member was told of (a bounce)
    unverified: bool = False  # a customer's commands, the mail proving nobody: ignored
    refused_unproven: str = ""  # a member's commands over an unproven new mail: why

    @classmethod
    def of(cls, outcomes: Sequence[CommandOutcome], *, relayed: int = 0) -> Ran:
        """The outcomes of a mail's commands counted, and the people its words went to."""
        return cls(
            applied=sum(isinstance(o, Applied) for o in outcomes),
            refused=sum(isinstance(o, Refused) for o in outcomes),
            ignored=sum(isinstance(o, NotRead) for o in outcomes),
            relayed=relayed,
        )

    @property
    def counted(self) -> dict[str, int]:
        """Each kind of outcome that happened, by its word in the record, in order."""
        n = {"applied": self.applied, "refused": self.refused, "ignored": self.ignored}
        return {kind: count for kind, count in n.items() if count}

    def record(self) -> str:
        """The English record, appended to the row's reason as it always was ("" for
        nothing done): scripts and the log read these words, so they do not change."""
        parts = [f", undelivered mail told: {self.told}"] if self.told else []
        if self.unverified:
            parts.append(", commands not verified (ignored)")
        if self.refused_unproven:
            parts.append(f", commands refused: {self.refused_unproven}")
        if self.counted:
            parts.append(", commands: " + ", ".join(f"{v} {k}" for k, v in self.counted.items()))
        if self.relayed:
            parts.append(f", relayed to {self.relayed}")
        return "".join(parts)


NOTHING = Ran()  # a mail with no command, no relay, nothing told
