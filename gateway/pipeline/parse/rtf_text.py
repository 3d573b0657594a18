"""The words of an RTF document (Outlook's rich-text body), never its formatting.

Read in one forward pass of tokens (:data:`_TOKEN`), each group's state (skipped or
not, the ``\\uc`` count, the font) kept on a stack, so any input costs time linear in
its size (``\\binN``'s N raw bytes skipped as data; groups nested past
:data:`MAX_DEPTH` read as the deepest one's, their closing braces balanced). A
destination that is not text (the font and colour tables, stylesheets, document info,
pictures, objects, anything behind ``\\*``) is skipped with its groups.
``\\'hh`` bytes are decoded together in the code page of the font in use
(``\\fcharset128`` is Shift_JIS: code page 932) or the document's ``\\ansicpgN``, so a
Japanese mail's two-byte characters come out whole; ``\\uN`` is Unicode (a surrogate pair
of them one character), its ``\\ucN`` stand-ins skipped. An RTF that Outlook made
from HTML (``\\fromhtml1``, MS-OXRTFEX) gives back that HTML (its ``\\*\\htmltag`` groups
and the text outside ``\\htmlrtf``), which the caller turns into text as any HTML
mail's, never rendering it.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, replace

__all__ = ["rtf_text"]

MAX_DEPTH = 500  # groups nested deeper are read as part of the group at this depth
MAX_TOKENS = 1_000_000  # tokens read (an Outlook mail's words: some thousands)
_TOKEN = re.compile(
    rb"\\([a-zA-Z]{1,32})(-?[0-9]{1,10})? ?"  # a control word, its number, its space
    rb"|((?:\\'[0-9a-fA-F]{2})+)|\\(.)|([{}])|([^\\{}\r\n]+)|[\r\n]+",  # \'hh runs as one
    re.S,
)
# destinations whose text is not the mail's words (RTF 1.9.1's, and Word's and Outlook's)
_SKIPPED = frozenset(
    {
        "fonttbl", "colortbl", "stylesheet", "info", "pict", "object", "header", "footer",
        "headerl", "headerr", "headerf", "footerl", "footerr", "footerf", "listtable",
        "listoverridetable", "rsidtbl", "generator", "xmlnstbl", "themedata",
        "colorschememapping", "latentstyles", "datastore", "fldinst", "revtbl", "pntext",
        "pntxta", "pntxtb", "filetbl", "mmathPr", "wgrffmtfilter", "objdata", "bkmkstart",
        "bkmkend", "field",
    }
)  # fmt: skip
_FIELD_RESULT = "fldrslt"  # a field's shown text (a link's words) is read, not skipped
_BREAKS = {"par": "\n", "line": "\n", "row": "\n", "sect": "\n\n", "page": "\n\n", "tab": "\t",
           "cell": "\t", "emdash": "—", "endash": "–", "bullet": "•", "lquote": "‘",
           "rquote": "’", "ldblquote": "“", "rdblquote": "”"}  # fmt: skip
_SYMBOLS = {b"\\": "\\", b"{": "{", b"}": "}", b"~": "\u00a0", b"_": "‑", b"-": ""}
# \fcharsetN (a font's character set) → its code page, for that font's \'hh bytes
_CHARSETS = {128: 932, 129: 949, 130: 1361, 134: 936, 136: 950, 161: 1253, 162: 1254,
             163: 1258, 177: 1255, 178: 1256, 186: 1257, 204: 1251, 222: 874,
             238: 1250}  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Group:
    skip: bool = False  # a destination that is no text (or, in HTML, RTF-only text)
    uc: int = 1  # characters standing in for each \uN
    font: int = -1
    in_fonttbl: bool = False
    htmltag: bool = False  # a \*\htmltag group: HTML of a \fromhtml1 document
    htmlrtf: bool = False  # inside \htmlrtf … \htmlrtf0: RTF-only, not the HTML's

    @property
    def silent(self) -> bool:
        """Nothing read here is the document's words."""
        return self.skip or (self.htmlrtf and not self.htmltag)


@dataclass
class _Reader:
    codepage: int = 1252
    fonts: dict[int, int] | None = None  # font number → code page
    html: bool = False  # \fromhtml1: the document is HTML encapsulated in RTF
    pending: bytearray | None = None  # \'hh bytes waiting to be decoded together
    skip_chars: int = 0  # stand-ins of a \uN still to skip
    font_defined: int = -1
    high: tuple[int, int] | None = None  # a \uN high surrogate: its place in out, its code


