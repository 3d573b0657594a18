"""The messages of an mbox file, read as RFC 4155, mutt and Python's ``mailbox`` describe.

A message starts at a ``From_`` line: ``From``, a space, the envelope sender, and the
date it was delivered. RFC 4155 puts an empty line before it, but not every writer
does, and two customers' mails read as one would put the second one's words on the
first one's ticket; so, as mutt and Python's ``mailbox`` do, the shape alone decides,
wherever the line is (a body line of that shape is escaped by every writer). Python's
``mailbox.mbox`` splits on *any* line that begins "From ", so a customer's paragraph
that began "From Monday on …" cut their mail in two, and the tail was reported "not an
e-mail message, not stored": their text was lost. Here a line splits only when it has
the shape of a ``From_`` line, sender and date (the date in the shapes writers use:
``asctime`` with or without seconds and with a zone before or after the year, or an
RFC 5322 date), as mutt's ``is_from`` checks.

Writers escape a body line that begins "From " as ``>From``: mboxo escapes "From "
only, mboxrd every ``>*From `` line (one more ``>``). A file does not say which it is,
so lines are read as mboxrd: one ``>`` is taken off a ``>+From `` line. That is right for
both, except a line that was ``>From`` already in an mboxo file (a quote of a quote),
which loses one ``>``.

Two other writers say where a message ends otherwise, and quote nothing. Solaris'
and SysV's ``mail`` (mboxcl2) give each message a ``Content-Length``: a body line of a
``From_`` line's shape (a forwarded mail's envelope) split it, the tail filed as
another message or "not mail". Where the length holds (the body ends there, at the
end of the file or at a ``From_`` line, an empty line between or not) the message is
taken byte for byte; where it lies, the ``From_`` lines decide, as above (an mboxcl
writer, which quotes as well, keeps its ``>From``). MMDF (mutt, SCO) puts a line of
four ``^A`` before and after each message: a file that begins with one is split on
them, and a ``From_`` line a message begins with gives its sender.

Pure: lines in, message bytes out, one message held at a time (a Content-Length's
body at most, :data:`COUNTED_MAX`). What comes before the
first ``From_`` line is handed on as a piece of its own: nothing is dropped here, the
caller judges whether a piece is mail.

One message on standard input may come the same way: Postfix's pipe(8) with the ``F``
flag writes a ``From_`` envelope line before it and with ``>`` escapes its "From "
lines (:func:`piped_message`). Without the envelope line nothing was escaped, so a
``>From`` there is the writer's own and stays. The envelope line names the envelope
sender (:func:`envelope_sender`), the MAIL FROM Postfix received.

An mbox's ``From_`` lines name senders too (:func:`mbox_messages`): the one a message
with no From is filed for, as ``ingest -`` files it for Postfix's. But writers fill the
place with what they have: only an address with a dotted domain is a sender
(:func:`mbox_sender`); Thunderbird's ``-``, Gmail's takeout ``1234567890@xxx``, Eudora's
``???@???``, another machine's local user name none, and MAILER-DAEMON none either:
Python's ``mailbox`` writes it for every message it knows no sender of, so in an mbox
it is not pipe(8)'s null sender, and an import would have left real requests
unanswered. A real bounce is still known by its own headers (:mod:`gateway.pipeline.loops`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from itertools import islice

__all__ = [
    "begins_an_mbox",
    "envelope_sender",
    "is_from_line",
    "mbox_messages",
    "mbox_sender",
    "piped_message",
    "split_mbox",
    "unescaped",
    "writer_escaped",
]

_WEEKDAY = rb"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_MONTH = rb"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_TIME = rb"\d{1,2}:\d{2}(?::\d{2})?"
_ZONE = rb"(?:[+-]\d{4}|[A-Z]{1,5}|\([A-Z]{1,5}\))"  # +0900, JST, (EST)
# The date shapes of the From_ lines writers produce, each row who writes it:
_DATES = (
    # asctime (RFC 4155, mutt, Python's mailbox, procmail, Postfix): Mon Mar  2 09:00:00
    # 2026; seconds left out by some; a zone before the year (Gmail's takeout,
    # Thunderbird: +0000, JST) or after it
    rb"%(wd)s +%(mon)s +\d{1,2} +%(time)s(?: +%(zone)s){0,2} +\d{4}(?: +%(zone)s){0,2}",
    # an RFC 5322 date, as some converters write it: Mon, 2 Mar 2026 09:00:00 +0900
    rb"(?:%(wd)s, *)?\d{1,2} +%(mon)s +\d{4} +%(time)s(?: +%(zone)s){0,2}",
)
_SHAPES = {b"wd": _WEEKDAY, b"mon": _MONTH, b"time": _TIME, b"zone": _ZONE}
_DATE = b"|".join(d % _SHAPES for d in _DATES)


# "From ", the sender (an address, a quoted local part, MAILER-DAEMON, a local user; mutt
# reads a line without one too), the date, and whatever a writer adds after it (UUCP's
# "remote from host")
# compiled at the first From_ line asked about (about 4 ms): a piped mail without one, the
# common case of ``ingest -`` (issue #18), never needs it
@cache
def _from_line() -> re.Pattern[bytes]:
    return re.compile(rb'From +(?:(?:"[^"\r\n]*"\S*|\S+) +)?(?:%s)(?:[ \t][^\r\n]*)?\r?\n?' % _DATE)


_ESCAPED_FROM = re.compile(rb">+From ")
_SENDER = re.compile(rb'From +("[^"\r\n]*"\S*|\S+) +')  # the sender of a From_ line


@cache
def _date_first() -> re.Pattern[bytes]:  # a From_ line naming no sender; see _from_line
    return re.compile(rb"From +(?:%s)" % _DATE)


# Postfix's pipe(8) (and sendmail, procmail) write the null sender <> as this name
_NULL_SENDER = b"mailer-daemon"
# Policy: the longest line read as an envelope line (RFC 5322's line limit; a From_ line
# is far shorter): a first line of megabytes is the message's, never matched whole
ENVELOPE_LINE_MAX = 1000
_ESCAPE = re.compile(rb"^>(?=>*From )", re.MULTILINE)  # the ">" each escaped line lost


def is_from_line(line: bytes) -> bool:
    """Whether ``line`` (its line end included or not) is an mbox ``From_`` line."""
    return _from_line().fullmatch(line) is not None


def unescaped(line: bytes) -> bytes:
    """``line`` as it was before an mbox writer escaped it: one ``>`` fewer before a
    ``From `` (mboxrd's rule, which undoes mboxo's escape too)."""
    return line[1:] if _ESCAPED_FROM.match(line) else line


def piped_message(raw: bytes, *, escaped: bool = True) -> bytes:
    """``raw`` without the ``From_`` envelope line it begins with, its escaped lines
    unescaped as :func:`split_mbox` reads them when the writer ``escaped`` them
    (:func:`writer_escaped`); ``raw`` itself when it has no such line."""
    first = _envelope_line(raw)
    if not first:
        return raw
    return _ESCAPE.sub(b"", raw[len(first) :]) if escaped else raw[len(first) :]


# Postfix's local(8) and Exim's pipe transport tell a command who the mail is for in
# this variable; Postfix's pipe(8), the one writer that escapes (its ">" flag), never
_LOCAL_DELIVERY = "RECIPIENT"


def writer_escaped(environ: Mapping[str, str]) -> bool:
    """Whether the program that piped a message with an envelope line escaped its
    "From " lines. local(8) runs an alias's command (``"|ticket-gateway ingest -"``)
    with a From_ line but quotes nothing (MAIL_COPY_FROM without MAIL_COPY_QUOTE),
    as Exim's pipe does: a customer's own ``>From`` lost its ``>``."""
    return _LOCAL_DELIVERY not in environ


def envelope_sender(raw: bytes) -> str | None:
    """The sender the ``From_`` envelope line ``raw`` begins with names: "" for the null
    sender (MAILER-DAEMON, as pipe(8) writes ``<>``), None without such a line, one that
    names no sender (its date right after "From") or one not in UTF-8."""
    first = _envelope_line(raw)
    found = _SENDER.match(first) if first and not _date_first().match(first) else None
    if found is None:
        return None
    sender = found.group(1)
    if sender.lower() == _NULL_SENDER:
        return ""
    try:
        return sender.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _envelope_line(raw: bytes) -> bytes:
    """The ``From_`` line ``raw`` begins with (its line end kept), or b""."""
    end = raw.find(b"\n", 0, ENVELOPE_LINE_MAX)
    first = raw[: end + 1] if end >= 0 else b""
    return first if first.startswith(b"From ") and is_from_line(first) else b""


# an address a writer of mbox files puts in a From_ line for a real sender: a local part,
# "@", a domain of two labels or more (not Gmail's "xxx", not Eudora's "???")
_ADDRESS = re.compile(r"[^@\s]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


BOM = b"\xef\xbb\xbf"  # UTF-8's byte-order mark, as a Windows editor saves a file
_EMPTY = (b"\n", b"\r\n", b"")
# MMDF's separator line (mutt, SCO): one before and one after every message
MMDF_SEPARATORS = (b"\x01\x01\x01\x01\n", b"\x01\x01\x01\x01\r\n")
# Policy: the empty lines an mbox may begin with before its first From_ line (a writer
# that puts RFC 4155's empty line before every From_ line, the first one too)
LEADING_EMPTY_MAX = 64


def begins_an_mbox(lines: Iterable[bytes]) -> bool:
    """Whether a file's first ``lines`` open an mbox: a From_ line first, after a
    byte-order mark and a few empty lines. Only the very first line was looked at,
    and such a file was stored as one message: the second sender's mail on the
    first one's ticket."""
    for n, line in enumerate(islice(lines, LEADING_EMPTY_MAX + 1)):
        line = line.removeprefix(BOM) if n == 0 else line
        if line not in _EMPTY:
            return _is_from(line) or line in MMDF_SEPARATORS
    return False


