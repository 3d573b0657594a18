"""Decode text the way Japanese (and other real-world) mail actually arrives.

The stdlib codecs are strict about labels that senders use loosely: phones send
CP932 under ``Shift_JIS``, Windows and iPhones put NEC/IBM extension characters
(①, ㈱, Ⅲ) into ``ISO-2022-JP`` that the ``iso2022_jp`` codec rejects, and plenty
of headers carry raw 8-bit bytes with no label at all.  Everything here is a
pure function that never raises: a result that is slightly wrong plus a defect
note beats a bounced ticket.
"""

from __future__ import annotations

import binascii
import codecs
import quopri
import re

__all__ = ["decode_bytes", "decode_header_value", "decode_header_with_notes"]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Labels that mean "this is Shift_JIS as Windows/phones write it".
_CP932_LABELS = _words(
    "shift_jis shift-jis sjis x-sjis s-jis s_jis shiftjis x-shift-jis x-shift_jis "
    "ms_kanji csshiftjis cswindows31j windows-31j cp932 ms932 x-ms-cp932 ibm-943 ms-kanji "
    "shift_jisx0213 shift_jis-2004 sjis-open sjis-win shift_jis-docomo shift_jis-kddi "
    "shift_jis-softbank x-sjis-docomo x-sjis-kddi x-sjis-softbank x-sjis-jphone"
)
_JIS_LABELS = _words(
    "iso-2022-jp iso2022-jp iso_2022_jp iso2022jp csiso2022jp iso-2022-jp-1 iso-2022-jp-2 "
    "iso-2022-jp-3 iso-2022-jp-2004 iso-2022-jp-ext iso-2022-jp-ms cp50220 cp50221 "
    "cp50222 x-cp50220 x-cp50221 x-cp50222 jis x-jis jis7 iso-2022-jp-kddi "
    "iso-2022-jp-mobile iso-2022-jp-softbank csiso2022jp2"
)
_EUC_LABELS = _words(
    "euc-jp euc_jp eucjp x-euc-jp x-euc ujis cseucpkdfmtjapanese cp51932 euc-jp-ms "
    "eucjp-ms eucjp-win euc-jis-2004 euc-jisx0213"
)
# Labels Python does not know, or knows as something narrower than what is sent.
_ALIASES = {
    "utf8": "utf-8",
    "unicode-1-1-utf-7": "utf-7",
    "x-unicode20utf8": "utf-8",
    "iso-8859-8-i": "iso-8859-8",
    "iso-8859-6-i": "iso-8859-6",
    "iso-8859-8-e": "iso-8859-8",
    "iso-8859-6-e": "iso-8859-6",
    "logical": "iso-8859-8",
    "visual": "iso-8859-8",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "csgb2312": "gb18030",
    "euc-cn": "gb18030",
    "x-euc-cn": "gb18030",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "ks_c_5601-1989": "cp949",
    "euc-kr": "cp949",
    "x-windows-949": "cp949",
    "big5": "big5hkscs",
    "x-big5": "big5hkscs",
    "windows-874": "cp874",
    "tis-620": "cp874",
    "iso-8859-11": "cp874",
    "x-mac-roman": "mac-roman",
    "macintosh": "mac-roman",
    "x-mac-cyrillic": "mac-cyrillic",
    "koi8-ru": "koi8-u",
    # WHATWG: what arrives labelled Latin-1 or ASCII is really windows-1252.
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "iso_8859-1": "cp1252",
    "iso-ir-100": "cp1252",
    "windows-1252": "cp1252",
    "us-ascii": "ascii",
    "ascii": "ascii",
    "ansi_x3.4-1968": "ascii",
    "iso646-us": "ascii",
    "us": "ascii",
    "7bit": "ascii",
}
# Labels that carry no information: sniff exactly as if no label were given.
_EMPTY_LABELS = _words(
    "unknown unknown-8bit x-unknown x-user-defined default 8bit binary charset none "
    "us-ascii? _autodetect _autodetect_all auto autodetect"
) | {""}

