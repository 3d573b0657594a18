"""``status --json`` when there is no report to give: the report's shape, as far as it goes.

A monitoring script reads ``status --json`` whatever the exit code (1 is "unhealthy",
with the report). When the command stopped before there was a report (a config that
does not load, a database file that is not a database, no database where the config
says) it printed nothing on standard output, and the script failed on its own JSON
parser instead of reading why. Now it gets ``{"healthy": false, "problems": [...]}``,
each problem with a ``key`` and an English ``text`` as the report's problems have
(README "ticket-gateway status"); the exit code stays the failure's own. The other
``--json`` commands print data (a list of tickets, of inbox rows): they print
nothing on a failure, so nothing can be taken for an empty list.
"""

from __future__ import annotations

import argparse

from gateway.core.i18n import Msg
from gateway.runtime.cli.common import print_json

# The problem keys of a report that could not be made, one per kind of stop
CONFIG = "config"  # the configuration file (or $TICKET_GATEWAY_CONFIG) does not load
DATABASE = "database"  # no database there, not a database, or not reachable now


def said_in_json(args: argparse.Namespace, key: str, *messages: Msg) -> None:
    """Print the stopped report when the command promises JSON on failure (``status``
    registers ``json_on_failure``) and ``--json`` was given; else nothing."""
    if not (getattr(args, "json_on_failure", False) and getattr(args, "json", False)):
        return
    problems = [{"key": key, "text": str(m).replace("\n", " ")} for m in messages]
    print_json({"healthy": False, "problems": problems})
