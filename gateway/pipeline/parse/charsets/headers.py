"""Header values into one clean line: RFC 2047 words and raw 8-bit text.

``email.header.decode_header`` decodes each encoded word on its own, which
breaks characters split across words (common in Japanese subjects), and it
leaves undeclared 8-bit bytes as surrogates. Here adjacent words of one
charset are joined before decoding, base64 split mid-quantum is re-joined,
raw bytes are decoded with the body's charset as a hint, and the result is
flattened to a single line.
"""

from __future__ import annotations

import binascii
import functools
import quopri
import re

from gateway.pipeline.parse.charsets.decode import decode_bytes, sniff_named
from gateway.pipeline.parse.charsets.labels import ALIASES, classify_label, normalise_label
from gateway.pipeline.parse.charsets.lenient import Decoded, dedupe, strict

_UTF7_RUN = re.compile(r"\+[A-Za-z0-9/]{2,}-")
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?]*)\?=")
_NOT_B64 = re.compile(r"[^A-Za-z0-9+/=]")
_SURROGATE = re.compile("[\udc80-\udcff]")  # undecoded 8-bit bytes
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
    return "".join(pieces), dedupe(notes)


def decode_raw_runs(raw: str, hint: str | None = None) -> tuple[str, list[str]]:
    """``raw`` with its raw 8-bit and ISO-2022-JP text decoded and its encoded words left
    as they are: what an address field must be before it is split. Raw JIS carries
    ``ESC ( B``, whose ``(`` opens a comment for an address parser (the address after a
    name written in raw JIS was lost), and a second byte of JIS or Shift_JIS may be
    ``@``, ``<``, ``"`` or ``\\``; decoded, they are letters."""
    if not _needs_bytes(raw):
        return raw, []
    notes: list[str] = []
    pieces: list[str] = []
    pos = 0
    for match in _ENCODED_WORD.finditer(raw):
        pieces.append(_decode_literal(raw[pos : match.start()], hint, notes))
        pieces.append(match.group())
        pos = match.end()
    pieces.append(_decode_literal(raw[pos:], hint, notes))
    return _SURROGATE.sub("\ufffd", "".join(pieces)), dedupe(notes)


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
        decoded, used, more = sniff_named(data, hint)
        if used not in ("utf-8", "ascii", "iso-2022-jp"):
            notes.append(f"header: undeclared 8-bit text decoded as {used}")
    notes.extend(more)
    return decoded


def _raw_utf7(text: str, hint: str | None, notes: list[str]) -> str:
    """Netscape 4 wrote raw UTF-7 into headers; only trusted when the body is UTF-7 too."""
    if ALIASES.get(normalise_label(hint), normalise_label(hint)) != "utf-7":
        return text
    if not text.isascii() or not _UTF7_RUN.search(text):
        return text
    decoded = strict(text.encode("ascii"), "utf-7")
    if decoded is None or decoded == text:
        return text
    notes.append("header: raw UTF-7 decoded (body is UTF-7)")
    return decoded


def _needs_bytes(text: str) -> bool:
    return "\x1b" in text or any("\udc80" <= ch <= "\udcff" for ch in text)


def _flush_words(pending: list[tuple[str, str, str]], notes: list[str]) -> str:
    """Decode a run of adjacent encoded words, joining same-charset neighbours."""
    out: list[str] = []
    i = 0
    while i < len(pending):  # an index, not pop(0): 60 000 words must cost 60 000 steps
        charset = pending[i][0]
        key = _same_charset(charset)
        run: list[tuple[str, str]] = []
        while i < len(pending) and _same_charset(pending[i][0]) == key:
            _, enc, payload = pending[i]
            run.append((enc, payload))
            i += 1
        data = _join_payloads(run, notes)
        text, more = decode_bytes(data, charset)
        notes.extend(more)
        out.append(text)
    pending.clear()
    return "".join(out)


@functools.lru_cache(maxsize=64)
def _same_charset(label: str) -> str:
    """What a label names, so words labelled ``UTF-8`` and ``utf8`` (or ``Shift_JIS``
    and ``CP932``) are joined before decoding, as one character may be split between
    them; a label of no known charset stands for itself."""
    family, codec = classify_label(label)
    return f"{family}:{codec}" if codec else normalise_label(label)


def _join_payloads(run: list[tuple[str, str]], notes: list[str]) -> bytes:
    """Bytes of a same-charset run; base64 split mid-quantum is re-joined first."""
    b64 = [p for enc, p in run if enc == "B"]
    if len(b64) == len(run) and any(len(_clean_b64(p)) % 4 for p in b64[:-1]):
        return _b64decode("".join(b64), notes)
    chunks = [_b64decode(p, notes) if enc == "B" else _qdecode(p) for enc, p in run]
    return b"".join(chunks)


def _clean_b64(payload: str) -> str:
    return _NOT_B64.sub("", payload)


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
    text = _SURROGATE.sub("\ufffd", text.replace("\ufeff", ""))
    return _FOLD_OR_CONTROL.sub(" ", text).strip()