_JIS_ESCAPE = re.compile(rb"\x1b(?:\$[@B]|\$\([@BDOPQ]|\([BJIH]|&@)|\x0e[\x21-\x5f]+\x0f")
_ANY_ESCAPE = re.compile(rb"(\x1b[\x20-\x2f]*[\x30-\x7e]?|[\x0e\x0f])")
_NEWLINES = re.compile(rb"([\r\n]+)")
_TO_HIGH = bytes.maketrans(bytes(range(0x21, 0x7F)), bytes(range(0xA1, 0xFF)))
_KANA_RE = re.compile("[\u3041-\u30ff]")
_CJK_RE = re.compile("[\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff\uff01-\uff60]")

_ASCII, _JIS0208, _KANA, _JIS0212, _JIS0213_1, _JIS0213_2, _UNSUPPORTED = range(7)
_ESCAPE_MODES = {
    b"\x1b(B": _ASCII,
    b"\x1b(J": _ASCII,
    b"\x1b(H": _ASCII,
    b"\x1b(I": _KANA,
    b"\x1b$@": _JIS0208,
    b"\x1b$B": _JIS0208,
    b"\x1b$(@": _JIS0208,
    b"\x1b$(B": _JIS0208,
    b"\x1b$(D": _JIS0212,
    b"\x1b$(O": _JIS0213_1,
    b"\x1b$(Q": _JIS0213_1,
    b"\x1b$(P": _JIS0213_2,
}

Decoded = tuple[str, list[str]]


def decode_bytes(data: bytes, label: str | None) -> Decoded:
    """Turn body or header bytes into text, reporting every guess it had to make.

    The label is treated as a hint, not a contract: ISO-2022-JP escapes win over
    any label (they are unambiguous), and a label that fails strictly falls back
    to sniffing rather than to a pile of replacement characters.
    """
    try:
        return _decode_bytes(data, label)
    except Exception as exc:  # noqa: BLE001 - some exotic codec misbehaved; never raise
        note = f"charset: decoding with {label!r} failed ({type(exc).__name__})"
        return _scrub(_decode_cp1252(bytes(data))), [note]


def _decode_bytes(data: bytes, label: str | None) -> Decoded:
    if not data:
        return "", []
    family, codec = _classify_label(label)
    if family != "other-iso2022" and _JIS_ESCAPE.search(data):
        text, notes = _decode_jis(data)
        if family not in ("jis", "none", "ascii"):
            notes.insert(0, f"charset: labelled {label!r} but has ISO-2022-JP escapes")
        return _scrub(text), notes
    if family == "none":
        text, notes = _sniff(data)
    elif family == "unknown":
        text, used, notes = _sniff_named(data)
        notes.insert(0, f"charset: unknown label {label!r}, decoded as {used}")
    else:
        text, notes = _decode_family(data, family, codec, label)
    return _scrub(text), notes


def _classify_label(label: str | None) -> tuple[str, str]:
    """Map a sender's label onto one of our decoding strategies."""
    norm = _normalise_label(label)
    if norm in _EMPTY_LABELS:
        return "none", ""
    if norm in _CP932_LABELS:
        return "cp932", "cp932"
    if norm in _JIS_LABELS:
        return "jis", "iso2022_jp"
    if norm in _EUC_LABELS:
        return "euc", "euc_jp"
    codec = _ALIASES.get(norm, norm)
    if codec == "ascii":
        return "ascii", "ascii"
    try:
        info = codecs.lookup(codec)
    except (LookupError, ValueError):
        return "unknown", ""
    if not getattr(info, "_is_text_encoding", True):
        return "unknown", ""
    if info.name.startswith("iso2022_jp"):
        return "jis", info.name
    if info.name.startswith("iso2022"):
        return "other-iso2022", info.name
    if info.name in ("utf-8", "utf-8-sig"):
        return "utf-8", "utf-8"
    return "other", info.name


