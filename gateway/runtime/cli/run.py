"""``ticket-gateway run``: the daemon in the foreground, until a signal stops it."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from gateway.core.i18n import N_
from gateway.runtime.cli.help_language import h

if TYPE_CHECKING:
    from gateway.config.settings import Settings


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.runtime import run_lock

    # at once: status sees a starting daemon (run_lock); after the exec, the one handed on
    lock = run_lock.adopt(settings) or run_lock.take(settings)
    try:
        run_lock.hand_on(lock)
        _lean()
        from gateway.runtime.daemon import run
        from gateway.runtime.logs import use_format

        use_format(settings.logging.format)
        return run(settings)
    finally:  # not replaced by the lean one (a caller's process): the copy, if not adopted
        run_lock.take_back()
        lock.close()


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sub.add_parser(
        "run", help=h(N_("run the daemon: SMTP/LMTP listener, IMAP pollers, runner"))
    ).set_defaults(handler=cmd_run, creates_database=True)


def _lean() -> None:
    """Become the same command under ``python -OO`` (the process keeps its PID, so
    systemd's ``Type=notify`` and its watchdog see no change), unless it is already so
    or the CLI was called by a program in its own process: the daemon's docstrings stay
    out of memory, 3 MB of the listener's 80 where its processes together must stay
    under 200 MB (issue #18; its workers are started so too). Before the daemon's
    imports, so they are not loaded twice; the settings were read once already, which
    is what a wrong config is told by."""
    from gateway.core.resources import module_command
    from gateway.runtime import entry

    if sys.flags.optimize >= 2 or not entry.STARTED_AS_COMMAND:
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [*module_command("gateway", lean=True), *sys.argv[1:]])
