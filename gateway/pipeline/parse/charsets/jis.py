"""ISO-2022-JP and its vendor supersets (CP5022x, JP-1/2/3), labelled or not.

ISO-2022-JP escapes are unambiguous, so they win over any label, and mail
without a label that has them is JIS. Windows and iPhones put NEC/IBM
extension characters into ISO-2022-JP that the ``iso2022_jp`` codec rejects;
each run is therefore decoded here, pair by pair where it must be
(:mod:`.jis_pairs`), and 8-bit bytes that should not be there are guessed.
"""

from __future__ import annotations

import re

from gateway.pipeline.parse.charsets.jis_pairs import (
    ASCII,
    GB2312,
    JIS0208,
    JIS0212,
    JIS0213_1,
    JIS0213_2,
    KANA,
    KSC5601,
    UNSUPPORTED,
    decode_pair,
    windows_forms,
)
from gateway.pipeline.parse.charsets.lenient import Decoded, dedupe, strict
from gateway.pipeline.parse.charsets.sniff import guess

JIS_ESCAPE = re.compile(
    rb"\x1b(?:\$[@AB]|\$\([@ABCDOPQ]|\([BJIH]|&@|\.[AF]\x1bN)|\x0e[\x21-\x5f]+\x0f"
)
_ANY_ESCAPE = re.compile(rb"(\x1b[\x20-\x2f]*[\x30-\x7e]?|[\x0e\x0f])")
_NEWLINES = re.compile(rb"([\r\n]+)")
_TO_HIGH = bytes.maketrans(bytes(range(0x21, 0x7F)), bytes(range(0xA1, 0xFF)))
_ESCAPE_MODES = {
    b"\x1b(B": ASCII,
    b"\x1b(J": ASCII,
    b"\x1b(H": ASCII,
    b"\x1b(I": KANA,
    b"\x1b$@": JIS0208,
    b"\x1b$B": JIS0208,
    b"\x1b$(@": JIS0208,
    b"\x1b$(B": JIS0208,
    b"\x1b$(D": JIS0212,
    b"\x1b$(O": JIS0213_1,
    b"\x1b$(Q": JIS0213_1,
    b"\x1b$(P": JIS0213_2,
    b"\x1b$A": GB2312,  # ISO-2022-JP-2 (RFC 1554)
    b"\x1b$(A": GB2312,  # the same, in the long form Python's encoder writes
    b"\x1b$(C": KSC5601,  # ISO-2022-JP-2
}
# ISO-2022-JP-2's 96-character sets for G2: their characters come one at a time, each
# after ESC N (single shift 2), as the 7-bit form of that charset's upper half
_G2_SETS = {b"\x1b.A": "latin-1", b"\x1b.F": "iso8859-7"}
_SINGLE_SHIFT_2 = b"\x1bN"


def decode_jis(data: bytes) -> Decoded:
    """Decode ISO-2022-JP and its vendor supersets (CP5022x, JP-1/2/3).

    Each JIS X 0208 run is decoded with the standard mapping when it can be and
    through CP932 otherwise, so NEC row 13 and IBM extension characters survive.
    """
    out: list[str] = []
    notes: list[str] = []
    mode = ASCII
    g2: str | None = None
    shifted = False
    for chunk in _ANY_ESCAPE.split(data):
        if not chunk:
            continue
        if chunk in _G2_SETS:
            g2 = _G2_SETS[chunk]
            continue
        if chunk == _SINGLE_SHIFT_2:
            shifted = g2 is not None
            continue
        if chunk[:1] == b"\x1b" or chunk in (b"\x0e", b"\x0f"):
            mode = _switch_mode(chunk, mode, notes)
            continue
        if shifted and g2 is not None:
            out.append(_single_shifted(chunk[0], g2, notes))
            chunk, shifted = chunk[1:], False
            if not chunk:
                continue
        if mode not in (ASCII, UNSUPPORTED) and (end := _line_end(chunk)) is not None:
            # RFC 1468: every line ends in ASCII. An encoder that forgot the ESC ( B wrote
            # the next line as ASCII all the same; read as JIS, it is a line of nonsense
            # kanji. So a line feed in JIS mode goes back to ASCII, and says so.
            out.append(_decode_jis_run(chunk[:end], mode, notes))
            notes.append(NO_RESET)
            chunk, mode = chunk[end:], ASCII
        out.append(_decode_jis_run(chunk, mode, notes))
    return "".join(out), dedupe(notes)


NO_RESET = "charset: ISO-2022-JP line ended without ESC ( B; read the next as ASCII"


def _single_shifted(byte: int, charset: str, notes: list[str]) -> str:
    """One character of a G2 set after ESC N: the 7-bit byte is its upper half's."""
    if 0x20 <= byte <= 0x7F:
        text = strict(bytes((byte | 0x80,)), charset)
        if text is not None:
            return text
    notes.append("charset: invalid ISO-2022-JP-2 single shift replaced")
    return "\ufffd"


def _line_end(chunk: bytes) -> int | None:
    """Where the first line of a JIS run ends (its CR or LF), None on one line."""
    found = _NEWLINES.search(chunk)
    return None if found is None else found.start()


def _switch_mode(escape: bytes, mode: int, notes: list[str]) -> int:
    if escape == b"\x0e":
        return KANA
    if escape == b"\x0f":
        return ASCII
    if escape == b"\x1b&@":
        return mode  # JIS X 0208-1990 announcer, followed by the real designation
    new = _ESCAPE_MODES.get(escape)
    if new is None:
        notes.append(f"charset: unsupported ISO-2022 escape {escape!r} dropped")
        return UNSUPPORTED
    return new


def _decode_jis_run(chunk: bytes, mode: int, notes: list[str]) -> str:
    if mode in (ASCII, UNSUPPORTED):
        if chunk.isascii():
            return chunk.decode("ascii")
        text, _, _ = guess(chunk)  # no escapes in a run: no JIS
        notes.append("charset: 8-bit bytes inside ISO-2022-JP text")
        return text
    parts: list[str] = []
    for piece in _NEWLINES.split(chunk):
        if not piece:
            continue
        if piece[:1] in (b"\r", b"\n"):
            parts.append(piece.decode("ascii"))
        elif mode == KANA:
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
    if mode == JIS0208:
        fast = strict(piece.translate(_TO_HIGH), "euc_jp")
        if fast is not None and len(piece) % 2 == 0:
            return windows_forms(fast)
    chars: list[str] = []
    for i in range(0, len(piece) - 1, 2):
        chars.append(decode_pair(piece[i], piece[i + 1], mode, notes))
    if len(piece) % 2:
        chars.append("\ufffd")
    return "".join(chars)