def _normalise_label(label: str | None) -> str:
    if label is None:
        return ""
    norm = label.strip().strip("\"'").strip().lower()
    return norm.split("*", 1)[0]  # RFC 2231 language suffix: iso-2022-jp*ja


def _decode_family(data: bytes, family: str, codec: str, label: str | None) -> Decoded:
    if family == "jis":
        if data.isascii():
            return data.decode("ascii"), []
        text, used, _ = _sniff_named(data)
        return text, [f"charset: labelled {label!r} but has 8-bit bytes, decoded as {used}"]
    if family == "cp932":
        return _decode_cp932(data, label)
    if family == "euc":
        return _decode_euc(data)
    if family == "utf-8":
        return _decode_utf8(data, label)
    if family == "ascii":
        if data.isascii():
            return data.decode("ascii"), []
        text, used, _ = _sniff_named(data)
        return text, [f"charset: labelled {label!r} but has 8-bit bytes, decoded as {used}"]
    return _decode_other(data, codec, label)


def _decode_cp932(data: bytes, label: str | None) -> Decoded:
    """Shift_JIS as actually sent is CP932; only if that fails do we look further."""
    for codec in ("cp932", "utf-8", "shift_jis_2004"):
        text = _strict(data, codec)
        if text is not None:
            note = [] if codec == "cp932" else [f"charset: {label!r} decoded as {codec}"]
            return text, note
    return data.decode("cp932", "replace"), [_replaced(label)]


def _decode_utf8(data: bytes, label: str | None) -> Decoded:
    """UTF-8 that is not UTF-8 at all is mislabelled; partly broken UTF-8 is not."""
    text = _strict(data, "utf-8-sig")
    if text is not None:
        return text, []
    lossy = data.decode("utf-8", "replace")
    bad = lossy.count("\ufffd")
    good = sum(1 for ch in lossy if ord(ch) > 0x7F) - bad
    japanese = None if _mostly_utf8(data) is not None else _guess_japanese(data)
    if japanese is None and good >= bad:
        return lossy, [_replaced(label)]
    if japanese is not None:
        text, used = japanese
    else:
        text, used, _ = _sniff_named(data)
    return text, [f"charset: labelled {label!r} but is not UTF-8, decoded as {used}"]


def _decode_other(data: bytes, codec: str, label: str | None) -> Decoded:
    if codec == "cp1252":
        return _decode_cp1252(data), []
    text = _strict(data, codec)
    if text is not None:
        return text, []
    utf8 = _strict(data, "utf-8")
    if utf8 is not None:
        return utf8, [f"charset: {label!r} failed, decoded as utf-8"]
    try:
        return data.decode(codec, "replace"), [_replaced(label)]
    except (LookupError, UnicodeError, ValueError):  # pragma: no cover - defensive
        text, used, _ = _sniff_named(data)
        return text, [f"charset: {label!r} unusable, decoded as {used}"]


def _replaced(label: str | None) -> str:
    return f"charset: undecodable bytes replaced (label {label!r})"


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeError, LookupError, ValueError):
        return None


def _decode_cp1252(data: bytes) -> str:
    """cp1252 leaves five bytes undefined; map those as Latin-1 instead of failing."""
    return data.decode("cp1252", "_latin1_fallback")


