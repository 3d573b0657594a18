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
from collections.abc import Collection, Mapping

from gateway.core.sniff import not_mail_reason
from gateway.pipeline.parse import submission
from gateway.pipeline.parse.load import header_block_size, load, repaired
from gateway.pipeline.parse.mime import walk_body
from gateway.pipeline.parse.slim import BigPart, decode_run, slim


def attachment_data(raw: bytes, sha256: str) -> bytes | None:
    """The decoded bytes of the attachment with this SHA-256, or None."""
    return attachments_data(raw, {sha256}).get(sha256)


def attachments_data(raw: bytes, wanted: Collection[str]) -> dict[str, bytes]:
    """The decoded bytes of each attachment whose SHA-256 is in ``wanted``, by hash,
    from one walk of the message (a member's answer relays all its files at once);
    a hash not found is left out."""
    found: dict[str, bytes] = {}
    try:
        if not wanted or not_mail_reason(raw) is not None:
            return found
        data = repaired(raw, [])
        slimmed = slim(data, after=header_block_size(data))
        if slimmed is not None:
            for part in slimmed.parts.values():
                if part.sha256 in wanted:
                    found[part.sha256] = decode_run(data, part.span)
            # the other parts from the slim copy (a match by hash is the right bytes
            # whatever the parse made of the rest); not found there: the whole
            found.update(_walked(slimmed.data, set(wanted) - set(found), slimmed.parts))
            del slimmed
        if set(wanted) - set(found):
            found.update(_walked(data, set(wanted) - set(found)))
        if set(wanted) - set(found):  # listed before encoded attached mails were decoded
            found.update(_walked(data, set(wanted) - set(found), as_before=True))
    except Exception:  # noqa: BLE001 - a download of a broken mail is "not found"
        return found
    return found


def _walked(
    data: bytes,
    wanted: Collection[str],
    big: Mapping[bytes, BigPart] | None = None,
    *,
    as_before: bool = False,
) -> dict[str, bytes]:
    if not wanted:
        return {}
    loaded = load(data, [])
    if loaded is None:
        return {}
    body = walk_body(loaded[0], keep_data=True, big=big, as_before=as_before, raw=data)
    found: dict[str, bytes] = {}
    for d in body.data:
        digest = hashlib.sha256(d).hexdigest()
        if digest in wanted:
            found.setdefault(digest, d)
    return found


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
