"""What an HTML element's attributes say it is, for :mod:`.html_text`: quoted history
(a ``<blockquote>``, Gmail's ``gmail_quote``), a separator after which the rest is the
old mail (Outlook's ``divRplyFwdMsg``), the writer's indent, text an inline style hides
or keeps the line breaks of, and a signature the client marks (``gmail_signature``).
Split from that module; each test a few dictionary lookups and one linear pattern.
"""

from __future__ import annotations

import re

__all__ = ["hides", "is_quote", "is_separator", "is_signature", "keeps_lines"]

# Containers whose content is quoted history (the element itself).
_QUOTE_CLASSES = frozenset(
    {"gmail_quote", "moz-cite-prefix", "yahoo_quoted", "protonmail_quote", "zmail_extra"}
)
# Separators after which the rest of the enclosing element is quoted history (Outlook).
_SEPARATOR_IDS = frozenset({"divrplyfwdmsg", "outlookmessageheader"})

# Signatures a client marks in its markup, one row each (the id or class, lower case):
# the block starts with the signature line, as the plain part of such a mail does.
_SIGNATURE_IDS = frozenset(
    {
        "signature",  # Outlook on the web and the new Outlook: <div id="Signature">
        "applemailsignature",  # Apple Mail on iOS
    }
)
_SIGNATURE_CLASSES = frozenset(
    {
        "gmail_signature",  # Gmail
        "moz-signature",  # Thunderbird (its "-- " line is in the text already)
        "applemailsignature",
    }
)


def is_signature(attrs: dict[str, str]) -> bool:
    """The element is the writer's signature, as their mail client marked it."""
    if not attrs:
        return False
    if attrs.get("id", "").lower() in _SIGNATURE_IDS:
        return True
    return not _SIGNATURE_CLASSES.isdisjoint(attrs.get("class", "").lower().split())


# Inline styles that hide an element and all it holds, one row per way of hiding.
_HIDING = re.compile(
    r"(?:^|;)\s*(?:"
    r"display\s*:\s*none"  # the preheader's usual way
    r"|visibility\s*:\s*hidden"  # hidden, its space kept
    r"|mso-hide\s*:\s*all"  # Outlook's own, beside the above for other clients
    r")\s*(?:!\s*important\s*)?(?:;|$)",
    re.IGNORECASE,
)


def hides(attrs: dict[str, str]) -> bool:
    """The element's inline style hides it from the reader."""
    style = attrs.get("style") if attrs else None
    return style is not None and _HIDING.search(style) is not None


def is_quote(tag: str, attrs: dict[str, str]) -> bool:
    if not attrs:
        return tag == "blockquote"
    if attrs.get("type", "").lower() == "cite":
        return True
    if not _QUOTE_CLASSES.isdisjoint(attrs.get("class", "").lower().split()):
        return True
    return tag == "blockquote" and not _is_indent(attrs)


def _is_indent(attrs: dict[str, str]) -> bool:
    """Gmail's and Apple Mail's "Indent" (``<blockquote style="margin:0 0 0 40px;
    border:none;padding:0px">``, no quote class or ``type="cite"``): the writer's own
    lines moved right, drawn without the bar a quote has. Taken for a quote, they were
    neither relayed nor read."""
    style = attrs.get("style", "").lower()
    return _NO_BORDER.search(style) is not None and _LEFT_MARGIN.search(style) is not None


_NO_BORDER = re.compile(r"(?:^|;)\s*border\s*:\s*none\b")
# "margin:0 0 0 40px" (Gmail, Apple Mail) or "margin-left:40px": a margin on the left only
_LEFT_MARGIN = re.compile(
    r"(?:^|;)\s*(?:margin\s*:\s*0(?:px)?\s+0(?:px)?\s+0(?:px)?\s+|margin-left\s*:\s*)[1-9]"
)


# CSS that keeps the text's line breaks, as <pre> does: a webmail's or a mail merge's
# plain text in HTML, whose commands stand on lines of their own
_KEEPS_LINES = re.compile(
    r"white-space\s*:\s*(?:pre|pre-wrap|pre-line|break-spaces)\b|"
    r"white-space-collapse\s*:\s*(?:preserve|preserve-breaks|break-spaces)\b",
    re.IGNORECASE,
)


def keeps_lines(attrs: dict[str, str]) -> bool:
    """The element's style keeps line breaks (``white-space: pre-wrap`` and its kin)."""
    style = attrs.get("style") if attrs else None
    return style is not None and _KEEPS_LINES.search(style) is not None


def is_separator(tag: str, attrs: dict[str, str]) -> bool:
    if not attrs:
        return False
    if attrs.get("id", "").lower() in _SEPARATOR_IDS:
        return True
    if "outlookmessageheader" in attrs.get("class", "").lower().split():
        return True
    style = "".join(attrs.get("style", "").lower().split())
    return tag == "div" and "border-top:solid" in style
