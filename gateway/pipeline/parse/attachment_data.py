"""One attachment's bytes, decoded from the stored raw message, for a download.

Attachments are never stored twice: the ``attachments`` rows keep the name,
type, size and SHA-256, and the bytes stay inside the raw message the inbox
kept. This walks the message the same way the parser did (:mod:`.load`,
:mod:`.mime`) and hands back the part whose decoded bytes have that SHA-256,
so a download is byte-identical to what the sender attached. A web or Slack
submission keeps its files inside its JSON document (:func:`stored_file` tells
the two apart by the inbox row's source). Pure; never raises.
"""

from __future__ import annotations

import hashlib

from gateway.core.sniff import not_mail_reason
from gateway.pipeline.parse import submission
from gateway.pipeline.parse.load import load, repaired
from gateway.pipeline.parse.mime import walk_body


def attachment_data(raw: bytes, sha256: str) -> bytes | None:
    """The decoded bytes of the attachment with this SHA-256, or None."""
    try:
        if not_mail_reason(raw) is not None:
            return None
        defects: list[str] = []
        loaded = load(repaired(raw, defects), defects)
        if loaded is None:
            return None
        body = walk_body(loaded[0], keep_data=True)
    except Exception:  # noqa: BLE001 - a download of a broken mail is "not found"
        return None
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
