"""The inbox-accept contract: what every door hands over, and when it is a duplicate.

Every source (SMTP/LMTP, IMAP, the MTA pipe, bulk ``ingest``) stores raw mail
through an :class:`InboxAcceptor`, and every acceptor applies the same
duplicate rule through :func:`plan`, so "stored once" means the same thing
whichever door the mail came through and whichever backend stores it
(:mod:`store.accept.sqlite` on SQLite, :mod:`store.accept.generic` elsewhere).

A batch ingest may hand over a big message as the file it is in
(:class:`~store.accept.message_file.MessageFile`) instead of its bytes: its keys
are then read from the file a piece at a time, and a backend stores it from
there (:mod:`store.accept.message_file`).

Stdlib only: the MTA pipe's fast path imports this before anything heavy.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, overload

from gateway.core.sniff import header_message_id
from gateway.core.text import nul_replaced

if TYPE_CHECKING:  # imported where a file is handed over: not on the pipe's fast path
    from store.accept.message_file import MessageFile


@dataclass(frozen=True, slots=True)
class Incoming:
    """One message to accept, as its source received it."""

    raw: bytes | MessageFile  # a file: read, hashed and stored a piece at a time
    source: str  # smtp | lmtp | imap | ingest
    source_ref: str = ""  # the peer, a file, an IMAP account/uidvalidity/uid
    envelope_from: str | None = None  # "" for the null sender <>; None when unknown
    envelope_to: Sequence[str] = ()
    bulk: bool = False  # an import of files or folders, a mailbox's first sync: not live
    untrusted_peer: bool = False  # SMTP from a peer whose Authentication-Results prove nothing
    claim: Claim | None = None  # a key only one stored row may hold (a form's token)


@dataclass(frozen=True, slots=True)
class Claim:
    """A key that only one stored row may hold: a web form's one-time token, so that two
    different documents sent with one token (at the same instant, on two instances) are
    stored once. Written in the transaction that stores the row, into ``rate_counters``
    (``key``, ``window_start`` = ``since``), whose unique key decides between two at
    once; the counters' purge drops it a day after ``since`` (when the token expires).
    A row not stored (a 503) claims nothing."""

    key: str
    since: datetime


class Claimed(Exception):
    """An item's :class:`Claim` is held already (by a row with other bytes): nothing of
    the batch was stored."""


@dataclass(frozen=True, slots=True)
class Accepted:
    inbox_id: int
    duplicate: bool  # already stored under the rule: nothing new was written


@dataclass(frozen=True, slots=True)
class DuplicateRule:
    """When a message counts as already stored. The same bytes always do.

    ``message_id``: a Message-ID already in the inbox does too (``message_id_from``:
    only one stored from sources whose ``source_ref`` begins so). No door uses it any
    more: devices reuse Message-IDs (``<1@localhost>``), and another mail under a taken
    one was lost at the SMTP door, and in an IMAP rescan, which now also asks for the
    same sender and subject (``gateway.receive.imap.accept``).
    """

    message_id: bool = False
    message_id_from: str | None = None


MAX_ENVELOPE = 512  # characters of the envelope sender kept (the column's size)


def envelope(sender: str | None) -> str | None:
    """The envelope sender as stored: RFC 5321 allows a path of 256 octets, but a longer
    one must not keep the mail out (PostgreSQL refused the row, and the sender retried
    forever): it is kept cut to the column's size."""
    return sender if sender is None or len(sender) <= MAX_ENVELOPE else sender[:MAX_ENVELOPE]


BYTES_ONLY = DuplicateRule()
RESEND = DuplicateRule(message_id=True)


@dataclass(frozen=True, slots=True)
class Candidate:
    """An item with the keys the rule looks at, computed once."""

    item: Incoming
    digest: str
    message_id: str | None  # from the header block, recorded on the row either way
    size: int  # of the raw message (of a file: as read for the digest)


def candidates(items: Sequence[Incoming]) -> list[Candidate]:
    return [_candidate(i) for i in items]


def _candidate(item: Incoming) -> Candidate:
    item = _storable(item)
    raw = item.raw
    if isinstance(raw, bytes | bytearray):
        mid = header_message_id(raw)
        return Candidate(item, hashlib.sha256(raw).hexdigest(), _text(mid), len(raw))
    from store.accept.message_file import file_keys

    keys = file_keys(raw)
    return Candidate(item, keys.sha256, _text(keys.message_id), keys.size)


