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

Pure: lines in, message bytes out, one message held at a time. What comes before the
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
_FROM_LINE = re.compile(
    rb'From +(?:(?:"[^"\r\n]*"\S*|\S+) +)?(?:%s)(?:[ \t][^\r\n]*)?\r?\n?' % _DATE
)
_ESCAPED_FROM = re.compile(rb">+From ")
_SENDER = re.compile(rb'From +("[^"\r\n]*"\S*|\S+) +')  # the sender of a From_ line
_DATE_FIRST = re.compile(rb"From +(?:%s)" % _DATE)  # a From_ line naming no sender
# Postfix's pipe(8) (and sendmail, procmail) write the null sender <> as this name
_NULL_SENDER = b"mailer-daemon"
# Policy: the longest line read as an envelope line (RFC 5322's line limit; a From_ line
# is far shorter): a first line of megabytes is the message's, never matched whole
ENVELOPE_LINE_MAX = 1000
_ESCAPE = re.compile(rb"^>(?=>*From )", re.MULTILINE)  # the ">" each escaped line lost


def is_from_line(line: bytes) -> bool:
    """Whether ``line`` (its line end included or not) is an mbox ``From_`` line."""
    return _FROM_LINE.fullmatch(line) is not None


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
    found = _SENDER.match(first) if first and not _DATE_FIRST.match(first) else None
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
            return line.startswith(b"From ") and is_from_line(line)
    return False


def split_mbox(lines: Iterable[bytes]) -> Iterator[bytes]:
    """The messages of an mbox given as its lines (line ends kept), each without its
    ``From_`` line and without the empty line that ends it, ``>From`` lines unescaped.
    Text before the first ``From_`` line is a piece of its own (not dropped)."""
    for message, _ in mbox_messages(lines):
        yield message


def mbox_messages(lines: Iterable[bytes]) -> Iterator[tuple[bytes, str | None]]:
    """:func:`split_mbox`'s messages, each with the sender its ``From_`` line names
    (:func:`mbox_sender`; None for the text before the first one)."""
    current: list[bytes] = []
    sender: str | None = None
    started = False  # a From_ line or some text was seen
    for n, line in enumerate(lines):
        if n == 0:
            line = line.removeprefix(BOM)  # a byte-order mark is nobody's text
        if not started and line in _EMPTY:
            continue  # empty lines before anything: no piece (it would be "not mail")
        if line.startswith(b"From ") and is_from_line(line):
            if started:
                yield _message(current), sender
            current = []
            sender = mbox_sender(line)
            started = True
            continue
        started = True
        current.append(unescaped(line))
    if started:
        yield _message(current), sender


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
