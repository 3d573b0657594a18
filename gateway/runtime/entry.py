"""The ``ticket-gateway`` console script.

Postfix starts one process per message (``| ticket-gateway ingest -``). On
SQLite that process only has to store the bytes ("accept, then process"); so
before argparse, the settings module or SQLAlchemy are imported, the pipe's
fast path gets its chance (:func:`gateway.receive.pipe.pipe_target`): one
INSERT, then the row is left to the running daemon, or else to a background
drainer (:mod:`gateway.runtime.drain`) that this process makes sure of after
its commit. Every other invocation, and every doubt (not SQLite, the schema
behind, the database locked), goes to :func:`gateway.runtime.cli.main.main`.
"""

from __future__ import annotations

import os
import sys

from gateway.core.dumps import forbid_dumps

EX_OK, EX_DATAERR, EX_NOINPUT, EX_IOERR, EX_TEMPFAIL = 0, 65, 66, 74, 75


EX_SIGPIPE = 128 + 13  # what a shell reports for a command ended by SIGPIPE
EX_INTERRUPTED = 128 + 2  # … and by SIGINT, as the CLI returns for Ctrl-C


# set by main(): this process is the command itself (the console script or ``python -m
# gateway``), so ``run`` may replace it by a lean one (gateway.runtime.cli.run); a
# caller of the CLI's main() in a process of its own (a test) is never replaced
STARTED_AS_COMMAND = False


def main() -> None:
    global STARTED_AS_COMMAND
    forbid_dumps()  # before anything reads a secret: see gateway.core.dumps
    STARTED_AS_COMMAND = True
    argv = sys.argv[1:]
    mta = mta_pipe(argv)
    try:
        # a closed standard output (>&-): the full CLI says it (74); the pipe's own lines
        # would be lost in silence
        code = _pipe(argv) if sys.stdout is not None else None
        if code is None:
            from gateway.runtime.cli.main import main as cli_main

            code = cli_main(argv)
    except BrokenPipeError:
        code = _reader_gone()
    except KeyboardInterrupt:  # Ctrl-C on `ingest -` typed by hand: before the CLI's own
        code = EX_INTERRUPTED  # handler, with nothing read, so nothing stored
    except SystemExit as exc:  # argparse's usage error (2), --help (0)
        if isinstance(exc.code, str):  # said as the interpreter would have said it
            print(exc.code, file=sys.stderr)
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except Exception:  # an error of ours before the command's own net: said, then 75
        if not mta:
            raise
        import traceback

        traceback.print_exc()
        code = 1
    sys.exit(_for_the_mta(code) if mta else code)


# Policy: the exit statuses ``ingest -`` (an MTA's pipe) keeps; any other becomes 75.
# Postfix's pipe(8) and local(8) defer only on 75 and 71 and bounce on the rest, as
# Exim's pipe does on all but 73 and 75: only the message's own fault may bounce it.
KEPT_FOR_THE_MTA = frozenset(
    {
        EX_OK,  # stored (or stored before: a duplicate)
        EX_DATAERR,  # not mail at all: the message's fault, bounced with the line saying why
        EX_TEMPFAIL,  # already "try again later"
        EX_INTERRUPTED,  # Ctrl-C, typed by hand (an MTA never sends it): nothing read
    }
)
# … and those of the others after which nothing was stored, so the line says so (after a
# failed write of the output the message may be stored: the retry finds a duplicate)
_MAYBE_STORED = frozenset({EX_IOERR, EX_SIGPIPE})


def _for_the_mta(code: int) -> int:
    """``code`` as the MTA's pipe answers it (:data:`KEPT_FOR_THE_MTA`), said on stderr
    when it changes: a usage error in master.cf's argv (2), a closed standard input (66),
    a traceback (1) or unwritable output (74) bounced the mail, none its fault."""
    if code in KEPT_FOR_THE_MTA:
        return code
    if code not in _MAYBE_STORED:
        from gateway.config.locate import DEFAULT_LOCALE
        from gateway.core.i18n import N_, translate
        from gateway.runtime.cli.language import cli_locale

        line = N_("not stored: the message stays with the sender, who tries again later")
        print(f"ticket-gateway: {translate(line, cli_locale(DEFAULT_LOCALE))}", file=sys.stderr)
    return EX_TEMPFAIL


def mta_pipe(argv: list[str]) -> bool:
    """Whether ``argv`` is ``ingest`` reading standard input (``-`` among its paths, or
    none named), told without argparse: it must be known when argparse refuses it.
    Options are skipped (``--config`` with its value)."""
    rest = iter(argv)
    for word in rest:
        if word == "--config":
            next(rest, None)
        elif not word.startswith("-") or word == "-":
            if word != "ingest":
                return False
            paths = [w for w in rest if w == "-" or not w.startswith("-")]
            return not paths or "-" in paths
    return False


