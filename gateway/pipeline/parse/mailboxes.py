"""Address fields into (name, address) pairs the way a mail client reads them.

The stdlib's ``getaddresses`` of Python 3.11 (before the fix of CVE-2023-27043) splits
a display name that holds an ``@`` into an address of its own: ``ops@example.test
<intern@example.test>``, or the encoded word ``=?utf-8?q?evil@x.test?= <alice@…>``,
came out as two mailboxes, the first one taken from the *name*. A mail client shows
such a mail as from ``intern@`` / ``alice@``, a border MTA checks DMARC for that
address's domain, and we filed it (and answered it) as from the other one. So each
mailbox that ends in an angle address has its display name turned into one quoted
string before the stdlib splits the field: the address is always what is between the
angle brackets. An encoded word is read as one token (its ``:`` and ``@`` are text),
and RFC 2047 section 5 forbids encoded words in an address: one found there was a
name the parser could not tell apart, and is no address.

A display name loses its RFC 5322 comments the way a mail client shows it: ``Taro (the
boss) Yamada <t@x>`` is from "Taro Yamada" (the stdlib moved the comment to the end of
the name, and every notice showed it there).

Addresses are given in one form, so that one mailbox is one participant: a quoted
local part that needs no quotes (``"support"@example.test``) is written without them,
the root dot of a domain (``example.test.``) is dropped (otherwise our own address
written that way was a participant and was sent every answer), and a domain is its
IDNA A-label (``a@例え.jp`` and ``a@xn--r8jz45g.jp`` were two participants, and the
first was never answered). Linear in the field.
"""

from __future__ import annotations

import re
from email.utils import getaddresses

from gateway.core.domains import ascii_address

__all__ = ["ENCODED_WORD", "canonical", "mailbox_pairs", "phrases_without_address"]

ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")
_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_QUOTED_LOCAL = re.compile(r'"([^"\\]*)"@(.*)', re.S)
# where a mailbox's display name may start: the field's start, or after a mailbox or a
# group's label
_STARTS = frozenset(",:;>")
# an address as a word in free text (a forward's From line, a delivery header's value):
# bounded parts with none of the specials around an address, so "mailto:a@b", "<a@b>"
# and "mailing list a@b" give a@b (linear: no run can take the other's characters)
ADDRESS_WORD = re.compile(r"[^\s<>@\",;:()\[\]]{1,64}@[^\s<>@\",;:()\[\]]{1,255}")
_SPECIALS = re.compile(r'[()<>@,;:\\"\[\]]')


def mailbox_pairs(values: list[str]) -> list[tuple[str, str]]:
    """``getaddresses`` of ``values`` with each display name before an angle address
    quoted first; the addresses in :func:`canonical` form. May raise what
    ``getaddresses`` raises."""
    fields = (quote_names(_at_comments_out(v)) for v in values)
    return [(name, canonical(addr)) for name, addr in getaddresses(fields)]


def _at_comments_out(value: str) -> str:
    """``value`` without the comments beside an ``@`` (``john(work)@x.test``,
    ``john@ (work) x.test``): RFC 5322 allows them there, and the stdlib made one the
    mailbox's display name, twice ("work work"), or added it to the name written
    before the angle address. A comment after the address (``john@x.test (John)``) is
    its writer's name and stays. Quoted strings are text. Linear: each character is
    looked at once, and once more at most as the space after a comment."""
    out: list[str] = []
    last = ""  # the last character outside comments that is not a space
    i = 0
    n = len(value)
    while i < n:
        ch = value[i]
        if ch == '"':
            end = _quoted_end(value, i)
            out.append(value[i:end])
            last, i = '"', end
            continue
        if ch != "(":
            out.append(ch)
            last = last if ch.isspace() else ch
            i += 1
            continue
        end = comment_end(value, i)
        end = n if end < 0 else end  # never closed: the rest of the value
        after = end
        while after < n and value[after].isspace():
            after += 1
        if last != "@" and value[after : after + 1] != "@":
            out.append(value[i:end])
        i = end
    return "".join(out)


def comment_end(value: str, i: int) -> int:
    """The index after the RFC 5322 comment that starts at ``value[i]``, nested ones and
    quoted pairs in it; -1 when it never closes (the one scanner of comments: addresses
    here, Authentication-Results in :mod:`gateway.pipeline.auth_results`)."""
    depth = 0
    n = len(value)
    while i < n:
        ch = value[i]
        if ch == "\\":
            i += 2
            continue
        depth += {"(": 1, ")": -1}.get(ch, 0)
        i += 1
        if depth == 0:
            return i
    return -1


def phrases_without_address(values: list[str]) -> frozenset[str]:
    """What ``getaddresses`` makes of a mailbox that is only a name of several words
    (``From: John Doe``, ``"John Doe"``): its first word, or its words run together,
    lowercased. That is no address but a person's name: it became the requester
    ("john") and got our acknowledgement. A one-word local part (``root``, a host's
    own cron mail) is not in it: it is read as before.

    Read from a field with no ``@`` and no ``<`` at all, its names apart at commas,
    without the stdlib's RFC 5322 parser: that one backtracks on quotes
    (``a"a"a"…``: seconds of CPU for a few kilobytes, tests/test_hostile_text.py), and
    this runs on every mail's From."""
    out: set[str] = set()
    for value in values:
        if "@" in value or "<" in value:
            continue
        for name in value.replace('"', " ").split(","):
            words = name.lower().split()
            if len(words) > 1:
                out.update((words[0], "".join(words), " ".join(words)))
    return frozenset(out)


