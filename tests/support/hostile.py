"""Hostile messages by kind, and an ordinary message of the same size to compare with.

Issue #14's classes, each as a generator that takes a size (or a count) so a test
can check growth and ``bench/hostile.py`` can feed big ones: long lines of many
shapes (the inputs that made our regular expressions quadratic), subjects made of
tens of thousands of encoded words, deeply nested or unclosed HTML, tens of
thousands of MIME parts, multipart nesting deeper than the stack, thousands of Cc
addresses, Message-IDs longer than a header line may be.
"""

from __future__ import annotations

import base64
import hashlib
import random
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager

HEAD = (
    "From: Mallory <mallory@outside.test>\r\n"
    "To: support@example.test\r\n"
    "Date: Mon, 02 Mar 2026 09:30:00 +0900\r\n"
    "Message-ID: <{mid}@outside.test>\r\n"
)


def _message(body: str, *, subject: str = "help", extra: str = "", ctype: str = "") -> bytes:
    """A whole message around ``body``; a body with lines longer than SMTP allows (998)
    travels in base64, as a mail client would send it, and decodes to the same text."""
    ctype = ctype or "Content-Type: text/plain; charset=utf-8\r\n"
    digest = hashlib.sha256(f"{subject}{extra}{ctype}{body}".encode("utf-8", "replace"))
    head = HEAD.format(mid=digest.hexdigest()[:24]) + extra
    if max(map(len, body.split("\n"))) > 998:
        data = base64.encodebytes(body.encode("utf-8", "surrogateescape")).decode("ascii")
        body, ctype = data, ctype + "Content-Transfer-Encoding: base64\r\n"
    text = f"{head}Subject: {subject}\r\nMIME-Version: 1.0\r\n{ctype}\r\n{body}"
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8", "surrogateescape")


# ------------------------------------------------------------------ long lines

