"""What the poller does to a folder besides reading it: acknowledge, and listen.

Acknowledging a stored message is moving it to ``processed_folder`` (MOVE, or
COPY + ``\\Deleted`` + EXPUNGE on servers without it) or flagging it; which
messages still need it after an interruption is a SEARCH. Listening is the
``* n EXISTS`` lines a server sends, which imapclient files away where only
these helpers look.
"""

from __future__ import annotations

import select
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from imapclient import DELETED, IMAPClient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError, IMAPClientReadOnlyError

from gateway.config.settings import ImapSettings
from gateway.core.i18n import N_
from gateway.receive.imap.connect import namespace_outside
from gateway.receive.imap.copies import Copies
from gateway.receive.imap.errors import ImapError, server_text

# The keyword of a message the server could not hand out (gateway.receive.imap.damaged):
# never stored, so never acknowledged
UNREADABLE = "$GatewayUnreadable"
# The SEARCH key for "lacks this flag" where a system flag has one; keywords use UNKEYWORD.
_NOT_FLAG_SEARCH = {"\\Seen": "UNSEEN", "\\Flagged": "UNFLAGGED", "\\Answered": "UNANSWERED"}


def acknowledge(client: IMAPClient, account: ImapSettings, uids: list[int], copies: Copies) -> None:
    """Move (or flag) what is safely stored, with the fallbacks old servers need.

    Without MOVE: COPY, then ``\\Deleted`` and EXPUNGE. ``copies`` holds what is in the
    processed folder already (a refusal or a cut line after its COPY): never copied
    again; what this copies is added to it and written down before the STORE (see
    ``copies``)."""
    if not uids:
        return
    if account.after == "flag":
        client.add_flags(uids, [account.processed_flag], silent=True)
    elif client.has_capability("MOVE"):
        client.move(uids, account.processed_folder)
    else:
        copies.copy(client, account.processed_folder, uids)
        client.add_flags(uids, [DELETED], silent=True)
        if client.has_capability("UIDPLUS"):
            client.uid_expunge(uids)
        else:  # also removes what others marked \Deleted: the only way without UIDPLUS
            client.expunge()


def select_to_read(client: IMAPClient, account: ImapSettings) -> int:
    """Select the account's folder to read and acknowledge in; its UIDVALIDITY.

    A folder the account may read but not change (a shared folder with read rights
    only) is selected read-only, and imaplib raises at once, as an *abort*: said as
    "connection lost: b'"Support"' is not writable" at every retry. Said as what it is
    instead, with what to do; nothing is read, since nothing read could be moved or
    flagged, and the mail waits on the server."""
    try:
        selected = client.select_folder(account.folder)
    except IMAPClientReadOnlyError as exc:  # an abort to imaplib: before the next clause
        raise _read_only(account) from exc
    except IMAPClientAbortError:  # the connection lost: an outage
        raise
    except IMAPClientError as exc:
        if client.folder_exists(account.folder):
            raise
        raise _missing(client, account, exc) from exc
    check_flag_kept(selected, account)  # Exchange keeps no keyword of ours
    return int(selected[b"UIDVALIDITY"])


def _read_only(account: ImapSettings) -> ImapError:
    where = f"{account.host}:{account.port}"
    return ImapError(
        N_(
            "the folder {folder} on {where} is read-only for the account {user}: the "
            "gateway cannot move or flag what it stores there, so it reads nothing; give "
            "the account the right to change the folder (IMAP ACL rights w, s, t and e), "
            "or poll another folder; messages stay on the server until then",
            folder=account.folder,
            where=where,
            user=repr(account.username),
        )
    )


def _missing(client: IMAPClient, account: ImapSettings, exc: IMAPClientError) -> ImapError:
    """A ``folder`` the server has not (renamed, deleted, misspelt, or outside the
    account's namespace: Courier keeps folders under ``INBOX.``): said as what it is,
    with the setting and, where the server's NAMESPACE tells, the name that works; it
    was "… refused a command: select failed: …"."""
    where, user = f"{account.host}:{account.port}", repr(account.username)
    server = server_text(exc).removeprefix("select failed: ")
    if prefix := namespace_outside(client, account.folder):
        return ImapError(
            N_(
                "the folder {folder} does not exist on {where} for the account {user} "
                "({server}); the server keeps the account's folders under {prefix}: set "
                "folder = {suggested}",
                folder=repr(account.folder),
                where=where,
                user=user,
                server=server,
                prefix=repr(prefix),
                suggested=repr(prefix + account.folder),
            )
        )
    return ImapError(
        N_(
            "the folder {folder} does not exist on {where} for the account {user} "
            "({server}); set folder to one the account has (was it renamed or deleted?)",
            folder=repr(account.folder),
            where=where,
            user=user,
            server=server,
        )
    )


def check_flag_kept(selected: dict[bytes, Any], account: ImapSettings) -> None:
    """In flag mode, refuse a folder whose server says it cannot keep ``processed_flag``.

    Exchange (Microsoft 365) keeps no keyword a client makes up: its PERMANENTFLAGS
    lack ``\\*``, and it refuses the STORE. Every stored message was then refused its
    flag, tried again and left in the folder as a health problem of its own. Said once
    instead, before anything is read, with what to set; the mail waits on the server.
    No PERMANENTFLAGS at all means every flag is kept (RFC 3501)."""
    kept = selected.get(b"PERMANENTFLAGS")
    if account.after != "flag" or kept is None:
        return
    names = [f.decode("utf-8", "replace") if isinstance(f, bytes) else str(f) for f in kept]
    if "\\*" in names or account.processed_flag.lower() in {n.lower() for n in names}:
        return
    where = f"{account.host}:{account.port}"
    raise ImapError(
        N_(
            "the folder {folder} on {where} keeps no keyword {flag} (PERMANENTFLAGS: "
            '{flags}): set processed_flag = "\\\\Flagged" (or another flag it keeps) or '
            'after = "move"; messages stay on the server until then',
            folder=account.folder,
            where=where,
            flag=account.processed_flag,
            flags=" ".join(names),
        )
    )