def _latin1_fallback(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    chunk = exc.object[exc.start : exc.end]
    return bytes(chunk).decode("latin-1"), exc.end


codecs.register_error("_latin1_fallback", _latin1_fallback)


def _sniff(data: bytes) -> Decoded:
    """No label: say nothing when the guess is safe, note it when it is lossy."""
    text, used, notes = _sniff_named(data)
    if used in ("ascii", "utf-8", "iso-2022-jp"):
        return text, notes
    return text, [f"charset: no label, guessed {used}", *notes]


def _sniff_named(data: bytes, hint: str | None = None) -> tuple[str, str, list[str]]:
    """Guess an encoding for unlabelled bytes; returns (text, codec used, notes)."""
    if _JIS_ESCAPE.search(data):
        text, notes = _decode_jis(data)
        return text, "iso-2022-jp", notes
    if data.isascii():
        return data.decode("ascii"), "ascii", []
    utf8 = _strict(data, "utf-8-sig")
    if utf8 is not None:
        return utf8, "utf-8", []
    if hint:
        family, codec = _classify_label(hint)
        if family not in ("none", "unknown", "utf-8", "ascii"):
            decoded, notes = _decode_family(data, family, codec, hint)
            if not notes:
                return decoded, codec, []
    lossy = _mostly_utf8(data)
    if lossy is not None:
        return lossy, "utf-8", ["charset: undecodable bytes replaced (mostly UTF-8)"]
    japanese = _guess_japanese(data)
    if japanese is not None:
        return japanese[0], japanese[1], []
    chinese = _strict(data, "gb2312")  # EUC-CN proper: both bytes >= 0xA1
    if chinese is not None and _all_cjk(chinese):
        return chinese, "gb2312", []
    return _decode_cp1252(data), "cp1252", []


def _mostly_utf8(data: bytes) -> str | None:
    """UTF-8 with a truncated tail or a stray byte is still UTF-8, not Latin-1."""
    text = data.decode("utf-8", "replace")
    bad = text.count("\ufffd")
    good = sum(1 for ch in text if ord(ch) > 0x7F and ch != "\ufffd")
    if good >= 4 and bad * 10 <= good:
        return text
    return None


def _guess_japanese(data: bytes) -> tuple[str, str] | None:
    """Pick CP932 or EUC-JP only when the result reads like Japanese (has kana)."""
    best: tuple[int, str, str] | None = None
    for codec in ("cp932", "euc_jp"):
        if codec == "euc_jp":
            text, notes = _decode_euc(data)
            if notes:
                continue
        else:
            decoded = _strict(data, codec)
            if decoded is None:
                continue
            text = decoded
        kana = len(_KANA_RE.findall(text))
        if kana == 0:
            continue
        score = kana + len(_CJK_RE.findall(text))
        if best is None or score > best[0]:
            best = (score, text, codec)
    return None if best is None else (best[1], best[2])


def _all_cjk(text: str) -> bool:
    wide = [ch for ch in text if ord(ch) > 0x7F]
    return len(wide) >= 2 and all(_CJK_RE.match(ch) for ch in wide)


def _scrub(text: str) -> str:
    """Escape sequences and NULs must never reach a ticket, whatever decoded them."""
    if "\x1b" in text or "\x00" in text or "\x0e" in text or "\x0f" in text:
        text = re.sub("[\x00\x0e\x0f]|\x1b[\x20-\x2f]*[\x30-\x7e]?", "", text)
    return text


# --- ISO-2022-JP -----------------------------------------------------------------


def _decode_jis(data: bytes) -> Decoded:
    """Decode ISO-2022-JP and its vendor supersets (CP5022x, JP-1/2/3).

    Each JIS X 0208 run is decoded with the standard mapping when it can be and
    through CP932 otherwise, so NEC row 13 and IBM extension characters survive.
    """
    out: list[str] = []
    notes: list[str] = []
    mode = _ASCII
    for chunk in _ANY_ESCAPE.split(data):
        if not chunk:
            continue
        if chunk[:1] == b"\x1b" or chunk in (b"\x0e", b"\x0f"):
            mode = _switch_mode(chunk, mode, notes)
            continue
        out.append(_decode_jis_run(chunk, mode, notes))
    return "".join(out), _dedupe(notes)


def _switch_mode(escape: bytes, mode: int, notes: list[str]) -> int:
    if escape == b"\x0e":
        return _KANA
    if escape == b"\x0f":
        return _ASCII
    if escape == b"\x1b&@":
        return mode  # JIS X 0208-1990 announcer, followed by the real designation
    new = _ESCAPE_MODES.get(escape)
    if new is None:
        notes.append(f"charset: unsupported ISO-2022 escape {escape!r} dropped")
        return _UNSUPPORTED
    return new


def _decode_jis_run(chunk: bytes, mode: int, notes: list[str]) -> str:
    if mode in (_ASCII, _UNSUPPORTED):
        if chunk.isascii():
            return chunk.decode("ascii")
        text, _, _ = _sniff_named(chunk)
        notes.append("charset: 8-bit bytes inside ISO-2022-JP text")
        return text
    parts: list[str] = []
    for piece in _NEWLINES.split(chunk):
        if not piece:
            continue
        if piece[:1] in (b"\r", b"\n"):
            parts.append(piece.decode("ascii"))
        elif mode == _KANA:
            parts.append(_decode_kana(piece, notes))
        else:
            parts.append(_decode_double(piece, mode, notes))
    return "".join(parts)


def _decode_kana(piece: bytes, notes: list[str]) -> str:
    """JIS X 0201 katakana (ESC ( I): 0x21-0x5F map onto CP932's 0xA1-0xDF."""
    high = piece.translate(_TO_HIGH)
    text = high.decode("cp932", "replace")
    if "\ufffd" in text:
        notes.append("charset: invalid half-width katakana replaced")
    return text


def _decode_double(piece: bytes, mode: int, notes: list[str]) -> str:
    if len(piece) % 2:
        notes.append("charset: truncated ISO-2022-JP double-byte sequence")
    if mode == _JIS0208:
        fast = _strict(piece.translate(_TO_HIGH), "euc_jp")
        if fast is not None and len(piece) % 2 == 0:
            return fast
    chars: list[str] = []
    for i in range(0, len(piece) - 1, 2):
        chars.append(_decode_pair(piece[i], piece[i + 1], mode, notes))
    if len(piece) % 2:
        chars.append("\ufffd")
    return "".join(chars)


def _decode_pair(j1: int, j2: int, mode: int, notes: list[str]) -> str:
    if not (0x21 <= j1 <= 0x7E and 0x21 <= j2 <= 0x7E):
        if j1 == 0x20 and j2 == 0x20:
            return "  "
        notes.append("charset: invalid ISO-2022-JP bytes replaced")
        return "\ufffd"
    euc = bytes((j1 | 0x80, j2 | 0x80))
    if mode == _JIS0212:
        candidates = [(b"\x8f" + euc, "euc_jp"), (b"\x8f" + euc, "euc_jis_2004")]
    elif mode == _JIS0213_2:
        candidates = [(b"\x8f" + euc, "euc_jis_2004")]
    else:
        sjis = _jis_to_sjis(j1, j2)
        candidates = [(euc, "euc_jp"), (sjis, "cp932"), (_carrier_sjis(sjis), "cp932")]
    for raw, codec in candidates:
        text = _strict(raw, codec)
        if text is not None:
            return text
    notes.append("charset: undecodable ISO-2022-JP character replaced")
    return "\ufffd"


def _carrier_sjis(sjis: bytes) -> bytes:
    """au (KDDI) puts emoji in JIS rows 85-88; their Shift_JIS home is 0xF3-0xF4xx.

    CP932 decodes that user-defined area to private-use code points, which keeps
    the emoji identifiable instead of turning it into an unrelated kanji.
    """
    if 0xEB <= sjis[0] <= 0xEE:
        return bytes((sjis[0] + 0x08, sjis[1]))
    return b"\xff"


def _jis_to_sjis(j1: int, j2: int) -> bytes:
    """The textbook JIS row/cell to Shift_JIS arithmetic (valid for rows 1-94)."""
    if j1 & 1:
        s2 = j2 + 0x1F
        if s2 >= 0x7F:
            s2 += 1
    else:
        s2 = j2 + 0x7E
    s1 = ((j1 - 0x21) >> 1) + 0x81
    if s1 > 0x9F:
        s1 += 0x40
    return bytes((s1, s2))


# --- EUC-JP ----------------------------------------------------------------------


def _decode_euc(data: bytes) -> Decoded:
    """EUC-JP, with Windows' CP51932 extras (NEC row 13) decoded via CP932."""
    fast = _strict(data, "euc_jp")
    if fast is not None:
        return fast, []
    out: list[str] = []
    bad = 0
    i, n = 0, len(data)
    while i < n:
        b = data[i]
        if b < 0x80:
            j = i
            while j < n and data[j] < 0x80:
                j += 1
            out.append(data[i:j].decode("ascii"))
            i = j
            continue
        text, width = _decode_euc_char(data, i)
        if text == "\ufffd":
            bad += 1
        out.append(text)
        i += width
    notes = ["charset: invalid EUC-JP bytes replaced"] if bad else []
    return "".join(out), notes


def _decode_euc_char(data: bytes, i: int) -> tuple[str, int]:
    b = data[i]
    if b == 0x8E and i + 1 < len(data):
        text = _strict(data[i : i + 2], "euc_jp")
        return (text, 2) if text is not None else ("\ufffd", 1)
    if b == 0x8F and i + 2 < len(data):
        raw = data[i : i + 3]
        text = _strict(raw, "euc_jp") or _strict(raw, "euc_jis_2004")
        return (text, 3) if text is not None else ("\ufffd", 1)
    if 0xA1 <= b <= 0xFE and i + 1 < len(data) and 0xA1 <= data[i + 1] <= 0xFE:
        text = _decode_pair(b & 0x7F, data[i + 1] & 0x7F, _JIS0208, [])
        return text, 2
    return "\ufffd", 1


# --- headers ---------------------------------------------------------------------

_UTF7_RUN = re.compile(r"\+[A-Za-z0-9/]{2,}-")
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?]*)\?=")
_FOLD_OR_CONTROL = re.compile("[\x00-\x20\x7f-\x9f\u2028\u2029\u0085]+")


