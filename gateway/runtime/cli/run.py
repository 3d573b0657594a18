"""``ticket-gateway run``: the daemon in the foreground, until a signal stops it."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from gateway.core.i18n import N_
from gateway.runtime.cli.help_language import h

if TYPE_CHECKING:
    from gateway.config.settings import Settings


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.runtime.daemon import run
    from gateway.runtime.logs import use_format

    use_format(settings.logging.format)
    return run(settings)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sub.add_parser(
        "run", help=h(N_("run the daemon: SMTP/LMTP listener, IMAP pollers, runner"))
    ).set_defaults(handler=cmd_run)
