"""What every command shares: exit codes, the opened application, JSON output, and
the language of the lines people read.

Only the CLI chooses exit codes (sysexits): 0 ok, 64 usage, 65 data given on the
command line is wrong (not mail, a catalog named for checking with problems), 66 an
input file could not be read, 69 not found, 73 an output (the database) cannot be
made, 74 the output could not be written, 75 try again later, 78 bad configuration
(the config file, the configured catalog); and ``status`` exits 1 when the gateway is
unhealthy, as monitoring plugins expect. One situation gets one status whichever
command meets it.

Lines for people come from the gettext catalogs in the CLI's language
(:func:`cli_locale`); ``--json`` output is data and stays English.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from gateway.core.i18n import Msg, translate
from gateway.core.zone import local_time  # the one way a time is said (re-exported)
from gateway.runtime.cli.language import cli_locale

__all__ = [
    "Speaker",
    "cli_locale",
    "columns",
    "local_time",
    "opened",
    "pad",
    "print_json",
    "reading",
]

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from gateway.config.settings import Settings
    from gateway.core.i18n import Msg
    from gateway.runtime.app import App
    from gateway.runtime.reader import Reader
    from store.models import Ticket

EX_OK, EX_USAGE, EX_DATAERR, EX_NOINPUT, EX_UNAVAILABLE = 0, 64, 65, 66, 69
EX_SOFTWARE, EX_CANTCREAT, EX_IOERR, EX_TEMPFAIL, EX_CONFIG = 70, 73, 74, 75, 78
EX_UNHEALTHY = 1  # status: something needs a human (not a sysexits code)

# A command: the parsed arguments and the loaded settings in, an exit code out.
Handler = Callable[[argparse.Namespace, "Settings"], int]


@contextmanager
def opened(
    settings: Settings, *, checkpoint_apart: bool = False, create: bool = False
) -> Iterator[App]:
    """The wired application for one command, closed however the command ends
    (``checkpoint_apart``: see :func:`gateway.runtime.app.build`). ``create``: only
    ``ingest`` makes a database where there is none; every other command that opens
    the application changes what must be there already (NoDatabase, exit 66)."""
    from gateway.runtime.app import build

    app = build(settings, checkpoint_apart=checkpoint_apart, create=create)
    try:
        yield app
    finally:
        app.close()


@contextmanager
def reading(settings: Settings) -> Iterator[Reader]:
    """What a command that changes nothing reads with (:mod:`gateway.runtime.reader`):
    it imports none of the runner, the tickets service or the doors, which ``opened``
    wires; closed however the command ends."""
    from gateway.runtime.reader import open_reader

    reader = open_reader(settings)
    try:
        yield reader
    finally:
        reader.close()


def actor() -> str:
    """Who did it, for the events a command writes: ``cli:<login>``."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


# The encodings that can write every character: on these, JSON keeps its text as it is.
WHOLE_ENCODINGS = frozenset({"utf-8", "utf-16", "utf-32", "gb18030"})


def _whole(stream: Any) -> bool:
    """Whether ``stream`` can write any character (a UTF-8 terminal, a pipe in UTF-8)."""
    import codecs

    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        return codecs.lookup(encoding).name in WHOLE_ENCODINGS
    except LookupError:
        return False


def escape_what_cannot_be_shown() -> None:
    """On a terminal that cannot show every character (ASCII, EUC-JP, Latin-1, or
    ``PYTHONIOENCODING`` set so), a subject's kanji or an emoji is written as its
    ``\\u`` escape instead of ending the command with a UnicodeEncodeError traceback:
    the line is still said, and nothing is lost. A control character of a customer's
    text (CSI, OSC, an ESC, a bidi override) is written as its escape too, never obeyed
    (:mod:`gateway.runtime.cli.terminal`). A stream that is not a real text file (a
    test's capture) is left as it is."""
    import io

    from gateway.runtime.cli import terminal

    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and not _whole(stream):
            stream.reconfigure(errors="backslashreplace")
    terminal.install()  # and a customer's control characters as escapes, never obeyed


