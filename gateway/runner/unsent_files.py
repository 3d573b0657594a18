"""The files of a member's reply that has no words for the requester: not sent, and said.

A reply of commands only sends the requester nothing (README "Working a ticket by
reply"), and a file is no answer without words around it: the relay carries files
only with words. A member who attached a form under a bare ``/pending``, or shared a
file from their phone with no line of their own, believed it had gone; the transcript
now names each such file as not sent, in the member's language, so they can send it
again with a line. A file under ``/note`` stays with the note, as written there.
"""

from __future__ import annotations

from gateway.core.i18n import N_
from gateway.pipeline.commands import CommandOutcome, NotRead
from gateway.runner.arrival import Arrival
from gateway.runner.relay_files import member_files

NOT_SENT = N_(
    "not sent to the requester: a reply with no words of yours sends them nothing, its "
    "files neither; reply again with a line of words and the file"
)


def files_not_sent(a: Arrival, *, answering: bool, text: str) -> list[NotRead]:
    """One line per file of the mail the requester will not get: ``answering``, the
    reply's words are for the requester (no ``/note``, nothing kept back), and ``text``,
    what is relayed, is empty."""
    if not answering or text.strip():
        return []
    return [NotRead(f.filename or f.content_type, NOT_SENT) for f in member_files(a)]


def not_sent(outcome: CommandOutcome) -> bool:
    """A file left unsent: reported, but no mistake of the grammar's (no help after it)."""
    return isinstance(outcome, NotRead) and outcome.why == NOT_SENT
