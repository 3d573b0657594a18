"""Which daemon answers: a random word per process, and the proof of it its pages give.

``status`` knocked on ``[web]``'s port and took any program that accepted the
connection for the pages: another web server left on the port, or another instance of
the gateway (another site's, an old one still running). The daemon writes its word
beside its pid in the daemon lock (``gateway.receive.pipe``: 0600, in the data
folder, where ``status`` already reads whether a daemon runs), and its pages answer
``/-/instance`` with :func:`proof` of it; ``status`` compares the two. The word itself
never goes over HTTP (the answer is a hash of it under a label of its own), nor is
it a key to anything: it only tells this instance from another.
"""

from __future__ import annotations

import hashlib
import secrets

PATH = "/-/instance"  # where the pages answer with the proof
_THIS = secrets.token_hex(16)  # made once per process: the daemon's, its pages' too
_LABEL = b"ticket-gateway web instance\0"


def this_instance() -> str:
    """This process's word (the daemon writes it into its lock)."""
    return _THIS


def proof(instance: str) -> str:
    """What the pages of the daemon whose word is ``instance`` answer at :data:`PATH`."""
    return hashlib.sha256(_LABEL + instance.encode()).hexdigest()
