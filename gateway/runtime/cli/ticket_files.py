"""``ticket-gateway tickets attachment ID N [-o FILE] [--force]``: save an attachment.

The bytes come from the stored raw mail (or a web/Slack submission's document),
decoded the way the web download decodes them
(:func:`gateway.pipeline.parse.attachment_data.stored_file`) and checked against
the SHA-256 recorded on arrival. ``N`` counts as ``tickets show`` numbers them.

Where it goes: the attachment's safe stored name (one path component, never
``..`` or a path of the sender's choosing) in the current folder, numbered when an
earlier attachment of the ticket has that name (``scan (2).pdf``); ``-o FILE``
names the file (``-o FOLDER`` puts the safe name in that folder); ``-o -`` writes
to standard output, a pipe or a file (a terminal only with ``--force``: the bytes
are the customer's, and a terminal obeys the escape sequences among them). An
existing file is never overwritten without ``--force`` (the check and the creation
are one ``O_EXCL`` open, and a symbolic link is never followed); with ``--force``
the file is replaced whole, through a temporary file in the same folder, so a link
there is replaced, not written through. The file is ``0600`` whatever the umask: a
customer's file is not for every local user to read or change.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from gateway.core.i18n import N_
from gateway.core.os_errors import os_error
from gateway.runtime.cli.common import (
    EX_DATAERR,
    EX_OK,
    EX_UNAVAILABLE,
    EX_USAGE,
    Speaker,
    opened,
)
from gateway.runtime.cli.help_language import h
from gateway.runtime.cli.numbers import whole
from gateway.runtime.cli.terminal import OutputFailed

if TYPE_CHECKING:
    from gateway.config.settings import Settings

EX_CANTCREAT = 73  # sysexits: cannot create the output file
STDOUT = "-"
PRIVATE = 0o600  # what the file gets, whatever the umask took away or left


def cmd_tickets_attachment(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.pipeline.parse.attachment_data import stored_file
    from store import ticket_query, tickets
    from store.db import transaction

    said = Speaker(settings)
    from gateway.pipeline.merging import merged_away

    with opened(settings) as app, transaction(app.sessions) as s:
        ticket = tickets.get(s, args.id)
        exists, into = ticket is not None, ticket.merged_into_id if ticket else None
        found = ticket_query.numbered_attachment(s, args.id, args.number) if exists else None
        earlier = ticket_query.earlier_attachments(s, args.id, args.number) if found else []
    if not exists:
        said.warn(N_("no ticket #{id}", id=args.id))
        return EX_UNAVAILABLE
    if found is None and into is not None:  # its mail, files and all, went to the target
        said.warn(merged_away(args.id, into))
        return EX_UNAVAILABLE
    if found is None:
        said.warn(N_("ticket #{id} has no attachment {number}", id=args.id, number=args.number))
        return EX_UNAVAILABLE
    data = stored_file(found.source, found.raw, found.sha256)
    if data is None:
        said.warn(
            N_(
                "ticket #{id}: attachment {number} cannot be decoded from the stored mail",
                id=args.id,
                number=args.number,
            )
        )
        return EX_DATAERR
    if args.output == STDOUT and sys.stdout.isatty() and not args.force:
        # a customer's bytes, escape sequences included, would be obeyed by the terminal
        said.warn(
            N_(
                "standard output is a terminal: an attachment's bytes could command it; "
                "pipe it (| less) or save it (-o FILE), or give --force"
            )
        )
        return EX_USAGE
    if args.output == STDOUT:
        sys.stdout.flush()
        try:
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        except BrokenPipeError:
            raise  # the reader went away (| head): quiet, as every command
        except OSError as exc:  # a full disk: said in one line by cli.main (74)
            raise OutputFailed(exc.errno, exc.strerror) from exc
        return EX_OK
    name = _own_name(found.filename, found.content_type, args.number, earlier)
    target = _target(args.output, name)
    try:
        _write(target, data, force=args.force)
    except FileExistsError:
        said.warn(N_("{path} exists; use --force to replace it", path=str(target)))
        return EX_CANTCREAT
    except OSError as exc:
        said.warn(N_("cannot write {path}: {error}", path=str(target), error=os_error(exc)))
        return EX_CANTCREAT
    said.say(
        N_(
            "ticket #{id}: attachment {number} ({size} bytes) written to {path}",
            id=args.id,
            number=args.number,
            size=len(data),
            path=str(target),
        )
    )
    return EX_OK


def _own_name(filename: str, ctype: str, number: int, earlier: list[tuple[str, str]]) -> str:
    """The stored name made safe once more (a row from before a rule), told apart by
    its number when an attachment the ticket lists before it has that name (a customer
    sent ``scan.pdf`` twice): saving each in turn gave "exists" for the second, whose
    only way out was to make up a name with ``-o``."""
    from gateway.pipeline.parse.filenames import numbered_filename, safe_filename

    name = safe_filename(filename, ctype, number)
    taken = {safe_filename(f, c, n).casefold() for n, (f, c) in enumerate(earlier, 1)}
    return numbered_filename(name, number) if name.casefold() in taken else name


def _target(output: str | None, name: str) -> Path:
    """The stored name in the current folder, the given file, or the name in the
    given folder."""
    if output is None:
        return Path(name)
    given = Path(output)
    return given / name if given.is_dir() else given


def _write(target: Path, data: bytes, *, force: bool) -> None:
    if not force:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
        fd = os.open(target, flags, PRIVATE)  # exists (even as a link): FileExistsError
        try:
            _write_all(fd, data)
        except BaseException:
            os.unlink(target)
            raise
        return
    temporary = target.with_name(f".{target.name}.{os.getpid()}.part")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, PRIVATE)
    try:
        _write_all(fd, data)
        os.replace(temporary, target)  # the name now means our file, whatever it was
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _write_all(fd: int, data: bytes) -> None:
    os.fchmod(fd, PRIVATE)  # a umask may have taken bits away (0277: not even ours to write)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def register_attachment(t: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ta = t.add_parser(
        "attachment", help=h(N_("save attachment N of a ticket (as `show` numbers them)"))
    )
    ta.add_argument("id", type=whole)
    ta.add_argument("number", type=whole, metavar="N")
    ta.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help=h(N_("where to write (a file, a folder, or - for stdout); default: its name, here")),
    )
    ta.add_argument(
        "--force",
        action="store_true",
        help=h(N_("replace an existing file; with -o -, write to a terminal too")),
    )
    ta.set_defaults(handler=cmd_tickets_attachment)