def split_mbox(lines: Iterable[bytes]) -> Iterator[bytes]:
    """The messages of an mbox given as its lines (line ends kept), each without its
    ``From_`` line and without the empty line that ends it, ``>From`` lines unescaped.
    Text before the first ``From_`` line is a piece of its own (not dropped)."""
    for message, _ in mbox_messages(lines):
        yield message


def mbox_messages(lines: Iterable[bytes]) -> Iterator[tuple[bytes, str | None]]:
    """:func:`split_mbox`'s messages, each with the sender its ``From_`` line names
    (:func:`mbox_sender`; None for the text before the first one). A message whose
    ``Content-Length`` holds (:func:`_counted`) is taken as it stands; an MMDF file's
    are split on its separators (:func:`_mmdf_messages`)."""
    feed = _Feed(lines)
    current: list[bytes] = []
    sender: str | None = None
    started = False  # a From_ line or some text was seen
    for n, line in enumerate(feed):
        if n == 0:
            line = line.removeprefix(BOM)  # a byte-order mark is nobody's text
        if not started and line in _EMPTY:
            continue  # empty lines before anything: no piece (it would be "not mail")
        if not started and not current and line in MMDF_SEPARATORS:
            feed.unread([line])
            yield from _mmdf_messages(feed)
            return
        if line.startswith(b"From ") and is_from_line(line):
            if started:
                yield _message(current), sender
            current = []
            sender = mbox_sender(line)
            started = True
            counted = _counted(feed)
            if counted is not None:  # the next line is a From_ line, or there is none
                yield b"".join(counted), sender
                started = False
            continue
        started = True
        current.append(unescaped(line))
    if started:
        yield _message(current), sender