def decode_header_value(raw: str | bytes, fallback_charset: str | None = None) -> str:
    """Decode a header to one clean line; see :func:`decode_header_with_notes`."""
    return decode_header_with_notes(raw, fallback_charset)[0]


def decode_header_with_notes(
    raw: str | bytes, fallback_charset: str | None = None
) -> tuple[str, list[str]]:
    """Decode RFC 2047 words and raw 8-bit bytes, then flatten to a single line.

    ``email.header.decode_header`` decodes each encoded word on its own, which
    breaks characters split across words, and it leaves undeclared 8-bit bytes
    as surrogates.  ``fallback_charset`` (typically the body's charset) is the
    best guess for such bytes, tried after UTF-8.
    """
    try:
        text, notes = _decode_header(raw, fallback_charset)
    except Exception as exc:  # noqa: BLE001 - a header must never abort parsing
        text = raw.decode("latin-1") if isinstance(raw, bytes) else str(raw)
        notes = [f"header: could not decode ({type(exc).__name__})"]
    return _one_line(text), notes


def _decode_header(raw: str | bytes, hint: str | None) -> Decoded:
    value = raw.decode("ascii", "surrogateescape") if isinstance(raw, bytes) else raw
    notes: list[str] = []
    pieces: list[str] = []
    pending: list[tuple[str, str, str]] = []  # encoded words awaiting a join
    pos = 0
    for match in _ENCODED_WORD.finditer(value):
        between = value[pos : match.start()]
        if between and not (pending and between.isspace()):
            pieces.append(_flush_words(pending, notes))
            pieces.append(_decode_literal(between, hint, notes))
        pending.append((match.group(1), match.group(2).upper(), match.group(3)))
        pos = match.end()
    pieces.append(_flush_words(pending, notes))
    pieces.append(_decode_literal(value[pos:], hint, notes))
    return "".join(pieces), _dedupe(notes)


