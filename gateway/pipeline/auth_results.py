"""Authentication-Results (RFC 8601) as our own MTAs wrote them: read, never repaired.

Split from :mod:`gateway.pipeline.authz`, which decides what a result proves: this
module only finds the header block *as received* (it ends where a border MTA ends
it) and parses each header strictly, comments and quoted strings included; one
that does not parse counts for nothing. Pure: bytes and strings in, values out.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from gateway.pipeline.parse.mailboxes import comment_end


@dataclass(frozen=True, slots=True)
class Result:
    """One ``method=result`` of an Authentication-Results header, with its properties."""

    method: str  # dkim | dmarc | spf | …
    result: str  # pass | fail | none | …
    props: dict[str, str]  # "header.d" → "example.test"


MAX_HEADER_BLOCK = 256 * 1024  # bytes read for the original header block
MAX_AR_LENGTH = 8 * 1024  # an Authentication-Results longer than this counts for nothing
MAX_FROM_LENGTH = 4 * 1024  # a From longer than this names nobody we would trust
_LINE_END = re.compile(rb"\r?\n")
_FIELD_NAME = re.compile(rb"[!-9;-~]+")  # printable ASCII but ":", no space (RFC 5322)


def original_headers(raw: bytes) -> list[tuple[str, str]]:
    """``(lower-case name, unfolded value)`` of the header block as received: up to the
    first line that is neither a field nor a continuation (a blank one, a broken one)."""
    found: list[tuple[str, list[bytes]]] = []
    pos, end = 0, min(len(raw), MAX_HEADER_BLOCK)
    while pos < end:
        m = _LINE_END.search(raw, pos, end)
        line = raw[pos : m.start() if m else end]
        pos = m.end() if m else end
        if line[:1] in (b" ", b"\t") and found:
            found[-1][1].append(line.strip())
            continue
        name, colon, value = line.partition(b":")
        if not colon or not _FIELD_NAME.fullmatch(name):
            break  # blank, or not a field: the body begins here for the MTA too
        found.append((name.decode("ascii").lower(), [value.strip()]))
    return [
        (name, b" ".join(part for part in parts if part).decode("utf-8", "replace"))
        for name, parts in found
    ]


def top_headers(raw: bytes, name: str) -> list[str]:
    """Every ``name`` header of the original header block, unfolded, in order."""
    wanted = name.lower()
    return [value for field, value in original_headers(raw) if field == wanted]


def authentication_results(raw: bytes) -> list[tuple[str, list[Result]]]:
    """``(authserv-id, results)`` for each Authentication-Results header that parses."""
    parsed = (_parse_ar(v) for v in top_headers(raw, "Authentication-Results"))
    return [ar for ar in parsed if ar is not None]


def trusted_results(
    block: list[tuple[str, str]],
    trusted_authserv_ids: Collection[str],
    *,
    any_spelling: bool = False,
) -> list[tuple[str, list[Result]]]:
    """The topmost run of Authentication-Results from trusted authserv-ids: AR headers
    from others above it are skipped, the first one from another id below it ends it
    (what lies below was in the mail before our MTA added its own). A run that writes
    one id in two ways (``mx.example.test``, ``MX.example.test``) is none, unless
    ``any_spelling``: what such a run says *against* a mail (DMARC failed) still counts,
    or a header slipped in under ours would silence our own verdict."""
    trusted = {t.lower() for t in trusted_authserv_ids}
    run: list[tuple[str, list[Result]]] = []
    for name, value in block:
        if name != "authentication-results":
            continue
        parsed = _parse_ar(value)
        if parsed is not None and parsed[0].lower() in trusted:
            run.append(parsed)
        elif parsed is None and _claimed_id(value) in trusted:
            break  # our MTA's own header, unreadable: nothing below may speak for it
        elif run:
            break
    return run if any_spelling or _one_spelling(run) else []


def _one_spelling(run: list[tuple[str, list[Result]]]) -> bool:
    """Each id of the run written one way. An MTA writes its own id as configured; the
    same id in other capitals below it is a header an MTA that strips its id
    case-sensitively let through, and which of the two is ours is not ours to guess."""
    spelt: dict[str, str] = {}
    return all(spelt.setdefault(i.lower(), i) == i for i, _ in run)


def _claimed_id(value: str) -> str:
    """The authserv-id a header that does not parse seems to start with (lower case):
    enough to tell one of ours, which ends the run however it is written."""
    head = _FLAT_COMMENT.sub(" ", value.split(";", 1)[0])  # "(ours) mx…" is mx…
    words = head.replace('"', " ").split()
    return words[0].lower() if words else ""


def _parse_ar(value: str) -> tuple[str, list[Result]] | None:
    """RFC 8601 ``authres-payload``, or None when it does not parse (then it counts for
    nothing: an attacker's odd quoting must never be read more generously than our
    MTA read it)."""
    if len(value) > MAX_AR_LENGTH:
        return None
    tokens = _tokenize(value)
    if tokens is None:
        return None
    segments: list[list[tuple[str, str]]] = [[]]
    for token in tokens:
        if token == (";", ";"):
            segments.append([])
        else:
            segments[-1].append(token)
    head = segments[0]
    if not head or head[0][0] not in ("word", "quoted") or len(head) > 2:
        return None
    if len(head) == 2 and not (head[1][0] == "word" and head[1][1].isdigit()):
        return None  # authres-version is digits
    results: list[Result] = []
    for segment in segments[1:]:
        if not segment or segment == [("word", "none")]:
            continue  # no-result (or a stray ";": nothing to read)
        result = _resinfo(segment)
        if result is None:
            return None
        results.append(result)
    return head[0][1], results


def _resinfo(tokens: list[tuple[str, str]]) -> Result | None:
    """``method[/version] = result`` then ``reason = value`` and ``ptype.property = value``."""
    pairs: list[tuple[str, str]] = []
    i = 0
    while i < len(tokens):
        if (
            i + 2 >= len(tokens)
            or tokens[i][0] != "word"
            or tokens[i + 1] != ("=", "=")
            or tokens[i + 2][0] not in ("word", "quoted")
        ):
            return None
        pairs.append((tokens[i][1].lower(), tokens[i + 2][1]))
        i += 3
    if not pairs or "." in pairs[0][0]:
        return None
    method, result = pairs[0]
    props = dict(pairs[1:])
    if any(k != "reason" and "." not in k for k in props):
        return None
    return Result(method.split("/", 1)[0].strip(), result.lower(), props)


_FLAT_COMMENT = re.compile(r"\([^()]*\)?")  # a comment, or an unclosed one to the end
_WORD_END = re.compile(r'[\s;=()"]')


def _tokenize(value: str) -> list[tuple[str, str]] | None:
    """Words, quoted strings (unescaped), ``;`` and ``=``; comments and space dropped.
    None on an unclosed comment or quoted string."""
    out: list[tuple[str, str]] = []
    i, n = 0, len(value)
    while i < n:
        c = value[i]
        if c.isspace():
            i += 1
        elif c == "(":
            i = comment_end(value, i)
            if i < 0:
                return None
        elif c == '"':
            i, text = _quoted(value, i)
            if i < 0:
                return None
            out.append(("quoted", text))
        elif c in ";=":
            out.append((c, c))
            i += 1
        elif c == ")":
            return None
        else:
            m = _WORD_END.search(value, i)
            j = m.start() if m else n
            out.append(("word", value[i:j]))
            i = j
    return out


def _quoted(value: str, i: int) -> tuple[int, str]:
    chars: list[str] = []
    i += 1
    while i < len(value):
        c = value[i]
        if c == "\\" and i + 1 < len(value):
            chars.append(value[i + 1])
            i += 2
        elif c == '"':
            return i + 1, "".join(chars)
        else:
            chars.append(c)
            i += 1
    return -1, ""