def ticket_to_change(
    s: Session, ticket_id: int, said: Speaker, *, merged: bool = False
) -> Ticket | int:
    """The ticket a change command works on, row-locked (``tickets.get_to_change``), or
    the exit status it was refused with, said: no such ticket (69), or one merged into
    another (65: its assignee, priority and participants are the target's), unless
    ``merged`` allows it (a note is the merged ticket's own history)."""
    from gateway.core.i18n import N_
    from gateway.pipeline.merging import merged_away
    from store import tickets

    ticket = tickets.get_to_change(s, ticket_id)
    if ticket is None:
        said.warn(N_("no ticket #{id}", id=ticket_id))
        return EX_UNAVAILABLE
    if not merged and ticket.merged_into_id is not None:
        said.warn(merged_away(ticket.id, ticket.merged_into_id))
        return EX_DATAERR
    return ticket


def print_json(data: Any) -> None:
    """``data`` as JSON on stdout: its text as it is where stdout can write every
    character, else as JSON's own ``\\u`` escapes, so a script on any terminal reads
    valid JSON with the same strings (a backslash escape of a character beyond the BMP
    would not be JSON)."""
    import json

    json.dump(data, sys.stdout, ensure_ascii=not _whole(sys.stdout), indent=2)
    sys.stdout.write("\n")


LINE = 78  # the columns a line for people keeps to (RFC 5322's line; an 80-column terminal)


class Speaker:
    """Says lines to people in the CLI's language: a Msg is translated, a str is data."""

    def __init__(self, settings: Settings | None) -> None:
        """``settings`` None: they could not be read, so the built-in default locale
        stands in for ``[gateway] locale``."""
        if settings is None:
            from gateway.config.settings import GatewaySettings

            configured = GatewaySettings().locale
        else:
            configured = settings.gateway.locale
        self.locale = cli_locale(configured)

    def __call__(self, message: Msg | str) -> str:
        """``message`` in the CLI's language (for a line built of several pieces)."""
        return translate(message, self.locale)

    def say(self, message: Msg | str) -> None:
        print(self(message))

    def note(self, message: Msg | str, *, hang: int = 2) -> None:
        """A sentence for people, wrapped to :data:`LINE` columns where a line may break
        (between words; in Japanese between characters, kinsoku kept), its next lines
        indented by ``hang``: a terminal or a mail it is pasted into keeps it whole."""
        from gateway.core.wrap import wrap

        first, *rest = wrap(self(message), LINE - hang)  # each line within LINE, indented
        print(first)
        for line in rest:
            print(" " * hang + line)

    def warn(self, message: Msg | str) -> None:
        """A problem, on stderr, after the program's name (as every error line is); a
        URL's password in it is masked, as in every log line: under systemd this is the
        journal, read by more people than the secrets' owners."""
        from gateway.core.tokens import mask_url_passwords

        print(f"ticket-gateway: {mask_url_passwords(self(message))}", file=sys.stderr)


def columns(text: str) -> int:
    """How many terminal columns ``text`` takes: a kanji or a full-width letter two, a
    combining mark, a variation selector, a joiner or a skin tone none, an emoji (a
    symbol with VS16, a hand with its tone, a family, a flag) two
    (:func:`gateway.core.wrap.clusters`)."""
    from gateway.core.wrap import width_of

    return width_of(text)


def pad(text: str, width: int, *, cut: bool = False) -> str:
    """``text`` padded to ``width`` terminal columns (negative: right-aligned); with
    ``cut``, a longer text is cut to fit, with "…", so the columns after it stay in line:
    between the characters a reader sees (a flag, a hand with its skin tone, a letter
    with its accent stay whole), in one pass over the text."""
    wide = abs(width)
    if cut and columns(text) > wide:
        text = _cut_to(text, wide - 1) + "…"
    fill = " " * max(0, wide - columns(text))
    return text + fill if width > 0 else fill + text


def _cut_to(text: str, wide: int) -> str:
    """The longest start of ``text`` within ``wide`` columns, cut on a boundary between
    the characters a reader sees."""
    from gateway.core.wrap import clusters

    used = 0
    for start, columns_ in clusters(text):
        used += columns_
        if used > wide:
            return text[:start]
    return text
