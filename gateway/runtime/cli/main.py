"""The ``ticket-gateway`` command: parse, set up logging, run one command, exit.

Only the CLI chooses exit codes (see :mod:`~gateway.runtime.cli.common`); this
module maps the gateway's errors to them in one place: a bad configuration or
catalog is 78, a temporary failure 75, output that cannot be written 74, no
gateway's database where a command that needs one looked 66, an interrupt 130. Heavy
imports (SQLAlchemy, the parser) are deferred into the subcommands so ``--help`` and
a bad config answer at once.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from gateway.core.i18n import N_
from gateway.core.os_errors import os_error
from gateway.runtime.cli import (
    actions,
    answers,
    catalog,
    db,
    help_language,
    inbox,
    requesters,
    run,
    schedule,
    tickets,
)
from gateway.runtime.cli.common import (
    EX_CANTCREAT,
    EX_CONFIG,
    EX_DATAERR,
    EX_IOERR,
    EX_NOINPUT,
    EX_OK,
    EX_SOFTWARE,
    EX_TEMPFAIL,
    EX_UNAVAILABLE,
    EX_UNHEALTHY,
    EX_USAGE,
    Handler,
    Speaker,
    escape_what_cannot_be_shown,
)
from gateway.runtime.cli.failed_json import CONFIG, DATABASE, said_in_json
from gateway.runtime.cli.help_language import h, text
from gateway.runtime.cli.terminal import OutputFailed, silence_stdout

if TYPE_CHECKING:
    from gateway.config.settings import Settings
    from gateway.core.errors import DatabaseNotCreated, TransientError

__all__ = [
    "EX_CANTCREAT",
    "EX_CONFIG",
    "EX_DATAERR",
    "EX_IOERR",
    "EX_NOINPUT",
    "EX_OK",
    "EX_SOFTWARE",
    "EX_TEMPFAIL",
    "EX_UNAVAILABLE",
    "EX_UNHEALTHY",
    "EX_USAGE",
    "main",
]


def main(argv: Sequence[str] | None = None) -> int:
    escape_what_cannot_be_shown()  # before --help: a narrow terminal gets no traceback
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except OutputFailed as exc:  # --version onto a full disk
        return _output_failed(None, exc)
    _refuse_undecodable(parser, args)
    _configure_logging(args)
    from gateway.core.errors import (
        CatalogError,
        ConfigError,
        DatabaseNotCreated,
        NoDatabase,
        TransientError,
    )

    settings: Settings | None = None
    try:
        creates = getattr(args, "creates_database", False)
        # refused first, then made: a refusal leaves nothing behind
        settings = _settings(args.config, creates, whole=args.handler is not db.cmd_db_upgrade)
        handler: Handler = args.handler
        code = handler(args, settings)
        sys.stdout.flush()  # what is still buffered fails here, said (74), not at exit
        if code == EX_TEMPFAIL:  # "not stored, database unavailable": maybe the disk
            _said_full_disks(settings)
        return code
    except DatabaseNotCreated as exc:
        return _not_created(settings, args, exc)
    except NoDatabase as exc:  # the wrong folder, or the wrong config: nothing was made
        said = Speaker(settings)
        from gateway.runtime.no_database import being_made

        if settings is not None and (making := being_made(settings, exc)) is not None:
            said_in_json(args, DATABASE, making)
            said.warn(N_("temporary failure, try again later: {error}", error=making))
            return EX_TEMPFAIL  # a daemon's first start: its database is on its way
        said_in_json(args, DATABASE, *exc.lines)
        for message in exc.lines:  # one line each, as a configuration error is
            said.warn(said(message).replace("\n", "\\u000a"))
        return EX_NOINPUT
    except ConfigError as exc:
        said = Speaker(settings)
        line_msg = N_(
            "configuration error: {path}: [{key}] {problem}",
            path=exc.path,
            key=exc.key,
            problem=exc.message,
        )
        line = said(line_msg)
        said_in_json(args, CONFIG, line_msg)
        # one line, as the terminal shows other controls: a key or a path may hold a break
        said.warn(line.replace("\n", "\\u000a"))
        return _config_code(settings, args)
    except CatalogError as exc:
        said = Speaker(settings)
        said.warn(N_("the catalog {path} has problems:", path=exc.path))
        for problem in exc.problems:
            print(f"{exc.path}:{problem.line}: {said(problem.message)}", file=sys.stderr)
        from gateway.catalog.load import members_hint  # deferred, as every subcommand's

        config = settings.source if settings is not None else ""
        hint = exc.hint or (members_hint(exc.problems, config) if config else None)
        if hint is not None:  # what to do about all of them
            said.warn(hint)
        return _config_code(settings, args)
    except TransientError as exc:
        # why, in the reader's words (gateway.core.db_errors); the driver's own text
        # is logged, seen with --verbose (a warning would put English on stderr)
        _logged(exc)
        failure = N_("temporary failure, try again later: {error}", error=exc.said)
        said_in_json(args, DATABASE, failure)
        Speaker(settings).warn(failure)
        _said_full_disks(settings)
        return EX_TEMPFAIL
    except OutputFailed as exc:  # "> out.json" on a full disk: said, not a traceback
        return _output_failed(settings, exc)
    except KeyboardInterrupt:
        return 130


def _not_created(
    settings: Settings | None, args: argparse.Namespace, exc: DatabaseNotCreated
) -> int:
    """The database file cannot be made: said in one line, exit 73 (EX_CANTCREAT); for
    an MTA's pipe (``ingest -``, or ``ingest`` with no path) 75, so it keeps the message."""
    error = os_error(exc.cause)
    Speaker(settings).warn(
        N_("cannot create the database {path}: {error}", path=exc.path, error=error)
    )
    return EX_TEMPFAIL if _mta_pipe(args) else EX_CANTCREAT


