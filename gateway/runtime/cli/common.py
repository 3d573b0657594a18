"""What every command shares: exit codes, the opened application, JSON output.

Only the CLI chooses exit codes (sysexits): 0 ok, 64 usage, 65 input is not
mail, 69 not found, 75 try again later, 78 bad configuration; and ``status``
exits 1 when the gateway is unhealthy, as monitoring plugins expect.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gateway.config.settings import Settings
    from gateway.core.i18n import Msg
    from gateway.runtime.app import App

EX_OK, EX_USAGE, EX_DATAERR, EX_UNAVAILABLE = 0, 64, 65, 69
EX_SOFTWARE, EX_TEMPFAIL, EX_CONFIG = 70, 75, 78
EX_UNHEALTHY = 1  # status: something needs a human (not a sysexits code)

# A command: the parsed arguments and the loaded settings in, an exit code out.
Handler = Callable[[argparse.Namespace, "Settings"], int]


@contextmanager
def opened(settings: Settings) -> Iterator[App]:
    """The wired application for one command, closed however the command ends."""
    from gateway.runtime.app import build

    app = build(settings)
    try:
        yield app
    finally:
        app.close()


def actor() -> str:
    """Who did it, for the events a command writes: ``cli:<login>``."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def print_json(data: Any) -> None:
    import json

    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def cli_locale() -> str:
    """The operator's language, from the environment the way command-line tools read it
    (``LC_ALL``, ``LC_MESSAGES``, ``LANG``): ``ja`` for ``ja_JP.UTF-8``, else English."""
    import os

    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            return "ja" if value.lower().startswith("ja") else "en"
    return "en"


def say(message: Msg | str) -> str:
    """A message of ours in the operator's language (plain strings are data: as they are)."""
    from gateway.core.i18n import translate

    return translate(message, cli_locale())
