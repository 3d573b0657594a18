"""An attachment's name as its sender wrote it: RFC 2231, RFC 2047, and what older or
broken mailers write instead.

The standard library reads RFC 2231 (``filename*=utf-8''%E8…``, ``filename*0*=``…)
but not what real mail also carries: raw 8-bit bytes where percent escapes belong
(``filename*=UTF-8''見積書.xlsx``), a raw name split into ``filename*0=``/``filename*1=``
pieces, or no charset before the ``''``. It turns such bytes into U+FFFD, and the
characters are gone. Then the parameter is read again here from the header as it
arrived (its raw bytes still there, as surrogates), and a name without a charset is
read as a raw name is: in the part's charset, else the message's text charset.
"""

from __future__ import annotations

import re
from email.message import Message
from urllib.parse import unquote_to_bytes

from gateway.pipeline.parse.charsets import decode_bytes, decode_header_with_notes
from gateway.pipeline.parse.charsets.labels import classify_label
from gateway.pipeline.parse.headers import param_text
from gateway.pipeline.parse.params import parse_params

RawName = str | tuple[str, str, str]  # a plain value, or RFC 2231's (charset, language, value)

_SECTION = re.compile(r"(filename|name)(?:\*([0-9]{1,3}))?(\*)?")  # name, name*, name*0, name*0*
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_QUOTED_PAIR = re.compile(r"\\(.)", re.S)


def raw_filename(part: Message) -> RawName | None:
    """The name in Content-Disposition's ``filename``, else Content-Type's ``name``,
    not yet decoded."""
    header, key = "content-disposition", "filename"
    value = part.get_param(key, None, header)
    if not value:
        header, key = "content-type", "name"
        value = part.get_param(key, None, header)
    text = value[2] if isinstance(value, tuple) else value
    if isinstance(text, str) and "\ufffd" in text:  # raw 8-bit bytes, lost by get_param
        value = _as_arrived(part, header, key) or value
    elif _starred(part, header, key):
        # RFC 2231 sections: joined before their %XX are read (the stdlib reads each
        # alone), and taken over a plain ``filename=`` beside them (an ASCII fallback
        # for old readers, RFC 6266 4.3: the stdlib gave whichever came first)
        value = _as_arrived(part, header, key, sections=1) or value
    if isinstance(value, tuple):
        return (str(value[0] or ""), str(value[1] or ""), str(value[2] or ""))
    return value if isinstance(value, str) and value else None


def decoded_filename(part: Message, message_hint: str | None) -> tuple[str, list[str]]:
    """Decode RFC 2231 and RFC 2047 names, including raw 8-bit ones: those (and RFC
    2231 values without a charset) are read in the part's charset, else the message's
    text charset (a client that writes ISO-2022-JP text writes a raw name in its
    Windows code page, CP932): a name of kanji alone (見積書.xlsx) has no kana for the
    sniffing to know it by. Never raises: a name it cannot read costs the name only."""
    try:
        return _decoded(part, message_hint)
    except Exception as exc:  # noqa: BLE001 - never the message's text for its name
        return "", [f"could not read the name ({type(exc).__name__})"]


def _decoded(part: Message, message_hint: str | None) -> tuple[str, list[str]]:
    raw = raw_filename(part)
    if raw is None:
        return "", []
    hint = param_text(part.get_param("charset")) or message_hint
    if classify_label(hint)[0] == "jis":
        hint = "cp932"
    if isinstance(raw, tuple):
        charset, _lang, value = raw
        data = value.encode("latin-1", "surrogateescape")
        if not charset:
            return decode_header_with_notes(data, hint)
        text, notes = decode_bytes(data, charset)
        if "=?" in text:
            text, more = decode_header_with_notes(text)
            notes += more
        return _single_line(text), notes
    return decode_header_with_notes(raw, hint)


def _starred(part: Message, header: str, key: str) -> bool:
    """Whether ``header`` as it arrived may hold RFC 2231 sections of ``key`` (``key*``
    somewhere in it): a cheap look before the header is read again."""
    marker = f"{key}*"
    return any(
        name.lower() == header and isinstance(value, str) and marker in value.lower()
        for name, value in part.raw_items()
    )


def _as_arrived(part: Message, header: str, key: str, sections: int = 0) -> RawName | None:
    """``key``'s value read from the header as it arrived, its raw 8-bit bytes still
    surrogates: ``key="…"``, or its RFC 2231 sections joined in order (the escaped
    ones unescaped after the join, raw bytes kept as they are). None when it has
    fewer than ``sections`` sections (then the stdlib's reading stands)."""
    for name, value in part.raw_items():
        if name.lower() == header and isinstance(value, str):
            return _joined(parse_params(_FOLD.sub("", value))[1:], key, sections)
    return None


def _joined(pieces: list[str], key: str, least: int = 0) -> RawName | None:
    plain: str | None = None
    sections: dict[int, tuple[bool, str]] = {}
    for piece in pieces:
        attr, equals, value = piece.partition("=")
        found = _SECTION.fullmatch(attr)
        if not equals or found is None or found[1] != key:
            continue
        if found[2] is None and found[3] is None:
            plain = _unquoted(value) if plain is None else plain
        else:
            sections.setdefault(int(found[2] or 0), (found[3] is not None, _unquoted(value)))
    if len(sections) < least:
        return None
    if not sections:
        return plain
    if not any(escaped for escaped, _ in sections.values()):
        return "".join(value for _, (_, value) in sorted(sections.items()))
    return _unescaped(sorted(sections.items()))


def _unescaped(sections: list[tuple[int, tuple[bool, str]]]) -> tuple[str, str, str]:
    """RFC 2231 4.1: the sections are one value, cut anywhere: a run of escaped ones
    is joined before its ``%XX`` are read (a mailer cut ``%E6%9`` | ``7%A5``, or
    between the escapes of one character), an unescaped one is its text as it is."""
    charset = language = ""
    data = bytearray()
    run = bytearray()  # the escaped text of consecutive ``*`` sections, not yet read
    for number, (escaped, value) in sections:
        if escaped and number == sections[0][0] and value.count("'") >= 2:
            charset, language, value = value.split("'", 2)
        octets = value.encode("utf-8", "surrogateescape")
        if escaped:
            run += octets
            continue
        data += unquote_to_bytes(bytes(run)) + octets
        run.clear()
    data += unquote_to_bytes(bytes(run))
    return charset, language, data.decode("latin-1")


def _unquoted(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return _QUOTED_PAIR.sub(r"\1", value[1:-1])
    return value


def _single_line(text: str) -> str:
    return re.sub("[\x00-\x1f\x7f]+", " ", text).strip()