def _reader_gone() -> int:
    """Whoever read our output stopped (``ticket-gateway tickets list | head``): end
    quietly, as a command killed by SIGPIPE would, not with a traceback. Standard
    output goes to /dev/null first, so the interpreter's last flush cannot fail too."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return EX_SIGPIPE


def _pipe(argv: list[str]) -> int | None:
    from gateway.receive import pipe

    target = pipe.pipe_target(argv, os.environ)
    if target is None:
        return None
    import sqlite3

    from gateway.core.clock import SystemClock
    from gateway.core.errors import TransientError
    from gateway.core.i18n import N_, translate
    from gateway.core.sniff import not_mail_reason
    from gateway.receive.mbox import envelope_sender, piped_message, writer_escaped
    from gateway.receive.stdin import NO_STDIN, standard_input
    from gateway.runtime.cli.language import cli_locale

    locale = cli_locale(target.locale)
    given = standard_input()
    if given is None:
        line = N_("{ref}: cannot read: {problem}", ref="-", problem=NO_STDIN)
        return _told(translate(line, locale), locale, EX_NOINPUT)
    # Postfix's pipe(8) with flag F: the envelope line goes (local(8)'s too, no escapes)
    raw = piped_message(given, escaped=writer_escaped(os.environ))
    if (why := not_mail_reason(raw)) is not None:
        line = N_("{ref}: not an e-mail message ({why}), not stored", ref="-", why=why)
        return _told(translate(line, locale), locale, EX_DATAERR)
    try:
        stored = pipe.quick_accept(
            target.db_path,
            raw,
            source_ref="-",
            now=SystemClock().now(),
            envelope_from=envelope_sender(given),  # the requester of a mail with no From
        )
    # e.g. a file that is not a database, or one in a folder this user may not write (its
    # lock files): the full path retries the same write and answers 75 or 78 if it must
    except (TransientError, sqlite3.Error, OSError):
        stored = None
    if stored is None:  # e.g. the schema is behind: the full path migrates and processes
        sys.stdin = _replay(given)  # as it came: the full path reads it the same way
        return None
    inbox_id, duplicate = stored
    if pipe.daemon_running(target.data_dir):  # asked after the commit: the daemon's runner
        line = (  # looks for due rows every few seconds, whenever it started
            N_(
                "{ref}: already stored as inbox #{id}, queued for the running daemon",
                ref="-",
                id=inbox_id,
            )
            if duplicate
            else N_(
                "{ref}: stored as inbox #{id}, queued for the running daemon", ref="-", id=inbox_id
            )
        )
        return _told(translate(line, locale), locale, EX_OK)
    from gateway.runtime.drain_lock import ensure_drainer

    problem = ensure_drainer(target.data_dir, target.config)
    line = (
        N_("{ref}: already stored as inbox #{id}, nothing new", ref="-", id=inbox_id)
        if duplicate  # (a drainer all the same, in case that row is still waiting for one)
        else N_("{ref}: stored as inbox #{id}, processed in the background", ref="-", id=inbox_id)
    )
    code = _told(translate(line, locale), locale, EX_OK)
    if problem is not None:  # stored all the same: exit 0, the row waits (see the README)
        warning = N_(
            "cannot start the background runner ({error}); inbox #{id} waits for the "
            "next piped message or ticket-gateway run",
            error=problem,
            id=inbox_id,
        )
        print(f"ticket-gateway: {translate(warning, locale)}", file=sys.stderr)
    return code


def _told(line: str, locale: str, code: int) -> int:
    """``line`` on standard output, then ``code``. Output that cannot be written (a full
    disk under ``> log``) is said on stderr in one line and is 74, as the full CLI says
    it (:mod:`gateway.runtime.cli.main`), not a traceback and 1; what was stored stays
    stored (the same message again is a duplicate)."""
    try:
        print(line, flush=True)
    except BrokenPipeError:
        raise  # the reader went away: main's quiet 141
    except OSError as exc:
        from gateway.core.i18n import N_, translate
        from gateway.core.os_errors import os_error

        said = translate(N_("cannot write the output: {error}", error=os_error(exc)), locale)
        print(f"ticket-gateway: {said}", file=sys.stderr)
        _reader_gone()  # /dev/null on it: the interpreter's last flush cannot fail again
        return EX_IOERR
    return code


def _replay(raw: bytes) -> object:
    import io

    return io.TextIOWrapper(io.BytesIO(raw))