# Line shapes that drove a backtracking engine into quadratic (or worse) time: each
# is a repetition that almost matches a pattern of ours and fails at the very end.
LINE_SHAPES: dict[str, Callable[[int], str]] = {
    "email": lambda n: "a" * (n // 2) + "@" + "a" * (n // 2),
    "spaces": lambda n: " " * n + "x",
    "tabs-colon": lambda n: "key" + "\t" * n + "x",
    "ideographic-spaces": lambda n: "\u3000" * n + "x",
    "stars": lambda n: "From" + " *" * (n // 2),
    "dashes": lambda n: "--Forwarded" + "-" * n + "x",
    "wrote": lambda n: "On " + "a " * (n // 2) + "wrote" + " " * 8 + "x",
    "wrote-spaces": lambda n: "On x wrote" + " " * n + "x",
    "angles": lambda n: "<a@b" * (n // 4) + "x",
    "at-runs": lambda n: ("a@" * (n // 2)) + " wrote:x",
    "colons": lambda n: "a" * 30 + " :" * (n // 2) + "x",
    "japanese-date": lambda n: "2024年1月1日" + "：" * n + "x",
    "message": lambda n: "のメッセージ" * (n // 6) + " x",
    "digits": lambda n: "2024/1/1" + " 1" * (n // 2) + " wrote x",
    "reply-prefix": lambda n: "Re: " * (n // 4) + "x",
    "named-quote": lambda n: "tanaka> " + "a> " * (n // 3) + "x",  # every line one
    "wrote-prose": lambda n: "a" * n + "に書きました:",  # an attribution over prose
    "bracketed-name": lambda n: "「" * (n // 2) + "山田" + "」" * (n // 2),
    "dotted-hosts": lambda n: "a.net" * (n // 5) + "/x",  # a keyword's mark, host labels
    "wide-dashes": lambda n: "－" * n + "\n" + "－－ " * (n // 3),  # signature lines, rules
}


def long_line(shape: str, size: int) -> bytes:
    """One body line of about ``size`` characters of ``shape``, in an ordinary mail."""
    return _message("Hello,\n" + LINE_SHAPES[shape](size) + "\nthanks\n")


def many_lines(shape: str, size: int, width: int = 300) -> bytes:
    """``size`` characters of ``shape`` lines ``width`` characters long: the same class
    spread over many lines (a per-line bound alone does not make this linear)."""
    line = LINE_SHAPES[shape](width)
    return _message("Hello,\n" + "\n".join([line] * max(1, size // len(line))) + "\n")


def fences(size: int) -> bytes:
    """Opening ```yaml fences that never close: each one looked for its end to the last line."""
    return _message("```yaml\n" * (size // 8))


def sheet_lines(size: int) -> bytes:
    """``name: value`` lines whose value is a run of spaces that ends in a non-space."""
    return _message(("os:" + " " * 200 + "x\n") * (size // 204))


# --------------------------------------------------------------------- headers


def encoded_subject(size: int, folded: bool = True) -> bytes:
    """A subject of ``size`` bytes of encoded words (RFC 2047), one character each:
    folded every four words (what SMTP can carry), or all on one line (what a file,
    a pipe or IMAP can: the shape that took mail-parser 7.9 s at 1 MB)."""
    fold = "\r\n " if folded else " "
    words = fold.join(" ".join(["=?UTF-8?B?44GC?="] * 4) for _ in range(size // 69))
    return _message("Hello\n", subject=words)


def long_message_id(size: int) -> bytes:
    mid = "x" * size
    return _message("Hello\n", extra=f"In-Reply-To: <{mid}@outside.test>\r\n").replace(
        b"Message-ID: <", b"Message-ID: <" + mid.encode() + b".", 1
    )


def many_cc(count: int) -> bytes:
    cc = ",\r\n ".join(f"person{i}@outside{i % 7}.test" for i in range(count))
    return _message("Please help all of us\n", extra=f"Cc: {cc}\r\n")


def many_references(count: int) -> bytes:
    refs = "\r\n ".join(f"<ref{i}@outside.test>" for i in range(count))
    return _message("Hello\n", extra=f"References: {refs}\r\n")


# ------------------------------------------------------------------------ MIME


def nested_html(size: int, tag: str = "div") -> bytes:
    """HTML nested ``size / len(tag)`` levels deep, then closed."""
    depth = size // (2 * len(tag) + 5)
    html = f"<{tag}>" * depth + "deep text" + f"</{tag}>" * depth
    return _message(html, ctype="Content-Type: text/html; charset=utf-8\r\n")


def unclosed_html(size: int, piece: str = "<a ") -> bytes:
    """Markup that never closes: unterminated tags, comments, character references."""
    html = "<p>start</p>" + piece * (size // len(piece))
    return _message(html, ctype="Content-Type: text/html; charset=utf-8\r\n")


def many_parts(count: int) -> bytes:
    """multipart/mixed with ``count`` small text parts."""
    boundary = "b0undary"
    parts = "".join(f"--{boundary}\nContent-Type: text/plain\n\npart {i}\n" for i in range(count))
    return _message(
        parts + f"--{boundary}--\n",
        ctype=f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n',
    )


def deep_nesting(depth: int) -> bytes:
    """multipart/mixed inside multipart/mixed ``depth`` times, a text part at each level."""
    body: list[str] = []
    for level in range(depth):
        body.append(f'--b{level}\nContent-Type: multipart/mixed; boundary="b{level + 1}"\n\n')
    body.append(f"--b{depth}\nContent-Type: text/plain\n\nthe innermost text\n--b{depth}--\n")
    for level in reversed(range(depth)):
        body.append(f"--b{level}\nContent-Type: text/plain\n\nlevel {level} text\n--b{level}--\n")
    return _message("".join(body), ctype='Content-Type: multipart/mixed; boundary="b0"\r\n')


# -------------------------------------------------------------------- baseline


def normal(size: int, subject: str = "help") -> bytes:
    """An ordinary request of about ``size`` bytes: prose lines, paragraphs, a quote."""
    rng = random.Random(size)
    words = ["the", "printer", "on", "floor", "three", "jams", "again", "when", "we", "print"]
    lines: list[str] = []
    total = 0
    while total < size:
        line = " ".join(rng.choice(words) for _ in range(12))
        lines.append(line if rng.random() > 0.1 else "")
        total += len(line) + 1
    return _message("Hello,\n" + "\n".join(lines) + "\n\nRegards,\nMallory\n", subject=subject)


# --------------------------------------------------------------------- timing


class TooSlow(BaseException):
    """Raised inside the code under test when it overruns :func:`within`. Not an
    Exception: the parser's "never raise" net (``except Exception``) must not catch it
    and carry on as if nothing had happened."""


@contextmanager
def within(seconds: float, what: str = "") -> Iterator[None]:
    """Fail (instead of hanging for minutes) when the block takes more than
    ``seconds`` of this process's CPU: a timer signal interrupts it, regular
    expressions included. CPU, not wall time: what is guarded is text handling that
    blows up (backtracking, quadratic walks), which burns CPU, while a shared machine's
    load stretches wall time alone (three test runs and a helper beside one made a
    0.1 s match take 0.3 s). Main thread only, which is where pytest runs tests."""

    def expired(_sig: int, _frame: object) -> None:
        raise TooSlow(f"{what or 'it'} took longer than {seconds}s of CPU")

    previous = signal.signal(signal.SIGPROF, expired)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)
