"""Links a mail client wrote after their own text in a command's argument, dropped.

Outlook makes an address or a URL typed in a mail a link, and its plain-text part writes
the link after the text (``ops2@example.test<mailto:ops2@example.test>``): read as
written, ``/assign`` named no member and ``/cc add`` no address. Split from
:mod:`gateway.pipeline.command_lines`, which reads the command lines.
"""

from __future__ import annotations

import re

__all__ = ["mailbox_arg", "without_link_copies"]

_WORD = re.compile(r"\S+")
# a mailbox as a header writes it: a display name (quoted parts may hold "<", ">"), then
# one address in angle brackets, last; the two alternatives cannot share a character
_MAILBOX = re.compile(r'(?:"[^"]*"|[^<>"])*<([^\s<>@]+@[^\s<>@]+)>')
# ... or in round brackets, as an HTML mail's mailto: link reads as text ("Ops Two
# (ops2@x.test)": :mod:`.parse.html_links`) and people write it; no bracket in the name
_NAMED_ADDRESS = re.compile(r'(?:"[^"]*"|[^<>"()（）])*[(（]([^\s<>()（）@]+@[^\s<>()（）@]+)[)）]')
_LINK_BRACKETS = (("<", ">"), ("[", "]"))


def without_link_copies(arg: str) -> str:
    """``arg`` without the copies of links a mail client writes after their text.

    Outlook makes an address or a URL typed in a mail a link, and the plain-text part
    it sends beside the HTML writes the link after its text: ``ops2@example.test<mailto:
    ops2@example.test>`` (with a space before it, or in square brackets, in other
    versions and gateways). Read as written, ``/assign`` named no member and ``/cc add``
    no address. A link that goes elsewhere than its text says is kept as written: only
    a copy is dropped. One pass over the words."""
    out: list[str] = []
    end = 0  # where the text after the last word kept starts
    for word in _WORD.finditer(arg):
        token = word.group()
        link = _link_to(token)
        if out and link is not None and _same_place(out[-1], link):
            end = word.end()  # "x@y <mailto:x@y>": the copy and the space before it go
            continue
        out.append(arg[end : word.start()] + _own_text(token))
        end = word.end()
    return "".join(out) + arg[end:]


def _link_to(token: str) -> str | None:
    """Where ``token`` links to when it is a bracketed link, ``<mailto:x@y>``."""
    for opener, closer in _LINK_BRACKETS:
        if len(token) > 2 and token[0] == opener and token[-1] == closer:
            return token[1:-1]
    return None


def _own_text(token: str) -> str:
    """``x@y<mailto:x@y>`` → ``x@y``; any other word as it is."""
    for opener, closer in _LINK_BRACKETS:
        at = token.find(opener)
        if at > 0 and token.endswith(closer) and _same_place(token[:at], token[at + 1 : -1]):
            return token[:at]
    return token


def _same_place(text: str, link: str) -> bool:
    """A link's text and its target name the same place: ``x@y`` and ``mailto:x@y``,
    ``kb.test/1`` and ``https://kb.test/1/`` (in any case)."""
    said, to = text.strip().casefold().rstrip("/"), link.strip().casefold().rstrip("/")
    to = to.removeprefix("mailto:")
    return bool(said) and said in (to, to.removeprefix("https://"), to.removeprefix("http://"))


def mailbox_arg(arg: str, *, verb: bool) -> str:
    """``arg`` with a mailbox written as a header writes it (``Bob Smith <bob@x.test>``,
    「田中 太郎 <tanaka@x.test>」, copied from a mail's To or Cc), or with the address in
    round brackets (``Bob Smith (bob@x.test)``), reduced to its address;
    ``verb``: the first word is not part of it (``/cc add …``). Read as written, ``/cc
    add`` was refused as not one address and ``/assign`` named no member. Anything else
    (no address, two of them) is returned as it is."""
    head, rest = "", arg
    if verb:
        parts = arg.split(None, 1)
        if len(parts) < 2:
            return arg
        head, rest = f"{parts[0]} ", parts[1]
    mailbox = _MAILBOX.fullmatch(rest.strip()) or _NAMED_ADDRESS.fullmatch(rest.strip())
    return head + mailbox.group(1) if mailbox else arg