def _decode_literal(text: str, hint: str | None, notes: list[str]) -> str:
    """Unencoded header text: surrogates are raw bytes, ESC means raw JIS."""
    if not text:
        return ""
    if not _needs_bytes(text):
        return _raw_utf7(text, hint, notes)
    data = text.encode("utf-8", "surrogateescape")
    if text.isascii():  # raw ISO-2022-JP escapes
        decoded, more = decode_bytes(data, None)
    else:
        decoded, used, more = _sniff_named(data, hint)
        if used not in ("utf-8", "ascii", "iso-2022-jp"):
            notes.append(f"header: undeclared 8-bit text decoded as {used}")
    notes.extend(more)
    return decoded


def _raw_utf7(text: str, hint: str | None, notes: list[str]) -> str:
    """Netscape 4 wrote raw UTF-7 into headers; only trusted when the body is UTF-7 too."""
    if _ALIASES.get(_normalise_label(hint), _normalise_label(hint)) != "utf-7":
        return text
    if not text.isascii() or not _UTF7_RUN.search(text):
        return text
    decoded = _strict(text.encode("ascii"), "utf-7")
    if decoded is None or decoded == text:
        return text
    notes.append("header: raw UTF-7 decoded (body is UTF-7)")
    return decoded


def _needs_bytes(text: str) -> bool:
    return "\x1b" in text or any("\udc80" <= ch <= "\udcff" for ch in text)


