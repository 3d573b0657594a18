"""The error taxonomy: every failure the gateway raises on purpose.

How processing a message ends is a verdict (``gateway.runner.verdicts``), not an
exception; of these, only :class:`TransientError` reaches that table (the row
is retried), and only the CLI maps errors to exit codes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, time

from gateway.core.counted import counted
from gateway.core.i18n import Msg


class GatewayError(Exception):
    """Base of every error the gateway raises on purpose."""


class ConfigError(GatewayError):
    """A bad configuration value; the message names the key and the file.

    ``message`` is what is wrong, said in the reader's language when it is a
    :class:`Msg` (the CLI prints it so); ``problem`` and ``str()`` are English,
    for logs."""

    def __init__(self, path: str, key: str, problem: str | Msg) -> None:
        problem = _as_written(problem)
        super().__init__(f"{path}: [{key}] {problem}")
        self.path = path
        self.key = key
        self.message = problem
        self.problem = str(problem)


def _as_written(problem: str | Msg) -> str | Msg:
    """The values a problem quotes as the file writes them: TOML's own date, time and
    date-time literals (``pending_close_after = 2026-01-01``, ``digest = 09:00:00``)
    in their ISO form, not as Python spells the object (``datetime.date(2026, 1, 1)``)."""
    if not isinstance(problem, Msg):
        return problem
    params = {
        k: v.isoformat() if isinstance(v, date | time) else v for k, v in problem.params.items()
    }
    return replace(problem, params=params)


class TransientError(GatewayError):
    """Try again later: database locked or unreachable, relay down.

    Sources answer 451 / leave the IMAP message / exit 75. ``reason``: why, in the
    reader's language (``gateway.core.db_errors``) when the cause is known; ``str()``
    keeps the driver's own text, for logs.
    """

    def __init__(self, problem: str, *, reason: Msg | None = None) -> None:
        super().__init__(problem)
        self.reason = reason

    @property
    def said(self) -> Msg:
        """What a person reads: ``reason``, else ``str()`` (our own English words,
        such as "shutting down", which a caller chose)."""
        return self.reason if self.reason is not None else Msg("{error}", {"error": str(self)})


class DatabaseNotCreated(GatewayError):
    """The SQLite database file cannot be made (its folder not writable for this user,
    read-only storage): a human must fix the folder, so it is neither "try again later"
    for ever nor a traceback. ``path`` is the file, ``cause`` the ``OSError`` that said
    why; the CLI exits 73 (``EX_CANTCREAT``), and 75 for an MTA's pipe."""

    def __init__(self, path: str, cause: OSError) -> None:
        super().__init__(f"cannot create the database {path}: {cause.strerror or cause}")
        self.path = path
        self.cause = cause


class NoDatabase(GatewayError):
    """No gateway's database where the settings say (no SQLite file, or a database with
    no tables): a command that reads, or changes what must be there, was run from the
    wrong folder or with the wrong config. A new, empty database would answer "no
    ticket #3" (the admin believes the ticket gone), so nothing is made; ``lines`` say
    which database was looked for, from which config, and what to do. The CLI exits 66
    (``EX_NOINPUT``: the command's input is not there), as ``db backup`` does."""

    def __init__(self, where: str, lines: Sequence[Msg]) -> None:
        super().__init__(f"no gateway database at {where}")
        self.where = where
        self.lines = tuple(lines)


class InvalidTransition(GatewayError):
    """The state machine does not allow this change; ``message`` says why to a person
    (in their language, e.g. in a command transcript); ``str()`` is its English text."""

    def __init__(self, current: str, target: str, message: Msg) -> None:
        super().__init__(str(message))
        self.current = current
        self.target = target
        self.message = message


class BudgetExceeded(GatewayError):
    """Processing one inbox row took longer than its budget (``[limits]
    processing_budget``); the row is shunted with this as its reason."""


class WorkerDied(RuntimeError):
    """A parse process ended without an answer (killed by the kernel, a crash in C).
    A RuntimeError, not a GatewayError: a row whose own parse it was is shunted."""


class NotMail(GatewayError):
    """The input is not an e-mail message at all (exit 65)."""


class NotFound(GatewayError):
    """A ticket, inbox row or other record that does not exist."""


class TicketVanished(LookupError):
    """The ticket a mail was threaded to was deleted (an erasure, ``requesters forget``
    or ``[retention]``, on another instance) while the runner waited for its lock: the
    row is processed once more, and the second look finds no such ticket."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in a file an operator edits, with its line (0: the whole file)."""

    line: int
    message: str | Msg  # a Msg is said in the reader's language; str() is English


class CatalogError(GatewayError):
    """The catalog is unusable; ``problems`` lists every reason with its line.
    ``unreadable``: why the file itself could not be read (no such file, a folder, a
    named pipe), which ``catalog check FILE`` answers as a missing input (66), not as
    data with problems, and the configured one as ``[catalog] path``'s mistake
    (:func:`gateway.catalog.load.configured_unreadable`); None when it was read.
    ``hint``: what to do, said once after the problems (the packaged example refused for
    a team: :func:`gateway.catalog.load.example_hint`)."""

    def __init__(
        self,
        path: str,
        problems: Sequence[Problem],
        *,
        unreadable: Msg | str | None = None,
        hint: Msg | None = None,
    ) -> None:
        self.path = path
        self.problems = tuple(problems)
        self.unreadable = unreadable
        self.hint = hint
        first = "; ".join(f"line {p.line}: {p.message}" for p in self.problems[:3])
        more = f" (and {len(self.problems) - 3} more)" if len(self.problems) > 3 else ""
        super().__init__(f"{path}: {counted(len(self.problems), 'problem')}: {first}{more}")


class Refusal(GatewayError):
    """A change a rule refuses (merge into a closed ticket, a watcher too many):
    ``why`` says it to a person in their language; ``str()`` is its English text."""

    def __init__(self, why: Msg) -> None:
        super().__init__(str(why))
        self.why = why


class AlreadyDone(Refusal):
    """A change asked again that an earlier ask already made (a button pressed twice,
    two members at once, a script run again): nothing is done a second time, and
    ``why`` says it is done. A :class:`Refusal`, so a door that does not tell the two
    apart still changes nothing and says why; the pages and the CLI answer it as done."""
