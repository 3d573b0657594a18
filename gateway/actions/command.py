"""A command action: argv as written, no shell, the document on stdin.

The program starts in its own session (so its own process group) with a
scrubbed environment (:data:`ENVIRONMENT` and the run's key, nothing of the
daemon's: no database URL, no password variables), in the catalog's folder.
Its stdout and stderr are read concurrently and kept up to a limit (the rest is
read and dropped, so a chatty program never blocks on a full pipe); the document is
written to stdin without blocking, so its writer, like the readers, stops at the end of
the grace below whoever holds the pipe (:class:`_Feed`). At the
timeout the whole group gets SIGTERM, then SIGKILL after :data:`KILL_GRACE`;
when the program ends, whatever it left running in its group is killed too, so
no action outlives its run. Then one :data:`SETTLE_GRACE` in all for the program
to be reaped (after a SIGKILL) and its pipes read to their end: an attempt never
takes more than its timeout + :data:`OVERRUN`, which the worker's lease covers.

Exit 0 succeeds; exit 75 (``EX_TEMPFAIL``) and a timeout are tried again; any
other exit fails the run at once.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from gateway.actions import failures
from gateway.actions.outcome import Attempt, Verdict, decode, whole_characters
from gateway.catalog.action_reader import argument_problem
from gateway.catalog.model import COMMAND_PATH
from gateway.core.i18n import Msg
from gateway.core.os_errors import os_error

EX_TEMPFAIL = 75
KILL_GRACE = 2.0  # seconds between SIGTERM and SIGKILL for a program past its timeout
# seconds after the program ended (or got SIGKILL) for it to be reaped and its pipes read:
# one grace for both, so a process it left in a session of its own holding a pipe open,
# or one the kernel is slow to reap, costs no more
SETTLE_GRACE = 2.0
# the most an attempt takes past its timeout: SIGTERM, SIGKILL after KILL_GRACE, then
# SETTLE_GRACE (the worker's lease is the timeout + OVERRUN + ``[actions] lease_grace``)
OVERRUN = KILL_GRACE + SETTLE_GRACE
PIPE = 65_536  # bytes written to stdin at once: Linux's pipe buffer
READER_STOP = 1.0  # seconds a woken reader may take to close its pipe and end (at once)
STOP_POLL = 0.2  # seconds between looks at whether the daemon is stopping
# systemd's stop signals every process of the service (KillMode=control-group), the
# program in its session of its own too: a program that died of one of these, or exited
# as a shell script does of it (128 + its number), may have died of the daemon's stop
# before the daemon's handler ran. Such an end waits up to STOP_NOTICE seconds for the
# stop to show, then counts as the program's own failure (an end before the timeout,
# SETTLE_GRACE and this stay within OVERRUN past the timeout: the lease covers them).
_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
STOP_ENDS = frozenset({-int(s) for s in _STOP_SIGNALS} | {128 + int(s) for s in _STOP_SIGNALS})
STOP_NOTICE = 1.0
log = logging.getLogger("gateway.actions")
ENVIRONMENT = {"PATH": COMMAND_PATH, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}


@dataclass
class _Capture:
    """One pipe read to its end; the first ``limit`` bytes kept."""

    limit: int
    data: bytearray = field(default_factory=bytearray)
    dropped: int = 0
    held: bool = False  # stopped by ``wake`` before the pipe's end: someone held it open

    def drain(self, pipe: IO[bytes], wake: int) -> None:
        """Read ``pipe`` to its end, or until ``wake`` (a pipe's read end) is readable: a
        child the program left behind in a session of its own (``setsid``) may hold the
        pipe open long after the program ended, and a reader waiting for its end kept
        this thread and the pipe until that child ended too."""
        # What is there now, not a full 64 KiB: a full read would sit on the program's
        # last lines until the pipe's end, and the run would lose them (its JSON result
        # too) when the worker stops waiting.
        with pipe:
            watch = select.poll()  # poll, not select: no FD_SETSIZE limit on the numbers
            watch.register(pipe.fileno(), select.POLLIN)
            watch.register(wake, select.POLLIN)
            while True:
                if any(fd == wake for fd, _ in watch.poll()):
                    self.held = True
                    return
                if not (chunk := os.read(pipe.fileno(), 65_536)):
                    return
                room = 0 if self.dropped else self.limit - len(self.data)
                self.data += chunk[:room]
                if len(chunk) > room and not self.dropped:  # the limit, maybe in a character:
                    whole = whole_characters(bytes(self.data))  # its part is not kept either
                    self.dropped = len(self.data) - len(whole)
                    del self.data[len(whole) :]
                self.dropped += max(len(chunk) - room, 0)

    def text(self) -> str:
        return decode(bytes(self.data))  # the cut is counted (``dropped``), not said here


def run_command(
    argv: Sequence[str],
    body: bytes,
    *,
    workdir: Path | None,
    timeout: float,
    limit: int,
    key: str,
    stop: Callable[[], bool] = lambda: False,
) -> Attempt:
    """Run once; never raises for what the program did. ``stop``: the daemon is stopping,
    so the program's group is ended (as at the timeout) rather than left running
    unwatched in its own session, where the run, due again at the next start, would
    meet it still at work."""
    started = time.monotonic()
    env = {**ENVIRONMENT, "TICKET_GATEWAY_IDEMPOTENCY_KEY": key}
    try:
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=workdir,
            env=env,
            start_new_session=True,  # its own process group, the one we kill
            close_fds=True,
        )
    except ValueError as exc:  # a NUL or a lone surrogate in argv (catalog check refuses
        said = next((p for a in argv if (p := argument_problem(a)) is not None), None)
        error = failures.cannot_start(argv[0], said or str(exc))  # them since)
        return Attempt(Verdict.PERMANENT, None, error, "", time.monotonic() - started)
    except OSError as exc:
        error = failures.cannot_start(argv[0], os_error(exc))
        return Attempt(Verdict.PERMANENT, None, error, "", time.monotonic() - started)
    feed, out, err = _Feed(body), _Capture(limit), _Capture(limit)
    wake_reader, wake = os.pipe()  # written to once: the writer and both readers stop
    threads = [
        threading.Thread(target=feed.write, args=(proc.stdin, wake_reader), daemon=True),
        threading.Thread(target=out.drain, args=(proc.stdout, wake_reader), daemon=True),
        threading.Thread(target=err.drain, args=(proc.stderr, wake_reader), daemon=True),
    ]
    for t in threads:
        t.start()
    timed_out = stopped = False
    code: int | None = None
    try:
        while True:
            left = started + timeout - time.monotonic()
            try:
                code = proc.wait(max(min(STOP_POLL, left), 0.0))
                break
            except subprocess.TimeoutExpired:
                stopped, timed_out = stop(), left <= STOP_POLL
                if stopped or timed_out:
                    code = _stop(proc)
                    break
    finally:
        _kill_group(proc.pid, signal.SIGKILL)  # what it left behind in its group
        # a process outside the group (its own session) may keep a pipe open: reaping
        # and the readers get one grace in all, then the run goes on with what they read
        settled = time.monotonic() + SETTLE_GRACE
        if code is None:  # SIGKILLed (or an exception here): reaped within the grace
            code = _reaped(proc, settled)
        for t in threads:
            t.join(max(settled - time.monotonic(), 0.0))
        _stop_readers(threads, wake_reader, wake)
    if out.held or err.held:
        log.warning(
            "command %s: a process it left running held its output open; "
            "read until the grace ended, then closed",
            argv[0],
        )
    if feed.held:
        log.warning(
            "command %s: a process it left running held its stdin open and did not read "
            "it; %d bytes of the document were not written, then it was closed",
            argv[0],
            feed.unwritten(),
        )
    if not (stopped or timed_out) and code not in (None, 0):
        stopped = _ended_by_stop(code, stop)
    verdict, why = _verdict(code, timeout, stopped=stopped, timed_out=timed_out)
    output = _said(out.text(), err.text() if err.data or err.dropped else None, verdict)
    seconds = time.monotonic() - started
    return Attempt(
        verdict,
        code,
        why,
        output,
        seconds,
        out.text(),
        cut=out.dropped + err.dropped,
        stopped=stopped,
        unwritten=feed.unwritten(),
    )


def _said(out: str, err: str | None, verdict: Verdict) -> str:
    """What the program said, as the run's row, its event and the failure mail show it
    from the start (8000 characters, 10 lines): stdout, then stderr under ``[stderr]``;
    a program that failed says why on stderr, after stdout's lines of progress, which
    would push it out of all three, so its stderr comes first there (``[stdout]`` after)."""
    if err is None:
        return out
    if verdict != Verdict.OK and out:
        said = err.removesuffix("\n")
        return f"[stderr]\n{said}\n[stdout]\n{out}"
    return f"{out}\n[stderr]\n{err}"


def _verdict(
    code: int | None, timeout: float, *, stopped: bool, timed_out: bool
) -> tuple[Verdict, Msg | str]:
    """What the program's end means for the run, and why it did not succeed."""
    if stopped:
        return Verdict.TEMPORARY, failures.stopped_with_daemon()
    if timed_out:
        return Verdict.TEMPORARY, failures.killed_at_timeout(timeout)
    if code == 0:
        return Verdict.OK, ""
    if code == EX_TEMPFAIL:
        return Verdict.TEMPORARY, failures.temporary_exit(code)
    if code is None:  # never: a program not reaped is said as the SIGKILL it got
        return Verdict.PERMANENT, failures.killed_by_signal(signal.SIGKILL)
    error = failures.killed_by_signal(-code) if code < 0 else failures.exit_code(code)
    return Verdict.PERMANENT, error


def _ended_by_stop(code: int, stop: Callable[[], bool]) -> bool:
    """Whether the program's failure is the daemon's stop, not its own: the daemon is
    stopping, or (an end in :data:`STOP_ENDS`) is within :data:`STOP_NOTICE`. Then the
    run is due again at the next start, the try not counted, as when the worker ended
    the program itself; a failure for good would mail ``on_failure`` about work a
    restart merely interrupted. Exit 0 is never asked: the work was done."""
    if stop():
        return True
    if code not in STOP_ENDS:
        return False
    by = time.monotonic() + STOP_NOTICE
    while time.monotonic() < by:
        # real time, as proc.wait's: the daemon's signal handler is what it waits for
        time.sleep(STOP_POLL / 4)  # noqa: TID251
        if stop():
            return True
    return False


def _stop_readers(readers: Sequence[threading.Thread], wake_reader: int, wake: int) -> None:
    """Wake the readers still waiting on a pipe someone else holds open, so they close it
    and end now, not when that process ends; then close the wake-up pipe."""
    try:
        if any(t.is_alive() for t in readers):
            os.write(wake, b"x")
            for t in readers:
                t.join(READER_STOP)
    finally:
        os.close(wake)
        os.close(wake_reader)


@dataclass
class _Feed:
    """The document written to the program's stdin, without blocking: a program that
    does not read it, while a process it left running in a session of its own holds
    stdin open (so the write never fails with EPIPE), filled the pipe's 64 KiB and kept
    a blocked writer thread and the pipe's descriptor for as long as that process lived,
    one more per attempt. Now the writer waits on the pipe and on ``wake`` together."""

    body: bytes
    written: int = 0
    held: bool = False  # stopped by ``wake``: someone held stdin open and did not read

    def unwritten(self) -> int:
        """Bytes of the document the program (or what it left running) never took: 0
        also when the program ended without reading it (its exit status tells)."""
        return len(self.body) - self.written if self.held else 0

    def write(self, pipe: IO[bytes] | None, wake: int) -> None:
        if pipe is None:
            return
        with contextlib.suppress(OSError), pipe:  # EPIPE: it did not read its input, and
            fd = pipe.fileno()  # its exit status tells the rest
            os.set_blocking(fd, False)
            watch = select.poll()
            watch.register(fd, select.POLLOUT)
            watch.register(wake, select.POLLIN)
            while self.written < len(self.body):
                if any(fd == wake for fd, _ in watch.poll()):
                    self.held = True
                    return
                with contextlib.suppress(BlockingIOError):  # full again: wait
                    self.written += os.write(fd, self.body[self.written : self.written + PIPE])


def _stop(proc: subprocess.Popen[bytes]) -> int | None:
    """SIGTERM to the group, then SIGKILL if the program is still there after the grace
    (None: killed, reaped in the settling grace that follows)."""
    _kill_group(proc.pid, signal.SIGTERM)
    try:
        return proc.wait(KILL_GRACE)
    except subprocess.TimeoutExpired:
        _kill_group(proc.pid, signal.SIGKILL)
        return None


def _reaped(proc: subprocess.Popen[bytes], by: float) -> int:
    """The killed program's exit status once reaped, waiting until ``by`` at most: a
    process the kernel cannot end yet (in uninterruptible sleep on a hung network file
    system) is left to subprocess to reap later, and said as the SIGKILL it got."""
    try:
        return proc.wait(max(by - time.monotonic(), 0.0))
    except subprocess.TimeoutExpired:
        return -signal.SIGKILL


def _kill_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # the group is gone
        os.killpg(pgid, sig)
