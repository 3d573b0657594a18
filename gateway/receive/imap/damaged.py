"""A message the server cannot hand out must not hold back the mail after it.

A damaged message on the server (a file its IMAP server cannot read, a broken
index entry) fails every FETCH that names it, and Dovecot even drops the
connection. The poller fetches in batches and keeps its bookmark at the last
message it stored, so without this module it would fetch the same batch for ever
and store nothing after the damaged message.

What is damaged is found one step at a time, each step after the poller's usual
reconnect and backoff, so a network cut is never taken for damage:

1. a batch fails: the messages up to its last one are fetched one at a time;
2. one message fails alone: it is a *suspect*;
3. on the next pass another message of the folder is read first, the newest (the
   server works; if that one fails too, the next pass reads the one before it; a
   folder with no other message is asked for the suspect's flags), and the suspect
   is fetched again: if it fails once more it is *damaged*. Mail after the suspect
   is not needed, so a damaged newest message is marked as soon as any other;
4. on the next pass it gets the keyword :data:`UNREADABLE` and the bookmark steps
   over it. It stays in the folder (never moved to ``processed_folder``, never
   flagged processed: the poller remembers it in the database, and
   :func:`gateway.receive.imap.folder.unacknowledged` skips the keyword too) for a
   person to see, and the error is logged. ``status`` names it for as long as it stays
   in the folder (``gateway.scheduling.unread``: a warning, a health problem after a
   day); once a person moved or deleted it, it is forgotten. A server that refuses the
   keyword, or forgets it, changes none of that (:func:`mark`).

A suspect that is read after all is stored as any other message. The state lives
in the poller: after a restart the steps begin again, and end the same way. A
rescan after a UIDVALIDITY change takes the same steps over the UIDs it has not
stored yet.

Some servers (Exchange among them) answer a FETCH without the message's content
(``BODY[] NIL``, or no ``BODY[]`` at all) for a message they cannot convert. Such a
message is not stored and not acknowledged, and the bookmark stays before it, so
the next pass asks for it again (the mail after it is stored meanwhile, and
recognised as stored when fetched again). After :data:`NO_CONTENT_TRIES` passes
without content it is marked :data:`UNREADABLE` and stepped over like a damaged one.
A message another client deleted after the SEARCH found it comes without content as
well (Dovecot answers the FETCH without it): it is looked up, said to be gone, and
stepped over at once.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError

from gateway.receive.imap.folder import UNREADABLE

log = logging.getLogger("gateway.imap")

# the keys BODY.PEEK[] comes back under: whole, or its first bytes (``oversize.whole``)
BODY = (b"BODY[]", b"BODY[]<0>")
# What the probe reads of a message: its first byte, so the server must open it (a header
# may come from its cache) and a 20 MB message costs no more than a small one
PROBE = "BODY.PEEK[]<0.1>"
# Passes in a row that get no content for a message before it is marked and stepped over:
# passes come at new mail and at least every poll_interval or IDLE renewal (5 minutes)
NO_CONTENT_TRIES = 5


def contents(fetched: Mapping[int, Mapping[bytes, object]], uids: list[int]) -> dict[int, bytes]:
    """The content of each of ``uids`` the FETCH answer carries; a message answered
    with ``BODY[] NIL``, without ``BODY[]`` or not at all is not in it."""
    found = {}
    for uid in uids:
        given = fetched.get(uid, {})
        body = next((given[key] for key in BODY if key in given), None)
        if isinstance(body, bytes):
            found[uid] = body
    return found


@dataclass
class Damage:
    """What the poller has learnt about messages that fail to be fetched."""

    single_until: int = 0  # a batch up to this UID failed: fetch one at a time up to here
    suspect: int | None = None  # this UID failed alone
    probed: bool = False  # another message was read in this pass, after the suspect failed
    damaged: int | None = None  # failed alone again right after another message was read
    no_content: dict[int, int] = field(default_factory=dict)  # UID: passes that got none
    bad_probes: set[int] = field(default_factory=set)  # failed as the probe for this suspect

    def batches(self, uids: list[int], size: int) -> list[list[int]]:
        """``uids`` in fetches: one at a time up to ``single_until``, then ``size`` each."""
        singles = [[uid] for uid in uids if uid <= self.single_until]
        rest = [uid for uid in uids if uid > self.single_until]
        return singles + [rest[i : i + size] for i in range(0, len(rest), size)]

    def failed(self, uids: list[int]) -> None:
        """A FETCH of ``uids`` failed: the next step (see the module's docstring)."""
        if len(uids) > 1:
            self.single_until = max(self.single_until, uids[-1])
        elif self.probed and uids[0] == self.suspect:
            self.damaged = uids[0]
        else:
            self.suspect, self.probed = uids[0], False

    def before_pass(self, client: IMAPClient, uids: list[int], key: str) -> int | None:
        """At the start of a pass over ``uids`` (not stored yet, oldest first): the damaged
        UID, now marked, which the bookmark is to step over; else None. With a suspect
        first, probes the server (see ``_probe``; its failure raises)."""
        first = uids[0] if uids else None
        if self.damaged is not None and first == self.damaged:
            mark(client, [first], key)
            log.error(
                "imap %s: uid %s cannot be read from the server (it failed alone twice, "
                "while other messages could be read); it stays in the folder with the "
                "keyword %s, and the mail after it is read on",
                key,
                first,
                UNREADABLE,
            )
            self.suspect, self.probed, self.damaged = None, False, None
            self.bad_probes.clear()
            return first
        self.damaged = None
        if self.suspect is None or first != self.suspect:
            self.suspect, self.probed = None, False  # read after all, or gone
            self.bad_probes.clear()
            return None
        self._probe(client, first)
        self.probed = True
        return None

    def _probe(self, client: IMAPClient, suspect: int) -> None:
        """Show that the server hands out mail: read the first byte of another message
        of the folder (the newest that has not failed as a probe), whatever its size; a
        failure raises, and the next pass reads another one (that one may be damaged
        too; all failed once: a network cut, maybe, so round again). The folder may
        hold no other message (the suspect is the newest, the mail before it moved):
        then the server answering for the suspect's flags is the sign it works, so
        that the suspect is marked after as many passes as one with mail after it."""
        others = sorted(client.search(["NOT", "UID", str(suspect), "UNKEYWORD", UNREADABLE]))
        tried = [uid for uid in reversed(others) if uid not in self.bad_probes]
        if not tried:
            self.bad_probes.clear()
            tried = others[::-1]
        if not tried:
            client.fetch([suspect], ["FLAGS"])
            return
        try:
            client.fetch([tried[0]], [PROBE])
        except (OSError, IMAPClientError):
            self.bad_probes.add(tried[0])
            raise

    def given_up(self, client: IMAPClient, uids: list[int], key: str) -> set[int]:
        """Note a pass in which ``uids`` came without content; those that reached
        :data:`NO_CONTENT_TRIES` are marked now and returned, to be stepped over, as
        are those deleted by another client since the SEARCH found them (a FETCH
        answers without them too, and nothing would ever hand them out)."""
        there = set(client.search(["UID", ",".join(map(str, uids))]))
        done = {uid for uid in uids if uid not in there}
        for uid in sorted(done):
            self.no_content.pop(uid, None)
            log.warning(
                "imap %s: uid %s was deleted from the folder (by another client) before "
                "it could be read; there is nothing to store",
                key,
                uid,
            )
        for uid in (uid for uid in uids if uid in there):
            tries = self.no_content[uid] = self.no_content.get(uid, 0) + 1
            if tries < NO_CONTENT_TRIES:
                log.warning(
                    "imap %s: uid %s came without its content (the server answered "
                    "BODY[] NIL or left it out); it stays in the folder and is asked for "
                    "again at the next pass (%d of %d tries)",
                    key,
                    uid,
                    tries,
                    NO_CONTENT_TRIES,
                )
                continue
            del self.no_content[uid]
            done.add(uid)
        marked = sorted(done & there)
        if marked:
            mark(client, marked, key)
            for uid in marked:
                log.error(
                    "imap %s: uid %s came without its content %d times; it stays in the "
                    "folder with the keyword %s, and the mail after it is read on",
                    key,
                    uid,
                    NO_CONTENT_TRIES,
                    UNREADABLE,
                )
        return done

    def got_content(self, uids: list[int]) -> None:
        """``uids`` were read after all: their count starts again if it ever happens again."""
        for uid in uids:
            self.no_content.pop(uid, None)


def mark(client: IMAPClient, uids: list[int], key: str) -> None:
    """The keyword :data:`UNREADABLE` on ``uids``, for people to see. What keeps them
    from being acknowledged unstored is the poller's own record (``refused``'s
    ``unreadable``, kept in the database): a server may refuse the keyword (the message
    locked, or no keywords of ours kept, as on Exchange) or keep it for the session
    only. A refusal is said and the mail after them is read on all the same; a dropped
    connection raises (an outage)."""
    try:
        client.add_flags(uids, [UNREADABLE], silent=True)
    except IMAPClientAbortError:
        raise
    except IMAPClientError as exc:
        log.warning(
            "imap %s: uid %s: the server refused the keyword %s (%s); the gateway remembers "
            "them itself, never moves or flags them, and reads on",
            key,
            ",".join(map(str, uids)),
            UNREADABLE,
            exc,
        )
