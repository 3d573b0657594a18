"""The text a ticket shows: clean lines, format=flowed undone, HTML as a last resort.

Plain-text parts are preferred; their line ends are normalised and control
characters dropped, and RFC 3676 soft line breaks are joined again so quotes
and paragraphs read as the sender wrote them. Only a message without any
plain text falls back to its HTML, converted by :mod:`.html_text` (never rendered).
A plain part of nothing but invisible characters (white space, a zero-width space)
is no plain text, and neither is one that only points at the HTML beside it ("To
view this message, please use an HTML compatible email viewer."): the ticket showed
nothing, or that line as the customer's request. Nor is one that holds only a
signature (a ``-- `` line and a name, a company, a phone under it; a Japanese rule of
―― over the same) beside an HTML part with the words: the ticket showed the signature.
"""

from __future__ import annotations

import re

from gateway.pipeline.command_syntax import WRAP, bare, columns, read_command
from gateway.pipeline.parse.html_text import html_to_text
from gateway.pipeline.parse.quotes import is_signature_line, without_signature
from gateway.pipeline.parse.signatures import only_framed, only_signature

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# a character a reader sees: not white space, not a format character (soft hyphen,
# zero-width space and joiners, direction marks, word joiner, byte-order mark)
_VISIBLE = re.compile("[^\\s\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
# Policy: a plain part this long or longer is the writer's, whatever it says about HTML
_PLACEHOLDER_MAX = 300
_SENTENCES = re.compile(r"[.!。！]+\s*")
# Policy: the sentences of a plain part that only points at its HTML part, one row
# each (all of its sentences must be such; matched on a short text: _PLACEHOLDER_MAX)
_PLACEHOLDERS = tuple(
    re.compile(p, re.I)
    for p in (
        # "Please use an HTML compatible email viewer", "Your email client does not
        # support HTML messages", "… requires an HTML-compatible email client"
        r"(?=.*\bhtml)(?=.*\b(?:view|read|display|support|require|use|open))"
        r"(?=.*\b(?:viewer|client|program|reader|software|browser|mailer|application))",
        # "This is an HTML message", "This message is in HTML format"
        r"^this\b(?=.*\bhtml\b)(?=.*\b(?:format|message|e-?mail|mail)\b)",
        # 「HTMLメールを表示できるメールソフトでご覧ください」「このメールはHTML形式です」
        r"(?=.*HTML)(?=.*(?:ご覧|表示|閲覧|対応|形式))",
    )
)


def body_text(plain: list[str], html: list[str]) -> str:
    """The plain parts joined; without any (or only one pointing at the HTML part), the
    HTML parts as text ("" for HTML of invisible characters only)."""
    texts = [t for t in plain if not _invisible(t)]
    if texts and html and (_points_at_html(texts) or _signature_only(texts)):
        shown = "\n".join(html_to_text(h) for h in html).strip("\n")
        if not _invisible(shown):
            return shown
    if texts:
        return "\n".join(t.rstrip("\n") for t in texts).strip("\n")
    if html:
        shown = "\n".join(html_to_text(h) for h in html).strip("\n")
        return "" if _invisible(shown) else shown  # "&#8203;": no words
    return ""


def _invisible(text: str) -> bool:
    """Nothing a reader sees: white space and format characters (a zero-width space,
    a joiner, a byte-order mark). One scan in C: a body of a million of them too."""
    return _VISIBLE.search(text) is None


def _points_at_html(texts: list[str]) -> bool:
    """The plain part only says to read the HTML one ("… use an HTML compatible email
    viewer."): every sentence of it is a row of :data:`_PLACEHOLDERS`."""
    if sum(len(t) for t in texts) >= 4 * _PLACEHOLDER_MAX:  # long before white space goes
        return False
    text = " ".join(" ".join(texts).split())
    if len(text) >= _PLACEHOLDER_MAX:
        return False
    sentences = [x for x in _SENTENCES.split(text) if x.strip()]
    return bool(sentences) and all(any(p.search(x) for p in _PLACEHOLDERS) for x in sentences)


# Policy: a plain part this long or longer is the writer's words, whatever its lines are
# (a signature is a few short lines: signatures._MAX_LINES of signatures._MAX_LINE)
_SIGNATURE_MAX = 2000


def _signature_only(texts: list[str]) -> bool:
    """The plain part holds a signature and nothing above it: nothing before its ``-- ``
    line, or only lines :func:`.signatures.only_signature` reads as a signature block
    (under a rule such as ――――, which it reads as a blank line), or a name and a
    company between two rules (:func:`.signatures.only_framed`)."""
    text = "\n".join(texts)
    if len(text) >= _SIGNATURE_MAX:
        return False
    return _invisible(without_signature(text)) or only_signature(text) or only_framed(text)


def tidy_text(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


# Outlook's plain text stands a picture of the HTML (a pasted screenshot, a signature's
# logo) as [cid:image001.png@01DA4B2C.3D5E6F70]: its Content-ID, the picture's file name
# before the @. Bounded lengths: linear however the text is made.
_PICTURE_MARK = re.compile(r"\[cid:([^\]\s@/\\]{1,200}\.[A-Za-z0-9]{1,10})@[^\]\s]{1,200}\]")


def named_pictures(text: str) -> str:
    """``text`` with each of Outlook's picture marks as the name the picture is listed
    under, ``[image001.png]``: where the picture was, in the words of the ticket's file
    list, not a code (which a member's answer carried to the requester)."""
    return _PICTURE_MARK.sub(r"[\1]", text) if "[cid:" in text else text


def unflow(text: str, delsp: bool) -> str:
    """Undo RFC 3676 format=flowed soft line breaks so quotes and paragraphs read right.

    An empty line and the signature line ``-- `` end a paragraph (RFC 3676 4.2, 4.3):
    joined, two paragraphs became one and ``/pending `` over a blank line took the
    writer's first words as its argument. A soft break after (or before) a command line
    that fits with the next line's first word in :data:`.command_syntax.WRAP` columns was
    not made by a client, which breaks only a line too long: its writer ended the line
    and a space was left at its end (a phone's keyboard puts one after a completed word).
    Joined, ``/pending`` took the words under it as its argument and was refused, and
    they were never sent; so such a line stays a line. A long ``/note`` is still joined.
    """
    out: list[str] = []
    pending: tuple[int, str] | None = None
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        if content.startswith(" "):
            content = content[1:]
        if pending is not None and _paragraph_ends(pending, depth, content):
            out.append(_render_flowed(*pending))
            pending = None
        flowed = content.endswith(" ") and not is_signature_line(content)  # its own end
        if pending is not None:
            content = pending[1] + content
            pending = None
        if flowed:
            pending = (depth, content[:-1] if delsp else content)
        else:
            out.append(_render_flowed(depth, content))
    if pending is not None:
        out.append(_render_flowed(*pending))
    return "\n".join(out)


def _paragraph_ends(pending: tuple[int, str], depth: int, content: str) -> bool:
    """Whether the flowed line ``pending`` ends its paragraph before ``content``: another
    quote depth, an empty line, the signature line, or a command line ended by its
    writer (see :func:`unflow`)."""
    if pending[0] != depth or not content or is_signature_line(content):
        return True
    if depth or len(pending[1]) > WRAP:  # a long line (a paragraph so far): a client's break
        return False
    above, below = bare(pending[1]), bare(content)
    if not below or (read_command(above) is None and read_command(below) is None):
        return False
    return columns(above) + 1 + columns(below.split()[0]) <= WRAP


def _render_flowed(depth: int, content: str) -> str:
    return f"{'>' * depth} {content}" if depth else content