class _Feed:
    """Lines, with those read ahead and not taken given back (:meth:`unread`)."""

    def __init__(self, lines: Iterable[bytes]) -> None:
        self._lines = iter(lines)
        self._back: list[bytes] = []  # the next line last

    def __iter__(self) -> _Feed:
        return self

    def __next__(self) -> bytes:
        return self._back.pop() if self._back else next(self._lines)

    def unread(self, lines: list[bytes]) -> None:
        self._back.extend(reversed(lines))


_CONTENT_LENGTH = re.compile(rb"content-length:[ \t]*(\d{1,18})[ \t]*\r?\n?", re.IGNORECASE)
# Policy: the longest header followed for a Content-Length (a header block of more lines
# is no Solaris mail's), and the longest length followed: past it, the From_ lines
# decide, so a lying length never holds more than this of the mbox in memory
COUNTED_HEADER_LINES = 1000
COUNTED_MAX = 64 * 2**20


def _counted(feed: _Feed) -> list[bytes] | None:
    """The message after a From_ line by its ``Content-Length`` (Solaris' and SysV's
    ``mail``, mboxcl2: a body line is never quoted, the length says where it ends),
    when it holds: its body, that many bytes, ends at the end of the file or at a
    From_ line, an empty line between them or not. The lines as they are (nothing
    was quoted). None, and every line read given back, when there is no such header,
    or it lies: the From_ lines then decide, as for any mbox."""
    read: list[bytes] = []
    length = None
    for line in feed:
        read.append(line)
        if line in (b"\n", b"\r\n") or len(read) > COUNTED_HEADER_LINES:
            break
        if found := _CONTENT_LENGTH.fullmatch(line):
            length = int(found.group(1)) if length is None else -1  # two: which one?
    else:
        length = None  # the file ends within the header: nothing to count
    if length is None or not 0 <= length <= COUNTED_MAX or read[-1] not in (b"\n", b"\r\n"):
        feed.unread(read)
        return None
    got = 0
    while got < length and (more := next(feed, None)) is not None:
        read.append(more)
        got += len(more)
    ahead: list[bytes] = []  # what follows: an empty line at most, then a From_ line
    for line in feed:
        ahead.append(line)
        if line not in _EMPTY or len(ahead) == 2:
            break
    if got == length and (ahead in ([], [b"\n"], [b"\r\n"]) or _is_from(ahead[-1])):
        feed.unread(ahead[-1:] if ahead and ahead[-1] not in _EMPTY else [])
        return read
    feed.unread(read + ahead)
    return None


