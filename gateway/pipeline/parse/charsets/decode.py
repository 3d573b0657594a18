"""Bytes and a charset label into text, with a note for every guess made.

The label is treated as a hint, not a contract: ISO-2022-JP escapes win over
any label (they are unambiguous), and a label that fails strictly falls back
to sniffing rather than to a pile of replacement characters. Decoding by label
and sniffing call each other (sniffing tries a hint's family, a failed label
sniffs), which is why both live here.
"""

from __future__ import annotations

import re

from gateway.core.text import IDEOGRAPHS, KANA
from gateway.pipeline.parse.charsets.euc import decode_euc
from gateway.pipeline.parse.charsets.jis import JIS_ESCAPE, decode_jis
from gateway.pipeline.parse.charsets.labels import classify_label
from gateway.pipeline.parse.charsets.lenient import (
    Decoded,
    decode_cp1252,
    replaced,
    scrub,
    strict,
)
from gateway.pipeline.parse.charsets.sniff import guess, guess_japanese, mostly_utf8


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
        return scrub(decode_cp1252(bytes(data))), [note]


def _decode_bytes(data: bytes, label: str | None) -> Decoded:
    if not data:
        return "", []
    family, codec = classify_label(label)
    if family != "other-iso2022" and JIS_ESCAPE.search(data):
        text, notes = decode_jis(data)
        if family not in ("jis", "none", "ascii"):
            notes.insert(0, f"charset: labelled {label!r} but has ISO-2022-JP escapes")
        return scrub(text), notes
    if family == "none":
        text, notes = _sniff(data)
    elif family == "unknown":
        text, used, notes = sniff_named(data)
        notes.insert(0, f"charset: unknown label {label!r}, decoded as {used}")
    else:
        text, notes = _decode_family(data, family, codec, label)
    return scrub(text), notes


def _decode_family(data: bytes, family: str, codec: str, label: str | None) -> Decoded:
    if family == "jis":
        if data.isascii():
            return data.decode("ascii"), []
        text, used, _ = sniff_named(data)
        return text, [f"charset: labelled {label!r} but has 8-bit bytes, decoded as {used}"]
    if family == "cp932":
        return _decode_cp932(data, label)
    if family == "euc":
        return _decode_euc_jp(data, codec, label)
    if family == "utf-8":
        return _decode_utf8(data, label)
    if family == "ascii":
        if data.isascii():
            return data.decode("ascii"), []
        text, used, _ = sniff_named(data)
        return text, [f"charset: labelled {label!r} but has 8-bit bytes, decoded as {used}"]
    return _decode_other(data, codec, label)


def _decode_cp932(data: bytes, label: str | None) -> Decoded:
    """Shift_JIS as actually sent is CP932; only if that fails do we look further.
    EUC-JP never fails as CP932 (its byte pairs are half-width katakana and kanji
    there), so runs of half-width kana are a reason to ask whether it reads better
    as EUC-JP (kana and kanji a person wrote, not ･ﾇ｡ｼ･ｿ)."""
    for codec in ("cp932", "utf-8", "shift_jis_2004"):
        text = strict(data, codec)
        if codec == "cp932" and text is not None and (utf8 := _japanese_utf8(data)):
            return utf8, [f"charset: {label!r} decoded as utf-8"]
        if codec != "utf-8" and text is not None and _HALFWIDTH_RUN.search(text):
            other = guess_japanese(data)
            if other is not None and other[1] == "euc_jp":
                return other[0], [f"charset: labelled {label!r} but is EUC-JP, decoded as euc_jp"]
        if text is not None:
            note = [] if codec == "cp932" else [f"charset: {label!r} decoded as {codec}"]
            return text, note
    return data.decode("cp932", "replace"), [replaced(label)]


def _japanese_utf8(data: bytes) -> str | None:
    """Bytes valid as UTF-8 that read there as Japanese (kanji, kana): short UTF-8 is
    often valid CP932 as well (東京 is 譚ｱ莠ｬ), while Shift_JIS is valid UTF-8 only by
    pairs of half-width katakana read as Latin letters (ﾃｽ is ý), never as kanji."""
    if data.isascii():
        return None
    text = strict(data, "utf-8")
    return text if text is not None and _JAPANESE.search(text) else None


_JAPANESE = re.compile(f"[{KANA}{IDEOGRAPHS}]")

# three half-width forms in a row (katakana, and the ｡｢｣､･ that EUC-JP's kana rows
# begin with): what EUC-JP read as CP932 is made of
_HALFWIDTH_RUN = re.compile("[\uff61-\uff9f]{3,}")


def _decode_euc_jp(data: bytes, codec: str, label: str | None) -> Decoded:
    """EUC-JP that is not EUC-JP is UTF-8 or Shift_JIS (a Unix tool's label on text
    written elsewhere): read as UTF-8 when it is, as CP932 when that reads as
    Japanese, else as EUC-JP with what it could not read replaced."""
    text, notes = decode_euc(data, codec)
    if not notes:
        return text, notes
    utf8 = strict(data, "utf-8")
    other = (utf8, "utf-8") if utf8 is not None else guess_japanese(data)
    if other is None:
        return text, notes
    return other[0], [f"charset: labelled {label!r} but is not EUC-JP, decoded as {other[1]}"]


