"""One fetched message into the inbox, with the duplicate rule of the pass it came in.

Identical bytes are a duplicate in any pass (the content hash). In a rescan after a
UIDVALIDITY change, a rebuilt folder (a server migration that rewrote headers) hands
out the mail stored before under new UIDs and other bytes: one under a Message-ID this
mailbox stored before, from the same sender with the same subject, is that mail.

Any Message-ID alone counted once, and devices number their mail ``<1@localhost>``:
a new alert under a reused id, in the folder at the rescan, was skipped here and then
moved away, never stored. Another sender or subject under the id is another mail, as
the runner's dedupe tells them apart (``gateway.runner.early.dedupe``).
"""

from __future__ import annotations

import email.parser
import email.policy
import email.utils
import logging
from datetime import datetime

from sqlalchemy.orm import Session

from gateway.core.sniff import header_message_id
from gateway.pipeline.thread import same_mail
from store import inbox
from store.accept.contract import BYTES_ONLY

log = logging.getLogger("gateway.imap")

HEAD_BYTES = 64 << 10  # of a stored message, read for its sender and subject


def accept(
    s: Session, key: str, uid: int, ref: str, raw: bytes, at: datetime, *, rescan: bool, bulk: bool
) -> int | None:
    """None if a new inbox row was written, else the row that holds it already."""
    held = _stored_before(s, key, raw) if rescan else None
    if held is None:
        accepted = inbox.accept(
            s, raw, source="imap", now=at, source_ref=ref, rule=BYTES_ONLY, bulk=bulk
        )
        if not accepted.duplicate:
            return None
        held = accepted.inbox_id
    if rescan:
        log.info("imap %s: uid %s skipped in rescan: already stored as inbox #%s", key, uid, held)
    return held


def _stored_before(s: Session, key: str, raw: bytes) -> int | None:
    """The row of this mailbox that holds the same mail with other bytes: the same
    Message-ID, sender and subject (``same_mail``)."""
    message_id = header_message_id(raw)
    if not message_id:
        return None
    arriving = _sender_and_subject(raw)
    for row in inbox.stored_under(s, message_id, f"{key}/"):
        if same_mail(_sender_and_subject(inbox.stored_head(s, row, HEAD_BYTES)), arriving):
            return row
    return None


def _sender_and_subject(raw: bytes) -> tuple[str, str]:
    """The From address and the Subject as written (unfolded), read alike from both
    messages: a subject encoded otherwise is another one here, and the message is
    stored, to be ignored by the runner as a copy (no mail is lost for a mismatch)."""
    head = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)
    sender = email.utils.parseaddr(_unfolded(head.get("From")))[1]
    return sender, _unfolded(head.get("Subject"))


def _unfolded(value: object) -> str:
    return " ".join(str(value or "").split())