def _mmdf_messages(feed: _Feed) -> Iterator[tuple[bytes, str | None]]:
    """An MMDF mailbox's messages, each between two separator lines, nothing quoted; a
    From_ line a message begins with (mutt writes one) is taken off, for its sender.
    Text between two messages is a piece of its own, and a message the file ends in
    without its closing separator is kept (the caller judges either)."""
    inside: list[bytes] | None = None  # the message being read; None: between two
    outside: list[bytes] = []
    for line in feed:
        if line not in MMDF_SEPARATORS:
            (outside if inside is None else inside).append(line)
        elif inside is None:
            if any(text not in _EMPTY for text in outside):
                yield b"".join(outside), None
            outside, inside = [], []
        else:
            yield from _mmdf_message(inside)
            inside = None
    yield from _mmdf_message(inside or [])
    if any(text not in _EMPTY for text in outside):
        yield b"".join(outside), None


def _mmdf_message(lines: list[bytes]) -> Iterator[tuple[bytes, str | None]]:
    """One MMDF message, without the From_ line it may begin with; none if empty."""
    if not any(line not in _EMPTY for line in lines):
        return
    if _is_from(lines[0]):
        yield b"".join(lines[1:]), mbox_sender(lines[0])
    else:
        yield b"".join(lines), None


def _is_from(line: bytes) -> bool:
    return line.startswith(b"From ") and is_from_line(line)


def mbox_sender(line: bytes) -> str | None:
    """The envelope sender a ``From_`` line of an mbox names: an address with a dotted
    domain as it is, else None (a placeholder: ``-``, ``1234567890@xxx``, ``???@???``,
    a local user name, MAILER-DAEMON: see the module's docstring)."""
    sender = envelope_sender(line)
    return sender if sender and _ADDRESS.fullmatch(sender) else None


def _message(lines: list[bytes]) -> bytes:
    """A message's lines without the empty line that separates it from the next."""
    if lines and lines[-1] in (b"\n", b"\r\n"):
        lines = lines[:-1]
    return b"".join(lines)