# Western single-byte codecs as labels are read (ISO-8859-1 is read as windows-1252)
_WESTERN = frozenset({"cp1252", "iso8859-15", "latin-1", "iso8859-1"})


def _decode_utf8(data: bytes, label: str | None) -> Decoded:
    """UTF-8 that is not UTF-8 at all is mislabelled; partly broken UTF-8 is not."""
    text = strict(data, "utf-8-sig")
    if text is not None:
        return text, []
    lossy = data.decode("utf-8", "replace")
    bad = lossy.count("\ufffd")
    good = sum(1 for ch in lossy if ord(ch) > 0x7F) - bad
    japanese = None if mostly_utf8(data) is not None else guess_japanese(data)
    if japanese is None and good >= bad:
        return lossy, [replaced(label)]
    if japanese is not None:
        text, used = japanese
    else:
        text, used, _ = sniff_named(data)
    return text, [f"charset: labelled {label!r} but is not UTF-8, decoded as {used}"]


def _decode_other(data: bytes, codec: str, label: str | None) -> Decoded:
    if not data.isascii() and _single_byte(codec):
        # any bytes are valid Latin-1 or KOI8-R, so the label says nothing against
        # UTF-8; text in those charsets is almost never valid UTF-8 by accident
        # (it takes an accented letter followed by C1 controls or symbols ¡ to ¿)
        utf8 = strict(data, "utf-8")
        if utf8 is not None:
            return utf8, [f"charset: labelled {label!r} but is UTF-8, decoded as utf-8"]
    if not data.isascii() and codec in _WESTERN:
        # PHP's mail(), Java mailers and web forms label Shift_JIS or EUC-JP text
        # ISO-8859-1 whatever it holds; Western text reads as kana almost never (it
        # takes C1 controls, or three capitals in a row). Not for Cyrillic or Greek
        # labels, whose letters are the bytes half-width katakana are.
        japanese = guess_japanese(data)
        if japanese is not None:
            note = f"charset: labelled {label!r} but is Japanese, decoded as {japanese[1]}"
            return japanese[0], [note]
    if codec == "cp1252":
        return decode_cp1252(data), []
    text = strict(data, codec)
    if text is not None:
        return text, []
    utf8 = strict(data, "utf-8")
    if utf8 is not None:
        return utf8, [f"charset: {label!r} failed, decoded as utf-8"]
    try:
        return data.decode(codec, "replace"), [replaced(label)]
    except (LookupError, UnicodeError, ValueError):  # pragma: no cover - defensive
        text, used, _ = sniff_named(data)
        return text, [f"charset: {label!r} unusable, decoded as {used}"]


# "你好" in GB2312: two characters in every double-byte codec, four in a single-byte one
_DOUBLE_BYTE_PROBE = b"\xc4\xe3\xba\xc3"


def _single_byte(codec: str) -> bool:
    """A codec that reads one character per byte (Latin-1, windows-1251, KOI8-R)."""
    try:
        return len(_DOUBLE_BYTE_PROBE.decode(codec, "replace")) == len(_DOUBLE_BYTE_PROBE)
    except (LookupError, UnicodeError, ValueError):  # pragma: no cover - defensive
        return False


def _sniff(data: bytes) -> Decoded:
    """No label: say nothing when the guess is safe, note it when it is lossy."""
    text, used, notes = sniff_named(data)
    if used in ("ascii", "utf-8", "iso-2022-jp"):
        return text, notes
    return text, [f"charset: no label, guessed {used}", *notes]


def sniff_named(data: bytes, hint: str | None = None) -> tuple[str, str, list[str]]:
    """Guess an encoding for unlabelled bytes; returns (text, codec used, notes).

    ``hint`` (a header's best guess: the body's charset) is tried after ASCII
    and UTF-8 and before the other guesses, and only when it decodes cleanly.
    """
    if JIS_ESCAPE.search(data):
        text, notes = decode_jis(data)
        return text, "iso-2022-jp", notes
    if hint and not data.isascii() and strict(data, "utf-8-sig") is None:
        family, codec = classify_label(hint)
        if family not in ("none", "unknown", "utf-8", "ascii"):
            decoded, notes = _decode_family(data, family, codec, hint)
            if not notes:
                return decoded, codec, []
    text, used, notes = guess(data)
    family = classify_label(hint)[0]
    if family in _JAPANESE_FAMILIES and (
        used in ("gb2312", "cp1252")
        # kanji alone in EUC-JP are GB2312's bytes too: in a Japanese mail, Japanese
        or (used == "cp932" and family != "cp932" and _HALF_WIDTH_ONLY.fullmatch(text))
        # and when their bytes are all A1-DF, CP932's half-width katakana (山田 as ｻｳﾅﾄ):
        # not in mail whose text is ISO-2022-JP (RFC 1468 keeps them out) or EUC-JP
    ):
        euc, problems = decode_euc(data)
        if not problems:
            return euc, "euc_jp", []
    return text, used, notes


_JAPANESE_FAMILIES = ("jis", "cp932", "euc")
# ASCII and half-width forms alone (katakana, and the ｡｢｣､･ before them)
_HALF_WIDTH_ONLY = re.compile("[\\x00-\\x7f\\uff61-\\uff9f]*")