def unacknowledged(
    client: IMAPClient, account: ImapSettings, last_uid: int, copied: Collection[int] = ()
) -> list[int]:
    """Stored (at or below the bookmark) but still in the folder, or still unflagged;
    a message the bookmark stepped over because it cannot be read is not stored, and
    one flagged ``\\Deleted`` by another client is left alone (``deleted``: maybe never
    stored), but for those of ``copied``, which this poller copied and flagged itself."""
    criteria: list[Any] = ["UID", f"1:{last_uid}", "UNKEYWORD", UNREADABLE]
    if account.after == "flag":
        flag = account.processed_flag
        criteria += [_NOT_FLAG_SEARCH[flag]] if flag in _NOT_FLAG_SEARCH else ["UNKEYWORD", flag]
    ours = sorted(uid for uid in copied if uid <= last_uid)
    found = set(client.search([*criteria, "UNDELETED"]))
    if ours:
        found |= set(client.search([*criteria, "UID", ",".join(map(str, ours))]))
    return sorted(found)


def forget_news(client: IMAPClient) -> None:
    """Drop ``* n EXISTS`` lines heard so far: the SEARCH that follows covers them."""
    pending = client._imap.untagged_responses  # imaplib files them here; no public hook
    for name in ("EXISTS", "RECENT", "EXPUNGE"):
        pending.pop(name, None)


@dataclass
class News:
    """Whether mail came since the last SEARCH: an EXISTS heard since, in answers to
    commands or in the lines a server sends just before its ``+ idling``, which
    ``idle_check`` never sees. A server may repeat ``* n EXISTS`` in every answer, its
    number unchanged (RFC 3501 lets it): each pass then heard news, and the poller
    passed over the folder without end. So the number heard after a pass that found
    nothing is *quiet*: heard again, it is not news, until a pass stores mail or the
    folder loses a message (an EXPUNGE: the same number may then be a new message)."""

    quiet: int | None = None

    def heard(self, client: IMAPClient) -> bool:
        pending = client._imap.untagged_responses
        if pending.pop("EXPUNGE", None):
            self.quiet = None
        counts = pending.get("EXISTS")
        return bool(counts) and int(counts[-1]) != self.quiet

    def another_pass(self, stored: int, client: IMAPClient | None) -> bool:
        """After a pass that stored ``stored``: whether to pass again before waiting."""
        if stored:
            self.quiet = None
            return True
        if client is None or not self.heard(client):
            return False
        self.quiet = int(client._imap.untagged_responses["EXISTS"][-1])
        return True


def read_ahead(client: IMAPClient) -> None:
    """File the lines imaplib has read from the socket already but not looked at.

    Dovecot answers IDLE with ``+ idling`` and, in the same packet, ``* n EXISTS`` for
    mail delivered since the last command; imaplib's buffered reader takes both, hands
    out the first, and keeps the second, where ``idle_check`` (which waits for the
    *socket* to be readable) never looks: the mail waited for the server's next word
    (Dovecot's "Still here", 2 minutes) or the IDLE renewal. Filed here as answers to
    commands are, :class:`News` hears it; a BYE among them raises, with its reason."""
    imap = client._imap  # imaplib: no public view of its buffer
    while _buffered(client):
        imap._get_response()  # one line (and its literals), filed in untagged_responses
    bye = imap.untagged_responses.pop("BYE", None)
    if bye:
        raise IMAPClientAbortError(bye[-1].decode("utf-8", "replace") or "BYE")


def _buffered(client: IMAPClient) -> bool:
    """Whether a line can be read without waiting: held in imaplib's buffer, or on the
    socket already. Looked at with the socket non-blocking (as ``idle_check`` does), so
    an empty buffer is never a wait."""
    sock = client.socket()
    timeout = sock.gettimeout()
    sock.settimeout(0.0)
    try:
        return bool(client._imap.file.peek(1))
    except OSError:  # nothing yet: BlockingIOError, or ssl.SSLWantReadError
        return False
    finally:
        sock.settimeout(timeout)


def heard_in_idle(client: IMAPClient, timeout: float) -> bool:
    """Whether the server said something in IDLE within ``timeout`` seconds; a BYE
    ends the session, and raises with the server's reason (``goodbye``)."""
    heard = client.idle_check(timeout=timeout)
    if (reason := goodbye(heard)) is not None:
        raise IMAPClientAbortError(reason)
    return bool(heard)


def goodbye(responses: list[tuple[Any, ...]]) -> str | None:
    """The reason of a ``* BYE`` among the lines heard in IDLE, else None. imapclient
    hands it back like any line and the session then ends at the next read as "EOF":
    without this the server's own words (Dovecot: "Selected mailbox was deleted, have
    to disconnect.", "Server shutting down.") never reached the log or ``status``."""
    for response in responses:
        if response and response[0] == b"BYE":
            words = [
                w.decode("utf-8", "replace") if isinstance(w, bytes) else str(w)
                for w in response[1:]
            ]
            return " ".join(words) or "BYE"
    return None


def hung_up(client: IMAPClient) -> bool:
    """Readable right after idle_check drained every line means end of file."""
    poller = select.poll()
    poller.register(client.socket().fileno(), select.POLLIN)
    return bool(poller.poll(0))