def _flush_words(pending: list[tuple[str, str, str]], notes: list[str]) -> str:
    """Decode a run of adjacent encoded words, joining same-charset neighbours."""
    out: list[str] = []
    while pending:
        charset = pending[0][0]
        key = _normalise_label(charset)
        run: list[tuple[str, str]] = []
        while pending and _normalise_label(pending[0][0]) == key:
            _, enc, payload = pending.pop(0)
            run.append((enc, payload))
        data = _join_payloads(run, notes)
        text, more = decode_bytes(data, charset)
        notes.extend(more)
        out.append(text)
    return "".join(out)


def _join_payloads(run: list[tuple[str, str]], notes: list[str]) -> bytes:
    """Bytes of a same-charset run; base64 split mid-quantum is re-joined first."""
    b64 = [p for enc, p in run if enc == "B"]
    if len(b64) == len(run) and any(len(_clean_b64(p)) % 4 for p in b64[:-1]):
        return _b64decode("".join(b64), notes)
    chunks = [_b64decode(p, notes) if enc == "B" else _qdecode(p) for enc, p in run]
    return b"".join(chunks)


def _clean_b64(payload: str) -> str:
    return re.sub(r"[^A-Za-z0-9+/=]", "", payload)


def _b64decode(payload: str, notes: list[str]) -> bytes:
    clean = _clean_b64(payload).rstrip("=")
    if len(clean) % 4 == 1:
        clean = clean[:-1]
        notes.append("header: truncated base64 encoded word")
    try:
        return binascii.a2b_base64(clean + "=" * (-len(clean) % 4))
    except binascii.Error:
        notes.append("header: invalid base64 encoded word")
        return b""


def _qdecode(payload: str) -> bytes:
    data = payload.encode("utf-8", "surrogateescape").replace(b"_", b" ")
    return quopri.decodestring(data, header=False)


def _one_line(text: str) -> str:
    """Headers become single lines: folds and control characters become spaces."""
    text = text.replace("\ufeff", "")
    text = "".join(ch if not ("\udc80" <= ch <= "\udcff") else "\ufffd" for ch in text)
    return _FOLD_OR_CONTROL.sub(" ", text).strip()


def _dedupe(notes: list[str]) -> list[str]:
    return list(dict.fromkeys(notes))
