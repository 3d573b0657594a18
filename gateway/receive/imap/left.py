"""What is said about the stored messages the poller leaves in the folder for a person.

A message the server kept refusing to move or flag (``refused``) stays in the folder
for good: the poller reads on past it, but nobody else will move it. So it is a health
problem (``status`` exits 1, the managers get the alert), and the problem names the
message as a person finds it in a mail client (its UID, subject and Message-ID, read
from the server when it is left), says what the server answered, and what to do.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError

from gateway.config.settings import ImapSettings
from gateway.core.i18n import N_, NP_, Msg
from gateway.core.sniff import header_message_id
from gateway.pipeline.parse.charsets.headers import decode_header_value
from store.sources import LeftMessage

SHOWN_RANGES = 20  # UID ranges a line names before it says "…"


def headers(client: IMAPClient, uids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """Per UID, its subject and Message-ID as the server has them; a message the server
    will not describe is named by its UID alone. A dropped connection raises."""
    if not uids:
        return {}
    try:
        found = client.fetch(list(uids), ["BODY.PEEK[HEADER.FIELDS (SUBJECT MESSAGE-ID)]"])
    except IMAPClientAbortError:
        raise
    except IMAPClientError:
        return {}
    return {uid: described(_section(data)) for uid, data in found.items()}


def _section(data: dict[bytes, object]) -> bytes:
    """The header fields, under whatever name the server gave them (Dovecot echoes
    the request, others quote the field names or change their case)."""
    for key, value in data.items():
        if key.upper().startswith(b"BODY[HEADER.FIELDS") and isinstance(value, bytes):
            return value
    return b""


def described(head: bytes) -> tuple[str, str]:
    """The subject (decoded, one line) and the Message-ID of a header block."""
    unfolded = head.replace(b"\r\n", b"\n").replace(b"\n ", b" ").replace(b"\n\t", b" ")
    subject = next(
        (line[8:] for line in unfolded.split(b"\n") if line[:8].lower() == b"subject:"), b""
    )
    message_id = header_message_id(unfolded)  # a folded one is legal, if rare
    return decode_header_value(subject.strip()), f"<{message_id}>" if message_id else ""


def problem(
    account: ImapSettings, left: Sequence[LeftMessage], copied: Collection[int], tries: int
) -> Msg:
    """The health problem of ``left`` (not empty), left after ``tries`` tries each;
    ``copied``: the UIDs a server without MOVE has a copy of in the processed folder."""
    first = left[0]
    subject = first.subject or N_("(no subject)")
    named = (
        N_(
            "UID {uid} (subject: {subject}, Message-ID: {message_id})",
            uid=first.uid,
            subject=subject,
            message_id=first.message_id,
        )
        if first.message_id
        else N_("UID {uid} (subject: {subject})", uid=first.uid, subject=subject)
    )
    more = (
        N_(" and {count} more (UID {uids})", count=len(left) - 1, uids=uid_list(left[1:]))
        if len(left) > 1
        else ""
    )
    common = {
        "account": account.key,
        "count": len(left),
        "tries": tries,
        "first": named,
        "more": more,
        "server": first.server,
    }
    if account.after == "flag":
        return NP_(
            "mailbox {account}: {count} stored message could not be flagged {flag} after "
            "{tries} tries and is left in the folder: {first}{more}; the server answered: "
            "{server}. It is stored already: flag it or move it out of the folder by hand "
            "in a mail client, or fix the cause on the server and restart the daemon, which "
            "then tries again",
            "mailbox {account}: {count} stored messages could not be flagged {flag} after "
            "{tries} tries and are left in the folder: {first}{more}; the server answered: "
            "{server}. Each is stored already: flag it or move it out of the folder by hand "
            "in a mail client, or fix the cause on the server and restart the daemon, which "
            "then tries again",
            len(left),
            flag=account.processed_flag,
            **common,
        )
    already = [m for m in left if m.uid in copied]
    copies = (
        N_(
            " ({count} of them already copied to {folder}: delete those rather than move them)",
            count=len(already),
            folder=account.processed_folder,
        )
        if already
        else ""
    )
    return NP_(
        "mailbox {account}: {count} stored message could not be moved to {folder} after "
        "{tries} tries and is left in the folder: {first}{more}; the server answered: "
        "{server}{copies}. It is stored already: move or delete it by hand in a mail "
        "client, or fix the cause on the server (quota, folder permissions) and restart "
        "the daemon, which then tries again",
        "mailbox {account}: {count} stored messages could not be moved to {folder} after "
        "{tries} tries and are left in the folder: {first}{more}; the server answered: "
        "{server}{copies}. Each is stored already: move or delete it by hand in a mail "
        "client, or fix the cause on the server (quota, folder permissions) and restart "
        "the daemon, which then tries again",
        len(left),
        folder=account.processed_folder,
        copies=copies,
        **common,
    )


def uid_list(uids: Sequence[LeftMessage] | Sequence[int]) -> str:
    """UIDs as IMAP writes a set of them (``3:7,9``), the first SHOWN_RANGES ranges."""
    numbers = sorted(u if isinstance(u, int) else u.uid for u in uids)
    ranges: list[str] = []
    start = prev = numbers[0] if numbers else 0
    for uid in [*numbers[1:], None]:
        if uid is not None and uid == prev + 1:
            prev = uid
            continue
        ranges.append(str(start) if start == prev else f"{start}:{prev}")
        if uid is not None:
            start = prev = uid
    if not numbers:
        return ""
    shown = ",".join(ranges[:SHOWN_RANGES])
    return shown + (",…" if len(ranges) > SHOWN_RANGES else "")
