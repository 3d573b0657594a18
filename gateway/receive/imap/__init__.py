"""The IMAP source: one poller per ``[[imap]]`` folder.

``poller`` reads a folder completely and never twice (the loop, the sync, the
waiting); ``connect`` opens a verified TLS session with credentials from
``auth``; ``folder`` acknowledges what is stored and listens for news;
``refused`` keeps a message whose move or flag the server refuses from holding
back new mail; ``damaged`` does so for one it cannot hand out, ``returns`` bounds
what a server puts back after its move, ``batches`` cuts fetches by size,
``commit`` stores a batch together with the bookmark;
``errors`` words every failure for the operator, and ``failures`` logs it once and
retries it with backoff.
"""

from gateway.receive.imap.errors import ImapError, describe
from gateway.receive.imap.failures import PollerStatus
from gateway.receive.imap.poller import ImapPoller

__all__ = ["ImapError", "ImapPoller", "PollerStatus", "describe"]