def quote_names(value: str) -> str:
    """``value`` with the display name of every ``name <addr>`` mailbox made one quoted
    string when the stdlib could read it as more than a name (see :func:`_needs_quotes`);
    other names, and mailboxes without one, are left as they are."""
    out: list[str] = []
    copied = 0  # value[:copied] is in out
    start = 0  # where the text that may be a display name began
    depth = 0  # of comments
    i = 0
    n = len(value)
    while i < n:
        ch = value[i]
        if ch == "\\" and depth:
            i += 2
            continue
        if ch == '"' and not depth:
            i = _quoted_end(value, i)
            continue
        if ch == "(":
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
        elif not depth and ch == "=" and (word := ENCODED_WORD.match(value, i)) is not None:
            i = word.end()
            continue
        elif not depth and ch in _STARTS:
            start = i + 1
        elif not depth and ch == "<":
            quoted = _quoted_name(value[start:i])
            if quoted is not None:
                out += [value[copied:start], quoted]
                copied = i
            start = i + 1
        i += 1
    out.append(value[copied:])
    return "".join(out)


def _quoted_name(phrase: str) -> str | None:
    """``phrase`` (the text before an angle address) as one quoted string, or None when
    it may stay as it is. Its comments are left out (:func:`_without_comments`)."""
    core = phrase.strip()
    if not core:
        return None
    bare = _without_comments(core)
    if bare is None and (_one_quoted_string(core) or not _needs_quotes(core)):
        return None
    text = (bare if bare is not None else _unquoted(core)).replace("\\", "\\\\")
    text = text.replace('"', '\\"')
    lead = phrase[: len(phrase) - len(phrase.lstrip())]
    return f'{lead}"{text}" '


def _without_comments(phrase: str) -> str | None:
    """The text of ``phrase`` without its comments, as mail clients show a name
    (``Taro (the boss) Yamada`` is "Taro Yamada"; the stdlib moved the comment to the
    end of the name), or None when it has none. Quoted strings and encoded words are
    text, parentheses in them too. A phrase that is only comments is named by their
    text, as ``addr (Name)`` is."""
    kept: list[str] = []
    said: list[str] = []  # the comments' text
    depth = 0
    i = 0
    n = len(phrase)
    while i < n:
        ch = phrase[i]
        if depth:
            if ch == "\\":
                said.append(phrase[i + 1 : i + 2])
                i += 2
                continue
            depth += {"(": 1, ")": -1}.get(ch, 0)
            said.append(ch if ch not in "()" else " ")
        elif ch == '"':
            end = _quoted_end(phrase, i)
            kept.append(_unquoted(phrase[i:end]))
            i = end
            continue
        elif ch == "=" and (word := ENCODED_WORD.match(phrase, i)) is not None:
            kept.append(word.group())
            i = word.end()
            continue
        elif ch == "(":
            depth = 1
            kept.append(" ")
        else:
            kept.append(ch)
        i += 1
    if not said and not depth:
        return None
    return " ".join("".join(kept).split()) or " ".join("".join(said).split())


def _needs_quotes(phrase: str) -> bool:
    """A phrase the stdlib could read as more than a name: an ``@`` (the CVE's case), or
    an encoded word holding a special character (``:`` it takes for a group, ``,`` for
    the next mailbox …), which RFC 2047 forbids there and hostile mail writes."""
    return "@" in phrase or any(
        _SPECIALS.search(word.group()) for word in ENCODED_WORD.finditer(phrase)
    )


def _one_quoted_string(phrase: str) -> bool:
    return phrase.startswith('"') and _quoted_end(phrase, 0) == len(phrase)


def _quoted_end(value: str, i: int) -> int:
    """The index after the quoted string that starts at ``value[i]`` (the end of the
    value when it never closes)."""
    j = i + 1
    n = len(value)
    while j < n:
        if value[j] == "\\":
            j += 2
            continue
        if value[j] == '"':
            return j + 1
        j += 1
    return n


def _unquoted(phrase: str) -> str:
    """The text of a phrase with its quoted strings opened (their escapes undone)."""
    out: list[str] = []
    i = 0
    n = len(phrase)
    while i < n:
        if phrase[i] != '"':
            out.append(phrase[i])
            i += 1
            continue
        end = _quoted_end(phrase, i)
        inner = phrase[i + 1 : end - 1 if end <= n and phrase[end - 1 : end] == '"' else end]
        out.append(re.sub(r"\\(.)", r"\1", inner, flags=re.S))
        i = end
    return "".join(out)


def canonical(address: str) -> str:
    """One form per mailbox: ``"Support"@x.test.`` → ``support@x.test``, ``a@例え.jp`` →
    ``a@xn--r8jz45g.jp`` (a quoted local part is unquoted only when it needs no quotes;
    then :func:`gateway.core.domains.ascii_address`: lower case, the domain's A-label,
    no root dot), the form a member's address is kept in."""
    quoted = _QUOTED_LOCAL.fullmatch(address)
    if quoted is not None and _DOT_ATOM.fullmatch(quoted.group(1)):
        address = f"{quoted.group(1)}@{quoted.group(2)}"
    return ascii_address(address)
