"""One attachment's bytes, decoded from the stored raw message, for a download.

Attachments are never stored twice: the ``attachments`` rows keep the name,
type, size and SHA-256, and the bytes stay inside the raw message the inbox
kept. This walks the message the same way the parser did (:mod:`.load`,
:mod:`.mime`) and hands back the part whose decoded bytes have that SHA-256,
so a download is byte-identical to what the sender attached. A web or Slack
submission keeps its files inside its JSON document (:func:`stored_file` tells
the two apart by the inbox row's source). Pure; never raises.

A big base64 part (:mod:`.slim`) is decoded from its run of lines alone, without
a parse, which would have held ten copies of it: its SHA-256 is the one asked
for, so its bytes are the ones the walk would have found.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from gateway.core.sniff import not_mail_reason
from gateway.pipeline.parse import submission
from gateway.pipeline.parse.load import header_block_size, load, repaired
from gateway.pipeline.parse.mime import walk_body
from gateway.pipeline.parse.slim import BigPart, decode_run, slim


def attachment_data(raw: bytes, sha256: str) -> bytes | None:
    """The decoded bytes of the attachment with this SHA-256, or None."""
    try:
        if not_mail_reason(raw) is not None:
            return None
        data = repaired(raw, [])
        slimmed = slim(data, after=header_block_size(data))
        if slimmed is not None:
            for part in slimmed.parts.values():
                if part.sha256 == sha256:
                    return decode_run(data, part.span)
            # the other parts from the slim copy (a match by hash is the right bytes
            # whatever the parse made of the rest); not found there: the whole
            found = _walked(slimmed.data, sha256, slimmed.parts)
            if found is not None:
                return found
            del slimmed
        return _walked(data, sha256)
    except Exception:  # noqa: BLE001 - a download of a broken mail is "not found"
        return None


def _walked(data: bytes, sha256: str, big: Mapping[bytes, BigPart] | None = None) -> bytes | None:
    loaded = load(data, [])
    if loaded is None:
        return None
    body = walk_body(loaded[0], keep_data=True, big=big)
    return next((d for d in body.data if hashlib.sha256(d).hexdigest() == sha256), None)


def stored_file(source: str, raw: bytes, sha256: str) -> bytes | None:
    """The bytes of the attachment with this SHA-256 inside a stored inbox (or outbox)
    document: a submission's files (source ``web``, ``slack``) or a mail's parts."""
    if source in submission.SOURCES:
        for n in range(submission.MAX_FIELDS):
            data = submission.file_bytes(raw, n)
            if data is None:
                return None
            if hashlib.sha256(data).hexdigest() == sha256:
                return data
        return None
    return attachment_data(raw, sha256)
