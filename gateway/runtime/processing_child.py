"""The processing process's side (see :mod:`gateway.runtime.processing`).

It reads its settings from the socket the daemon passed, runs the loops of
:mod:`gateway.runtime.background` until QUIT, the end of the socket or a
signal, and tells the daemon which inbox row it works on, so that the daemon
can kill it when a row outlives its budget.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection

from gateway.config.settings import Settings
from gateway.core.clock import SystemClock
from gateway.runner.budget import RowParser
from gateway.runner.parse_pipe import ParsePipe
from gateway.runtime import background, parse_process
from gateway.runtime.app import App, build
from gateway.runtime.logs import TEXT_FORMAT, use_format
from gateway.runtime.memory import give_memory_back
from gateway.runtime.nudges import Nudges, Tuning, stop_workers
from gateway.runtime.processing import (
    CHILD_STOP_BOUND,
    QUIT,
    READY,
    RELOAD_CATALOG,
    WAKE_INBOX,
    WAKE_OUTBOX,
)
from gateway.runtime.row_board import RowBoard
from gateway.runtime.schema_watch import SchemaWatch

NICENESS = 10  # below the doors: a 250 is answered before a row is processed


def main(fd: int) -> None:
    conn = Connection(fd)
    settings, level, tuning, catalog_text, board_fd = conn.recv()
    assert isinstance(settings, Settings) and isinstance(tuning, Tuning)
    with contextlib.suppress(OSError):  # a sandbox may refuse; then at the same priority
        os.nice(NICENESS)
    logging.basicConfig(level=level, format=TEXT_FORMAT)
    use_format(settings.logging.format)
    give_memory_back()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda _sig, _frame: stop.set())
    serve(_app(settings, RowBoard(board_fd), catalog_text, stop), conn, tuning, stop)


def _app(
    settings: Settings, board: RowBoard, catalog_text: str | None, stop: threading.Event
) -> App:
    """The daemon migrated already. Rows are parsed ahead in a parse process of this
    one (issue #18: parsing was 40 % of the runner's CPU), waited for at most the
    row's budget, and inline when that process died: this whole process is what the
    budget kills (the daemon watches the rows this reports). ``stop``: the signal
    that stops the service ends the parse process too, which is then no death."""
    app = build(
        settings,
        SystemClock(),
        migrate_schema=False,
        checkpoint_apart=True,
        catalog_text=catalog_text,  # the daemon's, even if the file is broken by now
    )
    pipe = ParsePipe(parse_process.COMMAND, stopping=stop)
    pipe.start()  # its imports run beside this process's, not in the first mail's time
    parser = RowParser.piped(pipe)
    built = app.the_runner()
    runner = dataclasses.replace(built, parser=parser, on_row=board.post)
    if built.parser is not None:  # only the parser is replaced: the claims and the
        built.parser.close()  # turnstile go on in the new runner, open
    return dataclasses.replace(app, runner=runner)


def serve(app: App, conn: Connection, tuning: Tuning, stop: threading.Event) -> None:
    nudges = Nudges()
    # a watch of its own: this process stops processing by itself, even before the
    # daemon (which asks on the same interval) tells it to stop
    found = background.workers(app, nudges, tuning, SchemaWatch(app.engine, tuning.schema_interval))
    try:
        conn.send_bytes(READY)  # first: every row line after it is watched
        for worker in found:
            worker.start()
        nudges.inbox.set()  # rows left pending (or stored while we started) at once
        nudges.outbox.set()
        listen = (conn, nudges, stop, app.catalog.take)
        threading.Thread(target=_listen, args=listen, daemon=True).start()
        while not stop.wait(1.0):  # a timeout, so that the signal handlers get their turn
            pass
    finally:
        stop_workers(found, nudges, time.monotonic() + CHILD_STOP_BOUND)
        app.close()


def _listen(
    conn: Connection, nudges: Nudges, stop: threading.Event, take: Callable[[str], object]
) -> None:
    """The daemon's wake-ups and catalog reloads, until QUIT or the end of the socket
    (the daemon is gone)."""
    wakes = {WAKE_INBOX: nudges.inbox, WAKE_OUTBOX: nudges.outbox}
    while True:
        try:
            what = conn.recv_bytes()
        except (EOFError, OSError):
            break
        if what == QUIT:
            break
        if what.startswith(RELOAD_CATALOG):
            take(what[len(RELOAD_CATALOG) :].decode("utf-8"))  # swapped whole
        elif (event := wakes.get(what)) is not None:
            event.set()
    stop.set()
