"""The IMAP source: one poller per ``[[imap]]`` folder.

``poller`` reads a folder completely and never twice (the loop, the sync, the
waiting); ``connect`` opens a verified TLS session with credentials from
``auth``; ``folder`` acknowledges what is stored and listens for news;
``errors`` words every failure for the operator.
"""

from gateway.receive.imap.errors import ImapError, describe
from gateway.receive.imap.poller import ImapPoller, PollerStatus

__all__ = ["ImapError", "ImapPoller", "PollerStatus", "describe"]
