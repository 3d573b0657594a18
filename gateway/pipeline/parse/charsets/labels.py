"""Charset labels as senders write them, mapped onto a decoding strategy.

Senders use labels loosely: phones send CP932 under ``Shift_JIS``, mailers
write ``iso-8859-1`` for windows-1252 and ``gb2312`` for GB18030, and some
labels say nothing at all (``unknown-8bit``). :func:`classify_label` names
the family a label belongs to (``cp932``, ``jis``, ``euc``, ``utf-8``,
``ascii``, ``other``, ``other-iso2022``, ``none``, ``unknown``) and the codec
to use; the tables below are the knowledge behind it.
"""

from __future__ import annotations

import codecs


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Labels that mean "this is Shift_JIS as Windows/phones write it".
_CP932_LABELS = _words(
    "shift_jis shift-jis sjis x-sjis s-jis s_jis shiftjis x-shift-jis x-shift_jis "
    "ms_kanji csshiftjis cswindows31j windows-31j cp932 ms932 x-ms-cp932 ibm-943 ms-kanji "
    "shift_jisx0213 shift_jis-2004 sjis-open sjis-win shift_jis-docomo shift_jis-kddi "
    "shift_jis-softbank x-sjis-docomo x-sjis-kddi x-sjis-softbank x-sjis-jphone "
    # Java (IBM's code pages), .NET, and old Macs (MacJapanese: Shift_JIS with Apple's
    # own symbols in the rows CP932 fills with NEC's; CP932 reads the rest right)
    "ibm943 ibm-943c cp943 cp943c windows-932 x-mac-japanese macjapanese"
)
_JIS_LABELS = _words(
    "iso-2022-jp iso2022-jp iso_2022_jp iso2022jp csiso2022jp iso-2022-jp-1 iso-2022-jp-2 "
    "iso-2022-jp-3 iso-2022-jp-2004 iso-2022-jp-ext iso-2022-jp-ms cp50220 cp50221 "
    "cp50222 x-cp50220 x-cp50221 x-cp50222 jis x-jis jis7 iso-2022-jp-kddi "
    "iso-2022-jp-mobile iso-2022-jp-softbank csiso2022jp2 x-iso-2022-jp"
)
_EUC_LABELS = _words(
    "euc-jp euc_jp eucjp x-euc-jp x-euc ujis cseucpkdfmtjapanese cp51932 euc-jp-ms "
    "eucjp-ms eucjp-win eucjp-open x-eucjp-open-19970715-ms"
)
# EUC-JP carrying JIS X 0213 (its added kanji, and its own rows 89-92)
_EUC_2004_LABELS = _words("euc-jis-2004 euc-jisx0213 euc_jis_2004 euc_jisx0213")
# Labels Python does not know, or knows as something narrower than what is sent.
ALIASES = {
    "utf8": "utf-8",
    "unicode-1-1-utf-7": "utf-7",
    "x-unicode20utf8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",  # WHATWG's label, still written by web forms
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


def classify_label(label: str | None) -> tuple[str, str]:
    """Map a sender's label onto one of our decoding strategies."""
    norm = normalise_label(label)
    if norm in _EMPTY_LABELS:
        return "none", ""
    if norm in _CP932_LABELS:
        return "cp932", "cp932"
    if norm in _JIS_LABELS:
        return "jis", "iso2022_jp"
    if norm in _EUC_LABELS:
        return "euc", "euc_jp"
    if norm in _EUC_2004_LABELS:
        return "euc", "euc_jis_2004"
    codec = ALIASES.get(norm, norm)
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


def normalise_label(label: str | None) -> str:
    if label is None:
        return ""
    norm = label.strip().strip("\"'").strip().lower()
    return norm.split("*", 1)[0]  # RFC 2231 language suffix: iso-2022-jp*ja
