"""What one attempt of an action ended in, and what the worker does about it.

The runners (:mod:`~gateway.actions.webhook`, :mod:`~gateway.actions.command`)
say *what happened* as an :class:`Attempt`; :func:`next_step` is the policy,
one table: success ends the run, a temporary failure is tried again after a
backoff while tries are left, anything else fails the run at once. Pure: the
time comes in as ``now``.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from gateway.core.backoff import doubling, retry_after
from gateway.core.i18n import Msg
from gateway.core.text import lone_surrogates_replaced
from gateway.pipeline.parse.charsets.decode import decode_bytes, sniff_named

OUTPUT_LINES = 10  # lines of output an event keeps
OUTPUT_CHARS = 2000
NOT_READ = -1  # Attempt.cut of a webhook's answer left unread past the limit, size unknown
CHARACTER_PART = 3  # the most bytes of a character a cut can leave: UTF-8's four less one


class Verdict(enum.StrEnum):
    OK = "ok"  # exit 0, HTTP 2xx
    TEMPORARY = "temporary"  # HTTP 5xx, 408, 429, a timeout, a refused connection, exit 75
    PERMANENT = "permanent"  # another HTTP 4xx (never retried), any other exit code, bad TLS


@dataclass(frozen=True, slots=True)
class Attempt:
    verdict: Verdict
    status: int | None  # the exit code or HTTP status; None: none came (timeout, refused)
    error: Msg | str  # why it did not succeed (gateway.actions.failures; "" on success)
    output: str  # what it said: stdout (+ stderr) or the response body, cut at the limit
    seconds: float
    result: str = ""  # stdout or the response body alone: a JSON object becomes ``values``
    delivery_id: str = ""  # a webhook's X-Ticket-Gateway-Delivery
    retry_after: str = ""  # a webhook answer's Retry-After as it came (seconds or a date)
    # bytes of what it said not kept past ``[actions] output_limit`` (NOT_READ: a webhook's
    # answer without a length, not read on): a count beside ``output``, said in each
    # reader's language where it is shown, never an English sentence inside the text
    cut: int = 0
    # ended by us because the daemon is stopping, not by what it did: due again at once
    # (the next start), the try not counted
    stopped: bool = False
    # bytes of a command's document never written to its stdin: it ended without reading
    # them while a process it left running (in a session of its own) held stdin open, so
    # that process may have read a document cut short (said in the event and the log)
    unwritten: int = 0

    def first_lines(self) -> str:
        lines = self.output.splitlines()[:OUTPUT_LINES]
        return "\n".join(lines)[:OUTPUT_CHARS]

    def unshown(self) -> int:
        """Bytes of ``output`` that :meth:`first_lines` leaves out: the lines after its
        first, and what of those passes its characters. Not the line ends it joins anew
        (a last newline, which every ``print`` writes; a CRLF, one line end): counted,
        every failure mail said "[… and 1 more byte]" of an output it showed whole."""
        joined = "\n".join(self.output.splitlines()[:OUTPUT_LINES])
        rest = "".join(self.output.splitlines(keepends=True)[OUTPUT_LINES:])
        past = joined[OUTPUT_CHARS:] + rest
        return len(past.encode()) if past.strip() else 0

    def values(self) -> dict[str, str | bool]:
        """The top-level scalars of a JSON object the action answered with (for the
        ``on_success`` mail's template as ``result``); empty for anything else.

        Strings and numbers as text; ``true``/``false`` as booleans, so a template's
        ``{% if result.created %}`` reads them as the action meant (left out, the
        template failed on a value not there and the requester got no reply; as text,
        ``"false"`` would be true)."""
        try:
            data = json.loads(self.result)
        except (ValueError, RecursionError):  # nested past the parser's depth: no object
            return {}  # the worker can use (it raised out of the outcome's transaction)
        if not isinstance(data, dict):
            return {}
        return {
            lone_surrogates_replaced(str(k)): (
                v if isinstance(v, bool) else lone_surrogates_replaced(str(v))
            )
            for k, v in data.items()
            if isinstance(v, str | int | float)  # bool is an int: kept as it is
        }


class Step(enum.StrEnum):
    SUCCEEDED = "succeeded"
    RETRY = "pending"  # the row waits for its next try
    FAILED = "failed"


# the verdict → what becomes of the run (a temporary failure only while tries are left)
STEPS: dict[Verdict, Step] = {
    Verdict.OK: Step.SUCCEEDED,
    Verdict.TEMPORARY: Step.RETRY,
    Verdict.PERMANENT: Step.FAILED,
}


def next_step(
    attempt: Attempt,
    number: int,
    retries: int,
    now: datetime,
    initial: timedelta,
    maximum: timedelta,
) -> tuple[Step, datetime | None]:
    """The run's next state after try ``number`` (1 is the first), and when to try again:
    the backoff's step, or later when the target asked for it (Retry-After), never
    later than ``maximum`` (a target cannot park the run for a week)."""
    step = STEPS[attempt.verdict]
    if step == Step.RETRY and number > retries:
        return Step.FAILED, None
    if step == Step.RETRY:
        wait = doubling(number, initial, maximum)
        asked = retry_after(attempt.retry_after, now)
        if asked is not None:
            wait = min(max(wait, asked), maximum)
        return step, now + wait
    return step, None


def decode(data: bytes, charset: str | None = None) -> str:
    """What an action said, as text: in the ``charset`` its answer named, else sniffed
    as a mail's body is (UTF-8, else Shift_JIS or EUC-JP when it reads as Japanese),
    so an older system's Japanese reaches the ticket readable, not as U+FFFD."""
    return decode_bytes(data, charset)[0]


def whole_characters(data: bytes, charset: str | None = None) -> bytes:
    """``data`` cut at a byte limit, less the first bytes of a character the cut split.

    Those bytes are no character in any charset, so the sniffing that reads what an
    action said took the whole text for another one: a long English log ending in
    ``エラー`` read as windows-1252 (``ã‚¨ã``), and Shift_JIS or EUC-JP output from
    its first Japanese line on. The fewest bytes (up to :data:`CHARACTER_PART`) are left
    out after which the rest reads cleanly in ``charset``, else in the charset it is
    sniffed as (but see :data:`_READ_BETTER`); ``data`` as it is when none does (text
    in windows-1252, which reads any bytes, or broken before the cut). Linear: a few
    decodes of the text."""
    if data.isascii():
        return data
    clean: list[tuple[int, str]] = []  # (bytes left out, the charset it then reads in)
    for part in range(CHARACTER_PART + 1):
        used = _reads_cleanly(data[: len(data) - part], charset)
        if used is not None:
            clean.append((part, used))
    if not clean:
        return data
    part, used = clean[0]
    better = [p for p, u in clean if u in _READ_BETTER.get(used, ())]
    return data[: len(data) - (better[0] if better else part)]


# a sniffed reading → the readings of a shorter cut that say it misread the bytes. EUC-JP
# cut inside a character reads as CP932 (its byte pairs are kanji and half-width kana
# there), but CP932 with kana never reads as EUC-JP; UTF-8 with a character's part left
# reads as CP932 or GB2312 by chance, never the other way (their text is not UTF-8)
_READ_BETTER: dict[str, tuple[str, ...]] = {
    "cp932": ("utf-8", "euc_jp"),
    "gb2312": ("utf-8", "euc_jp"),
}


def _reads_cleanly(data: bytes, charset: str | None) -> str | None:
    """The charset ``data`` decodes in with no byte replaced or guessed at (``charset``
    itself, when named); None: it does not."""
    if charset:
        return None if decode_bytes(data, charset)[1] else charset
    _text, used, notes = sniff_named(data)
    return None if notes or used == "cp1252" else used


def cut_more(cut: int, more: int) -> int:
    """``cut`` and ``more`` bytes not kept besides; an unknown amount stays unknown."""
    return NOT_READ if cut == NOT_READ else cut + more
