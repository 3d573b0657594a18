"""A door's event loop, run in a thread of its own beside the daemon's other threads.

The SMTP/LMTP listener, the web server and the Slack app serve on asyncio while the
runner, the sender and the scheduler are plain threads: each door runs an event loop
forever in a daemon thread, opens its server in it within a time limit (a port taken
fails ``start`` at once and leaves nothing running), and closes the loop when it
stops. That much is the same for every door and written once here, as is how a
door stops accepting before it closes its connections (:func:`stop_accepting`); what
a door opens, and how it drains its connections before the loop closes, are its own.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any

from gateway.core.accept_errors import say_out_of_resources


class LoopThread:
    """``loop`` run forever by ``thread`` (a daemon thread named ``thread_name``), its
    accept errors said as :func:`say_out_of_resources` says them for ``door``."""

    def __init__(self, thread_name: str, door: str) -> None:
        self.loop = asyncio.new_event_loop()
        say_out_of_resources(self.loop, door)  # EMFILE: one line a minute
        self.thread = threading.Thread(target=self.loop.run_forever, name=thread_name, daemon=True)

    def start(self, opening: Coroutine[Any, Any, None], timeout: float) -> None:
        """Run the loop, then ``opening`` in it (binding the door's port); whatever it
        raises, or the time running out, closes the loop and is raised here."""
        self.thread.start()
        try:
            asyncio.run_coroutine_threadsafe(opening, self.loop).result(timeout)
        except BaseException:
            self.close()
            raise

    def alive(self) -> bool:
        """For the watchdog: the loop still runs (a dead one serves nothing)."""
        return self.thread.is_alive() and self.loop.is_running()

    def close(self) -> None:
        """Stop the loop and close it once its thread has ended (within 5 s; a thread
        still in a callback then keeps its loop open rather than close it under it)."""
        if self.loop.is_running():
            self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        if not self.thread.is_alive() and not self.loop.is_closed():
            self.loop.close()


SETUP_TURNS = 3  # loop turns for an accepted connection to be set up before the close


async def stop_accepting(server: asyncio.AbstractServer | None) -> None:
    """Close a listening ``server`` without leaving a socket open: on Python 3.11 a
    connection accepted just before the close is set up a turn or two after it, after
    aiohttp's shutdown has closed the connections it knew, and its socket is left open
    when the loop stops (a ResourceWarning later, in whatever code runs then). So the
    listening sockets are taken off the loop first, what was accepted is let be set up
    (the shutdown that follows then closes it too), and only then the server closed."""
    if server is None:
        return
    loop = asyncio.get_running_loop()
    for sock in getattr(server, "sockets", None) or ():
        loop.remove_reader(sock.fileno())
    for _ in range(SETUP_TURNS):
        await asyncio.sleep(0)
    server.close()
