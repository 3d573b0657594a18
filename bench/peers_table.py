"""The side-by-side table of ``bench/peers.py``: one row per system and mode, and its notes.

Every row says how many messages went in, how long and how much CPU they took,
and what came out (tickets, unfiled, errors), because a faster system that
files fewer messages has not won; the ratio column compares each peer only with
our figure in the same mode (in one process, or one process per message).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from bench.sandbox import rate

BATCH, EACH = "in one process", "1 process/message"


@dataclass(slots=True)
class Row:
    peer: str
    mode: str
    kind: str  # BATCH or EACH: which of our figures it is compared with
    messages: int
    seconds: float  # wall clock
    cpu: float  # user + system seconds of the processes that did the work
    tickets: int
    unfiled: int  # handled without an error, but in no ticket (bounced, ignored)
    errors: int  # the system raised, or its process failed, on these messages
    notes: list[str] = field(default_factory=list)
    settled: float = 0.0  # ours, one process per message: until every row was processed

    @property
    def rate(self) -> float:
        return rate(self.messages, self.seconds)


def top(counter: Counter[str] | dict[str, int], n: int = 3) -> str:
    items = Counter(counter).most_common(n)
    return "; ".join(f"{v} x {k}" for k, v in items) or "none"


def print_table(rows: list[Row], skipped: list[str], expected: int) -> None:
    ours = {r.kind: r.rate for r in rows if r.peer == "ticket-gateway"}
    head = (
        f"{'system':<22} {'entry point':<26} {'mode':<17} {'msgs':>5} {'wall s':>8} "
        f"{'cpu s':>7} {'msg/s':>8} {'tickets':>7} {'unfiled':>7} {'errors':>6} "
        f"{'ours/peer':>9}"
    )
    print()
    print(head)
    print("-" * len(head))
    for r in sorted(rows, key=lambda r: (r.kind != BATCH, r.peer != "ticket-gateway")):
        ratio = (
            "-"
            if r.peer == "ticket-gateway" or r.kind not in ours
            else f"{ours[r.kind] / r.rate:.2f}"
        )
        print(
            f"{r.peer:<22} {r.mode:<26} {r.kind:<17} {r.messages:>5} {r.seconds:>8.2f} "
            f"{r.cpu:>7.2f} {r.rate:>8.2f} {r.tickets:>7} {r.unfiled:>7} {r.errors:>6} "
            f"{ratio:>9}"
        )
    for ours_each in (r for r in rows if r.peer == "ticket-gateway" and r.settled):
        for r in (r for r in rows if r.kind == EACH and r.peer != "ticket-gateway"):
            ratio_done = rate(ours_each.messages, ours_each.settled) / r.rate
            print(
                f"{r.peer}, {r.mode}: ours counted until the drainer has processed every "
                f"row, not until the pipes exit: ours/peer {ratio_done:.2f}"
            )
    print(
        f"\nours/peer: our msg/s over theirs in the same mode (ours in one process is "
        f"`ingest <folder>`, start-up included). Tickets expected from the generator: "
        f"{expected} (new requests; replies by our [#N] tag count as threaded only for us)."
    )
    print(
        "cpu s: user + system time of the process(es) doing the work; the rest of the "
        "wall time is waiting, mostly for the disk (a commit per message)."
    )
    print(
        "unfiled: handled without an error but in no ticket (ours: ignored or rejected "
        "inbox rows; Roundup: ignored as automatic mail (Auto-Submitted, Precedence: "
        "bulk) or bounced; helpdesk: no ticket returned, or ignored)."
    )
    print(
        "errors: the system raised on the message (ours: shunted rows or a failed "
        "process; Roundup: trapped, logged and bounced, or escaped its handler; "
        "helpdesk: raised out of extract_email_metadata)."
    )
    print("\nnotes:")
    for r in rows:
        for note in r.notes:
            print(f"  {r.peer}, {r.mode}: {note}")
    for line in skipped:
        print(f"  SKIPPED {line}")
