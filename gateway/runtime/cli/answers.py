"""``ticket-gateway answers list``: the team's saved answers and their languages.

Read from ``[answers] dir`` (:mod:`gateway.config.work`) as ``/answer`` reads it
(:func:`gateway.notify.answers.available`), so what is listed here is exactly
what a member may name; ``--json`` is ``{name: [locales]}``.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from gateway.core.i18n import N_
from gateway.runtime.cli.common import EX_OK, Speaker, print_json
from gateway.runtime.cli.help_language import h

if TYPE_CHECKING:
    from gateway.config.settings import Settings


def cmd_answers_list(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.notify.answers import available

    said = Speaker(settings)
    found = available(settings.answers.dir)
    if args.json:
        print_json({name: list(locales) for name, locales in found.items()})
        return EX_OK
    if not found:
        said.say(N_("no saved answers in {dir}", dir=str(settings.answers.dir)))
        return EX_OK
    width = max(len(name) for name in found)
    for name, locales in found.items():
        print(f"{name.ljust(width)}  {', '.join(locales)}")
    return EX_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    a = sub.add_parser("answers", help=h(N_("the team's saved answers (/answer)"))).add_subparsers(
        required=True, metavar="ACTION"
    )
    al = a.add_parser("list", help=h(N_("names of the saved answers and their languages")))
    al.add_argument("--json", action="store_true")
    al.set_defaults(handler=cmd_answers_list)