def _storable(item: Incoming) -> Incoming:
    """``item`` with text every backend stores: PostgreSQL's text columns refuse NUL,
    and one in an EHLO, a MAIL FROM or a Message-ID made the INSERT fail at every try
    (a 451 until the sender bounced the mail): it is U+FFFD on every backend
    (:func:`~gateway.core.text.nul_replaced`; it was left out, unlike everywhere else).
    A byte that is not UTF-8 there comes from aiosmtpd as a lone surrogate, which no
    driver can encode: it became U+FFFD too. The raw bytes are kept as they came."""
    texts = (item.source_ref, item.envelope_from or "", *item.envelope_to)
    if all(_clean(t) for t in texts):
        return item
    return replace(
        item,
        source_ref=_text(item.source_ref),
        envelope_from=_text(item.envelope_from),
        envelope_to=tuple(_text(t) for t in item.envelope_to),
    )


def _clean(value: str) -> bool:
    """No NUL and no lone surrogate (the common case, checked without a copy)."""
    return "\x00" not in value and (value.isascii() or not _SURROGATE.search(value))


_SURROGATE = re.compile("[\ud800-\udfff]")


@overload
def _text(value: str) -> str: ...
@overload
def _text(value: None) -> None: ...
def _text(value: str | None) -> str | None:
    if value is None:
        return None
    return _SURROGATE.sub("\ufffd", nul_replaced(value))


@dataclass(frozen=True, slots=True)
class Known:
    """What the backend found stored already: digest → id, Message-ID → first id."""

    digests: Mapping[str, int]
    message_ids: Mapping[str, int]


def lookup_ids(cands: Sequence[Candidate], rule: DuplicateRule) -> list[str]:
    """The Message-IDs a backend must look up for ``rule`` (none when it ignores them)."""
    return [c.message_id for c in cands if c.message_id] if rule.message_id else []


def plan(
    cands: Sequence[Candidate], rule: DuplicateRule, known: Known
) -> list[Accepted | tuple[int, bool]]:
    """Per candidate: an :class:`Accepted` for one stored before, or ``(n, duplicate)``
    naming the n-th new row to insert (a second copy in the same batch points at
    the first one's row and is a duplicate)."""
    new_index: dict[tuple[str, str], int] = {}
    count = 0
    out: list[Accepted | tuple[int, bool]] = []
    for c in cands:
        keys = [("d", c.digest)]
        if rule.message_id and c.message_id:
            keys.append(("m", c.message_id))
        stored = known.digests.get(c.digest)
        if stored is None and rule.message_id and c.message_id:
            stored = known.message_ids.get(c.message_id)
        if stored is not None:
            out.append(Accepted(stored, duplicate=True))
            continue
        earlier = next((new_index[k] for k in keys if k in new_index), None)
        if earlier is not None:
            out.append((earlier, True))
            continue
        for k in keys:
            new_index.setdefault(k, count)
        out.append((count, False))
        count += 1
    return out


def new_rows(
    cands: Sequence[Candidate], planned: Sequence[Accepted | tuple[int, bool]]
) -> list[Candidate]:
    """The candidates to insert, in the order their indexes in ``planned`` count."""
    return [c for c, p in zip(cands, planned, strict=True) if isinstance(p, tuple) and not p[1]]


def resolve(planned: Sequence[Accepted | tuple[int, bool]], ids: Sequence[int]) -> list[Accepted]:
    return [p if isinstance(p, Accepted) else Accepted(ids[p[0]], p[1]) for p in planned]


class InboxAcceptor(Protocol):
    """A backend that stores a batch in one transaction of its own: its commit is the
    acknowledgement a source may give (250, exit 0). Raises
    :class:`~gateway.core.errors.TransientError` when the database is locked or gone."""

    def accept_many(
        self, items: Sequence[Incoming], *, now: datetime, rule: DuplicateRule = BYTES_ONLY
    ) -> list[Accepted]: ...

    # A message file handed over (Incoming.raw a MessageFile) is stored from the file a
    # piece at a time and can be read back a range at a time (stored()): a caller may
    # leave big files on disk. False: the backend binds a message whole anyway.
    streams_files: bool

    def expecting(self) -> AbstractContextManager[None]:
        """Held while a write to this backend is coming (an SMTP session's DATA): on
        SQLite the runner then finishes its row first (store.turnstile); elsewhere
        nothing to do."""
        ...

    def stored(self, inbox_id: int) -> AbstractContextManager[StoredRaw | None]:
        """A stored row's bytes to read a range at a time, never whole; None when there
        is no such row, or the backend cannot read a row so (``streams_files`` False)."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class StoredRaw:
    """A stored message to read a range at a time (:meth:`InboxAcceptor.stored`)."""

    size: int
    sha256: str  # as recorded on the row (checked against the bytes when they were written)
    read: Callable[[int, int], bytes]  # (start, end) → those bytes