def rtf_text(rtf: bytes, default_codepage: int = 1252) -> tuple[str, bool]:
    """The text of ``rtf`` and whether it is HTML (a ``\\fromhtml1`` document's)."""
    reader = _Reader(codepage=default_codepage, fonts={})
    stack: list[_Group] = []
    group = _Group()
    out: list[str] = []
    first_in_group = False
    too_deep = 0  # groups opened past MAX_DEPTH: their "}" must not close a real one
    at = 0
    for _count in range(MAX_TOKENS):  # a real mail's words are read long before
        m = _TOKEN.search(rtf, at)
        if m is None:
            break
        at = m.end()
        word, number, hexa, symbol, brace, text = m.groups()
        if word == b"bin":  # \binN: N raw bytes of data (a picture's), never RTF
            at += min(max(int(number or 0), 0), len(rtf) - at)
            continue
        if brace is not None:
            _flush(reader, out, group)
            if brace == b"{":
                if len(stack) < MAX_DEPTH:
                    stack.append(group)
                    group = replace(group, htmltag=False)
                else:
                    too_deep += 1
                first_in_group = True
            elif too_deep:
                too_deep -= 1
                first_in_group = False
            else:
                group = stack.pop() if stack else _Group()
                first_in_group = False
            continue
        starts, first_in_group = first_in_group, False
        if hexa is not None:
            data = bytes.fromhex(hexa.replace(b"\\'", b"").decode("ascii"))
            cut = min(reader.skip_chars, len(data))  # a \uN's stand-ins
            reader.skip_chars -= cut
            if not group.skip and data[cut:]:
                reader.pending = reader.pending or bytearray()
                reader.pending += data[cut:]
            continue
        if word is None and symbol is None and text is None:
            continue  # a line end: no text in RTF
        if word is not None or symbol == b"*":
            _flush(reader, out, group)
            group = _control(word, number, symbol, starts, group, reader, out)
            first_in_group = symbol == b"*"  # the word after \* names the destination
            continue
        _flush(reader, out, group)
        piece = _SYMBOLS.get(symbol, "") if symbol is not None else None
        if piece is None:
            assert text is not None
            if reader.skip_chars:
                cut = min(reader.skip_chars, len(text))
                reader.skip_chars -= cut
                text = text[cut:]
            if group.in_fonttbl or group.skip or not text:
                continue
            piece = text.decode(_codec(_page(reader, group)), "replace")
        if not group.silent:
            out.append(piece)
    _flush(reader, out, group)
    return "".join(out), reader.html


def _control(
    word: bytes | None,
    number: bytes | None,
    symbol: bytes | None,
    starts: bool,
    group: _Group,
    reader: _Reader,
    out: list[str],
) -> _Group:
    """What one control word does to the reader and the group it is in."""
    if symbol == b"*":
        return group if group.htmltag else replace(group, skip=True) if starts else group
    name = (word or b"").decode("ascii")
    value = int(number) if number is not None else None  # at most 10 digits: cheap
    if starts and name in _SKIPPED:
        return replace(group, skip=True, in_fonttbl=name == "fonttbl" or group.in_fonttbl)
    if name == _FIELD_RESULT:
        return replace(group, skip=False)
    if name in ("htmltag", "mhtmltag") and reader.html:
        # the HTML's own markup (\*\htmltag); \mhtmltag repeats a tag with its link
        return replace(group, skip=name == "mhtmltag", htmltag=name == "htmltag")
    if name == "fromhtml" and value != 0:
        reader.html = True
    elif name == "htmlrtf":  # a group's, as any character property (MS-OXRTFEX)
        return replace(group, htmlrtf=value != 0)
    elif name == "ansicpg" and value is not None and value > 0:
        reader.codepage = value
    elif name == "uc" and value is not None and value >= 0:
        return replace(group, uc=min(value, 8))
    elif name == "u" and value is not None:
        if not group.silent:
            _add_unicode(value, reader, out)
        reader.skip_chars = group.uc
    elif name == "f" and value is not None:
        if group.in_fonttbl:
            reader.font_defined = value
        return replace(group, font=value)
    elif name == "fcharset" and value is not None and group.in_fonttbl and reader.fonts is not None:
        if value in _CHARSETS:
            reader.fonts[reader.font_defined] = _CHARSETS[value]
    elif name in _BREAKS and not group.silent:
        out.append(_BREAKS[name])
    return group


def _flush(reader: _Reader, out: list[str], group: _Group) -> None:
    """The \\'hh bytes read so far, decoded together (a two-byte character whole)."""
    if not reader.pending:
        return
    data, reader.pending = bytes(reader.pending), None
    if not group.silent:
        out.append(data.decode(_codec(_page(reader, group)), "replace"))


def _page(reader: _Reader, group: _Group) -> int:
    fonts = reader.fonts or {}
    return fonts.get(group.font, reader.codepage)


def _codec(codepage: int) -> str:
    name = "utf-8" if codepage == 65001 else f"cp{codepage}"
    try:
        codecs.lookup(name)
    except LookupError:
        return "cp1252"
    return name


def _add_unicode(value: int, reader: _Reader, out: list[str]) -> None:
    """\\uN's character; a character beyond U+FFFF is two of them, a UTF-16 surrogate
    pair (Word's 🙂, a name's 𠮷), joined when the low one follows the high one at
    once. A surrogate alone stays U+FFFD."""
    code = value + 65536 if value < 0 else value
    held, reader.high = reader.high, None
    if 0xDC00 <= code <= 0xDFFF and held is not None and held[0] == len(out) - 1:
        out[-1] = chr(0x10000 + ((held[1] - 0xD800) << 10) + (code - 0xDC00))
        return
    if 0xD800 <= code <= 0xDBFF:
        reader.high = (len(out), code)
    out.append(_unicode(value))


def _unicode(value: int) -> str:
    """\\uN's character: a signed 16-bit number in RTF (-10 is U+FFF6); U+FFFD for a
    surrogate alone or a number that is no character (-100000: chr() would raise)."""
    code = value + 65536 if value < 0 else value
    if 0xD800 <= code <= 0xDFFF or not 0 <= code <= 0x10FFFF:
        return "\ufffd"
    return chr(code)
