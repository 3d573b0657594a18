"""The chat poster's loop, supervised by the daemon as the worker ``chat-poster``.

Posts at once when a pass of the runner or the scheduler may have queued news,
and at least every few seconds for rows whose retry came due. A database that
is down makes it wait and try again; a chat service that is down only delays
its own rows (the poster's backoff), never mail.
"""

from __future__ import annotations

import logging
import threading

from gateway.chat.poster import ChatPoster
from gateway.core.backoff import Backoff
from gateway.core.errors import TransientError

log = logging.getLogger("gateway.chat.poster")

POST_INTERVAL = 5.0  # seconds between looks for due rows (retries)
MAX_BACKOFF = 60.0


def poster_loop(poster: ChatPoster, nudge: threading.Event, stop: threading.Event) -> None:
    backoff = Backoff(1.0, MAX_BACKOFF)
    while not stop.is_set():
        try:
            poster.drain(stop.is_set)
            backoff.succeeded()
            nudge.wait(POST_INTERVAL)
            nudge.clear()
            continue
        except TransientError as exc:
            delay = backoff.failed()
            log.warning("chat poster: database unavailable, retrying in %.0fs: %s", delay, exc)
        except Exception:  # the loop must go on; rows stay pending and are retried
            delay = backoff.failed()
            log.exception("chat poster pass failed, retrying in %.0fs", delay)
        stop.wait(delay)
