"""Where a link in HTML mail goes, said in its text: "the form (https://…)".

An HTML-only mail's words "the form" or 「こちら」 say nothing once the markup is
gone, and the text a ticket keeps (and a member's plain-text client shows) is all a
reader has: so :mod:`.html_text` writes a link's target after its words. Only a
place a reader can go is written (:data:`_SHOWN`): a ``javascript:`` or ``data:``
target is code, not a place, and a relative one is relative to nothing the reader
has. A ``mailto:`` link shows the address it writes to. Words that already say the
target (a linked address, a site's name as its link, Outlook's linked URL) are not
followed by a copy of it. A target is written as one word: white space and
invisible characters in it are percent-encoded, as a browser would send them.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from collections.abc import Callable
from urllib.parse import unquote

from gateway.core.domains import BadDomain, readable_address, unicode_domain

__all__ = ["after_link", "link_target"]

# What a browser ignores in a URL before it reads the scheme (WHATWG URL: C0 controls
# and spaces at the ends, tabs and line breaks anywhere): "java\tscript:" is javascript.
_ENDS = "".join(map(chr, range(0x21)))
_TAB_OR_NEWLINE = re.compile("[\t\n\r]")
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*):")
_WEB = re.compile(r"(?:https?|ftp)://", re.I)
# Characters that would break the target into words or hide part of it from the reader:
# spaces and controls of every kind, format characters (bidi overrides, zero widths).
_INVISIBLE = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp", "Cs", "Co", "Cn"})


def _one_word(url: str) -> str:
    """``url`` with each character a reader could not see or that would split it
    percent-encoded (as UTF-8 bytes); one pass."""
    if url.isascii() and url.isprintable() and " " not in url:
        return url
    return "".join(
        "".join(f"%{b:02X}" for b in c.encode("utf-8", "surrogatepass"))
        if unicodedata.category(c) in _INVISIBLE
        else c
        for c in url
    )


def _web(rest: str) -> str | None:
    """A web page (or file server) is shown as written, if it names a place at all."""
    return rest if rest.strip("/") else None


def _mailto(rest: str) -> str | None:
    """The addresses a ``mailto:`` link writes to, as people read them (without the
    subject or body it may carry)."""
    addresses = unquote(rest.partition("?")[0]).split(",")
    shown = [readable_address(a.strip()) for a in addresses if "@" in a]
    return ", ".join(shown) or None


# The schemes whose targets are written after a link's words, one row each; any other
# (javascript:, vbscript:, data:, file:, cid:, about:, a relative link) is not.
_SHOWN: dict[str, tuple[Callable[[str], str | None], bool]] = {
    # (how the target is shown, whether the scheme is part of what is shown)
    "http": (_web, True),  # a web page
    "https": (_web, True),  # a web page
    "ftp": (_web, True),  # a file server an old intranet page still links to
    "mailto": (_mailto, False),  # the address it writes to, not "mailto:"
}


def link_target(href: str) -> str | None:
    """What a link to ``href`` (entities already resolved) is shown as in text, or
    ``None`` for a target that is no place a reader can go."""
    url = _TAB_OR_NEWLINE.sub("", href.strip(_ENDS))
    scheme = _SCHEME.match(url)
    if scheme is None:
        return None
    row = _SHOWN.get(scheme.group(1).lower())
    if row is None:
        return None
    show, with_scheme = row
    shown = show(url[scheme.end() :])
    if shown is None:
        return None
    return _one_word(url if with_scheme else shown)


def after_link(words: str, target: str | None) -> str:
    """What follows a link's ``words`` in text: `` (target)``, the target alone for a
    link without words (a linked picture), or nothing when there is no target to show
    or the words already say it."""
    if target is None:
        return ""
    if not words.strip():
        return " " + target
    if _key(target) in " ".join(unquote(words).casefold().split()):
        return ""
    return f" ({target})"


def _key(target: str) -> str:
    """The part of ``target`` words must hold to say it: without the scheme, a final
    slash and percent-encoding, the host as people read it, in any case."""
    scheme = _WEB.match(target)
    rest = target[scheme.end() :] if scheme else target
    host, slash, path = rest.partition("/")
    if "xn--" in host.lower():
        with contextlib.suppress(BadDomain, ValueError):  # shown as written
            host = unicode_domain(host)
    return " ".join(unquote(f"{host}{slash}{path}".rstrip("/")).casefold().split())