def _config_code(settings: Settings | None, args: argparse.Namespace) -> int:
    """A configuration or catalog to fix: 78 (EX_CONFIG), which systemd does not restart
    on; but for an MTA's pipe 75, said so. Postfix's pipe(8) and local(8) defer only on
    75 and 71 and bounce on 78 (5.3.5), as Exim's pipe does on all but 73 and 75: a
    manager's slip in the catalog bounced every piped mail until it was fixed."""
    if not _mta_pipe(args):
        return EX_CONFIG
    Speaker(settings).warn(
        N_("not stored: the message stays with the sender, who tries again later")
    )
    return EX_TEMPFAIL


def _mta_pipe(args: argparse.Namespace) -> bool:
    """``ingest -``, or ``ingest`` with no path: what an MTA runs."""
    inputs: list[str] | None = getattr(args, "inputs", None)  # ingest's alone
    return inputs is not None and (not inputs or "-" in inputs)


def _output_failed(settings: Settings | None, exc: OutputFailed) -> int:
    """Standard output could not be written: said in one line, exit 74 (EX_IOERR)."""
    silence_stdout()
    Speaker(settings).warn(N_("cannot write the output: {error}", error=os_error(exc)))
    return EX_IOERR


def _logged(exc: TransientError) -> None:
    """The driver's own text of a temporary failure, for whoever runs with --verbose."""
    import logging  # not at the top: the MTA pipe path never needs it

    logging.getLogger(__name__).info("temporary failure: %s", exc)


def _said_full_disks(settings: Settings | None) -> None:
    """After a temporary failure, the disk that may be its cause: SQLite says only
    "disk I/O error" when it cannot make its -shm file, "database or disk is full" at
    best, and never which disk (``gateway.runtime.disk_space``)."""
    if settings is None:
        return
    from gateway.runtime.disk_space import disk_problems

    for problem in disk_problems(settings):
        Speaker(settings).warn(problem.message)


