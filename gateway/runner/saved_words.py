"""A member's words that lead into a saved answer go with it, or not at all.

"Please follow the steps below" followed by nothing is worse than no mail: when
``/answer`` is refused (no such answer, a name that is no name), the README
promises that nothing is sent to the requester, the member's own words included,
and the transcript says so in the member's language.
"""

from __future__ import annotations

from collections.abc import Sequence

from gateway.core.i18n import N_, Msg
from gateway.pipeline import commands
from gateway.pipeline.commands import CommandOutcome, Refused


def words_kept(why: Msg | str) -> Msg:
    """A refused ``/answer``'s reason, and that the member's words were kept back too."""
    return N_("{why}; nothing was sent to the requester, not even your words", why=why)


def answer_or_nothing(
    cmds: Sequence[commands.Command], ran: list[CommandOutcome]
) -> list[CommandOutcome]:
    """The outcomes of ``cmds`` (one each, in order), a refused ``/answer`` saying that
    nothing was sent; :func:`kept_back` tells the caller not to relay."""
    return [
        Refused(o.line, words_kept(o.why)) if c.name == "answer" and isinstance(o, Refused) else o
        for c, o in zip(cmds, ran, strict=True)
    ]


def kept_back(outcomes: Sequence[CommandOutcome]) -> bool:
    """Whether a refused ``/answer`` keeps the member's words from the requester."""
    kept = words_kept("").msgid
    return any(isinstance(o, Refused) and o.why.msgid == kept for o in outcomes)
