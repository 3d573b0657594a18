"""Mail that comes back: the same bytes, moved away, put back under a new UID.

A server may put a message the poller moved back into the folder under a new UID (a
server-side filter or a sync tool copying it back, a mail client restoring it): the
content digest finds it stored (no second ticket), and it was moved again, and put
back again, at every pass for ever, each time fetched whole.

So what is found stored again under a new UID is counted per content (its SHA-256):
up to :data:`MOVES_BACK` returns are moved as before (a person who put a message
back once, or a duplicate sent twice, is moved as usual); after that it is *kept*
where it is, like a message the server keeps after an OK (``refused``): remembered,
never fetched or moved again, forgotten when it leaves the folder, counted by
``status``. The first time is said in a warning, later ones in an info line. A
content that has not come back for :data:`FORGET_AFTER` is forgotten, so the
memory stays small; it lives in the poller (a restart counts again, bounded all the
same).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

log = logging.getLogger("gateway.imap")

MOVES_BACK = 3  # returns of the same content moved again before it is kept in the folder
FORGET_AFTER = timedelta(days=1)  # a content not seen back for this long is forgotten


@dataclass
class _Seen:
    last_at: datetime
    uids: set[int] = field(default_factory=set)  # the UIDs it came back under


@dataclass
class Returns:
    """What came back, per content digest."""

    seen: dict[str, _Seen] = field(default_factory=dict)
    told: bool = False  # the warning was logged

    def back(self, key: str, again: dict[int, bytes], now: datetime) -> set[int]:
        """``again``: messages of this pass found stored already under another UID (not
        in a rescan; one read again under its own UID is no return). The UIDs to keep
        in the folder rather than move once more."""
        self.seen = {d: s for d, s in self.seen.items() if now - s.last_at <= FORGET_AFTER}
        keep: set[int] = set()
        for uid, raw in again.items():
            seen = self.seen.setdefault(hashlib.sha256(raw).hexdigest(), _Seen(now))
            seen.last_at = now
            seen.uids.add(uid)  # the same UID again (a refused move tried again): once
            if len(seen.uids) > MOVES_BACK:
                keep.add(uid)
        if keep:
            self._say(key, sorted(keep))
        return keep

    def _say(self, key: str, uids: list[int]) -> None:
        where = ",".join(map(str, uids))
        if self.told:
            log.info("imap %s: uid %s came back once more: kept in the folder", key, where)
            return
        self.told = True
        log.warning(
            "imap %s: uid %s came back into the folder under a new UID after %d moves "
            "(stored already: no new ticket); it is kept there and not moved again (a "
            "server-side filter or sync tool putting moved mail back?), and status counts "
            "it",
            key,
            where,
            MOVES_BACK,
        )