def _configure_logging(args: argparse.Namespace) -> None:
    import logging  # not at the top: the MTA pipe path never needs it

    quiet = logging.INFO if args.handler is run.cmd_run else logging.WARNING  # a daemon says hello
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else quiet,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",  # gateway.logs.TEXT_FORMAT
    )
    from gateway.runtime.logs import use_format

    use_format("text")  # the same lines, with reply tokens masked (issue #14)
    if not args.verbose:  # libraries' per-connection and per-plugin chatter
        for noisy in ("alembic.runtime.plugins", "alembic.runtime.migration"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
        # aiosmtpd's warnings are a peer's noise (an unknown command, too many of them,
        # an AUTH given up): a scan would fill the journal. Its errors are a session's
        # exception, ours to fix; a refusal of someone's mail is our own line (.refusals)
        logging.getLogger("mail.log").setLevel(logging.ERROR)


def _settings(path: str | None, creates_database: bool, *, whole: bool) -> Settings:
    """The settings, read first without making the data folder, the database's folder
    or the generated secret: a command that makes a database (``run``, ``ingest``,
    ``db upgrade``) makes them once nothing refuses it (:func:`_refuse`); any other, run
    in the wrong folder, leaves nothing there (it stops at NoDatabase). Where the
    database is there (the SQLite file, or a PostgreSQL schema with tables:
    :func:`~gateway.runtime.no_database.found_database`), whatever was left unmade is
    made, as before, by reading them again."""
    from gateway.config.load import load_made, load_settings
    from gateway.config.locate import ENV_CONFIG, empty_config_variable, locate_config

    if not path and empty_config_variable():
        from gateway.config.sections import EMPTY_VARIABLE
        from gateway.core.errors import ConfigError

        raise ConfigError("environment", ENV_CONFIG, EMPTY_VARIABLE)
    from gateway.runtime.refusals import tickets_held  # a server's: no key for its tickets

    found = locate_config(path)
    if creates_database:  # the file read once: refused, then made from the same text
        return load_made(found, lambda settings: _refuse(settings, whole=whole), tickets_held)
    settings = load_settings(found, make=False)  # every key read, nothing made yet
    from gateway.runtime.no_database import found_database

    unmade = not settings.gateway.data_dir.is_dir() or settings.gateway.secret_problem
    if unmade and found_database(settings):
        return load_settings(found, held=tickets_held)
    return settings


def _refuse(settings: Settings, *, whole: bool) -> None:
    """For ``run``, ``ingest`` and ``db upgrade`` with something to make: what refuses
    the command is raised before anything is made (:mod:`gateway.runtime.refusals`;
    ``whole``: the command needs the catalog and the key too)."""
    from gateway.runtime.refusals import refuse_before_making

    refuse_before_making(settings, whole=whole)


def _parser() -> argparse.ArgumentParser:
    help_language.install()  # argparse's own lines ("usage:" …) in the CLI's language too
    p = _Parser(
        prog="ticket-gateway", description=text(N_("E-mail to ticket gateway for ops teams."))
    )
    p.add_argument(
        "--config",
        metavar="PATH",
        type=_config_path,
        help=h(N_("config file (default: $TICKET_GATEWAY_CONFIG, else ./gateway.toml)")),
    )
    p.add_argument("-v", "--verbose", action="store_true", help=h(N_("log debug output")))
    p.add_argument("--version", action=_Version, help=h(N_("print the version and exit")))
    # of _Parser, as argparse makes them; the modules register on a plain parser's
    sub = cast(
        "argparse._SubParsersAction[argparse.ArgumentParser]",
        p.add_subparsers(required=True, metavar="COMMAND"),
    )
    # in the order --help lists them
    run.register(sub)
    inbox.register_ingest(sub)
    tickets.register(sub)
    requesters.register(sub)  # requesters forget (APPI / GDPR erasure)
    inbox.register_inbox(sub)
    catalog.register(sub)  # catalog check|match, stats
    actions.register(sub)  # actions list|retry|run
    answers.register(sub)  # answers list (issue #19)
    schedule.register(sub)  # status, digest, sweep
    db.register(sub)
    return p


# The arguments that name files: their bytes may be whatever the file system holds (a
# name that is not UTF-8 reaches Python as lone surrogates, and opens all the same)
PATH_ARGUMENTS = frozenset({"config", "inputs", "file", "path", "output"})


def _refuse_undecodable(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """A text argument whose bytes are not text in the locale's encoding (a note typed
    in Shift_JIS on a UTF-8 terminal) is a usage error: the database driver could not
    encode it (a traceback), or a note kept it and every later ``tickets show`` of the
    ticket failed to print it."""
    import re

    encoding = sys.getfilesystemencoding()
    for name, value in vars(args).items():
        values = value if isinstance(value, list) else [value]
        for one in values:
            if name in PATH_ARGUMENTS or not isinstance(one, str):
                continue
            if re.search("[\ud800-\udfff]", one):
                problem = N_(
                    "argument {name}: {value!r} is not text in {encoding}",
                    name=name,
                    value=one,
                    encoding=encoding,
                )
                parser.error(text(problem))


def _config_path(value: str) -> str:
    """``--config``'s file. An empty one (``--config "$CONF"`` with ``$CONF`` unset) was
    taken for none given, and the command went on with whatever the working folder held
    (``ingest`` stored the mail in a database of its own under ``./var``)."""
    if not value:
        raise argparse.ArgumentTypeError(text(N_("must name a file, not an empty path")))
    return value


class _Parser(argparse.ArgumentParser):
    """argparse's parser, whose help (``--help``, on standard output) is written as
    every command's output is: argparse swallows a failed write, so ``--help`` onto a
    full disk exited 0 having written nothing; now it is :class:`OutputFailed` (74).
    Its subcommands' parsers are of this class too (``add_subparsers`` makes them so)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # help wrapped by terminal columns, a kanji two (the subcommands' parsers too)
        kwargs.setdefault("formatter_class", help_language.WideHelpFormatter)
        super().__init__(*args, **kwargs)

    def _print_message(self, message: str, file: Any = None) -> None:
        if file is not None and file is not sys.stdout:  # a usage error, on stderr
            super()._print_message(message, file)
            return
        if message:
            sys.stdout.write(message)
            sys.stdout.flush()  # a full disk fails now, not in the interpreter's last flush


class _Version(argparse.Action):
    """``--version``: the installed package's version, looked up only when asked."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("ticket-gateway")
        except PackageNotFoundError:  # run from a source tree that was never installed
            found = "unknown"
        print(f"{parser.prog} {found}")
        parser.exit()
