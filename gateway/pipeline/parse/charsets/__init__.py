"""Decode text the way Japanese (and other real-world) mail actually arrives.

The stdlib codecs are strict about labels that senders use loosely: phones send
CP932 under ``Shift_JIS``, Windows and iPhones put NEC/IBM extension characters
(①, ㈱, Ⅲ) into ``ISO-2022-JP`` that the ``iso2022_jp`` codec rejects, and plenty
of headers carry raw 8-bit bytes with no label at all.  Everything here is a
pure function that never raises: a result that is slightly wrong plus a defect
note beats a bounced ticket.

``decode`` (bytes and a label into text) and ``headers`` (encoded words) are
the ways in; ``labels``, ``sniff``, ``jis``, ``euc``, ``jis_pairs`` and
``lenient`` are what they are built from.
"""

from gateway.pipeline.parse.charsets.decode import decode_bytes
from gateway.pipeline.parse.charsets.headers import (
    decode_header_value,
    decode_header_with_notes,
)

__all__ = ["decode_bytes", "decode_header_value", "decode_header_with_notes"]
