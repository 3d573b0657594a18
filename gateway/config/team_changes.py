"""What a reload (SIGHUP, ``systemctl reload``) finds changed in the configuration file and
does not take: the team above all.

The daemon reads ``[[members]]`` at its start, and that start is where a leaver is
handled whole (their queued mail taken back, their web sessions ended, their sign-in
links spent: see the README's "When someone leaves or joins"); the runner, the
scheduler, the pages and the processing child each hold the team they started with. A
team swapped under them halfway would leave a leaver half signed out, so a reload does
not take it. What it must do is say so: an operator reloads after a catalog edit, and
one who edits ``[[members]]`` the same way and reloads would otherwise believe the
leaver gone while they still work tickets by reply. The log names who joined, who left
and whose entry changed, and the one command that takes it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path

from gateway.config.load import DEFAULTS, load_settings
from gateway.config.settings import Settings
from gateway.core.errors import ConfigError

log = logging.getLogger("gateway.config")


@dataclass(frozen=True, slots=True)
class TeamChanges:
    """The addresses, sorted, whose ``[[members]]`` entry the file has and the running
    daemon does not (``joined``), the reverse (``left``), or has otherwise (``changed``:
    the same address with another name, role, language or time zone)."""

    joined: tuple[str, ...] = ()
    left: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.joined or self.left or self.changed)

    def said(self) -> str:
        """``joined: a@x; left: b@x; changed: c@x``, the empty parts left out."""
        parts = (("joined", self.joined), ("left", self.left), ("changed", self.changed))
        return "; ".join(f"{what}: {', '.join(who)}" for what, who in parts if who)


def team_changes(running: Settings, new: Settings) -> TeamChanges:
    """How ``new``'s team differs from ``running``'s (addresses compared in the one form
    the loader keeps them in, so another spelling of one address is no change)."""
    before = {m.email: m for m in running.members}
    after = {m.email: m for m in new.members}
    return TeamChanges(
        joined=tuple(sorted(after.keys() - before.keys())),
        left=tuple(sorted(before.keys() - after.keys())),
        changed=tuple(sorted(e for e in before.keys() & after.keys() if before[e] != after[e])),
    )


def reread(running: Settings) -> Settings | None:
    """The configuration file the daemon started from, read and checked again as at start;
    None when there is no file (the built-in defaults) or it no longer loads (logged with
    its key: the daemon goes on with what it started with). Nothing is made: a key
    removed while the daemon ran was made anew here, not the one the daemon signs with
    and the one its next start would read (the start says what is missing)."""
    if running.source == DEFAULTS:
        return None
    try:
        return load_settings(Path(running.source), make=False)
    except ConfigError as exc:
        log.error(
            "configuration reload refused: %s; the daemon keeps the configuration it started with",
            exc,
        )
        return None


def tell_what_waits(running: Settings, new: Settings) -> None:
    """Log what of ``new`` a reload leaves for the next start: the team plainly, by
    address, and the rest in one line (the Slack member map is taken on reload:
    :mod:`gateway.config.slack_members`)."""
    team = team_changes(running, new)
    if team:
        log.warning(
            "%s: [[members]] changed (%s), but the team is read only at the daemon's "
            "start and a reload does not take it: until you restart the daemon "
            "(systemctl restart ticket-gateway) it works with the team it started with",
            running.source,
            team.said(),
        )
    if _rest(new) != _rest(running):
        log.warning(
            "%s: changes other than [chat.slack.members] and [[members]] take effect at "
            "the next start",
            running.source,
        )


def _rest(settings: Settings) -> Settings:
    """``settings`` without what :func:`tell_what_waits` says apart or a reload takes."""
    slack = settings.chat.slack
    if slack is not None:
        settings = replace(settings, chat=replace(settings.chat, slack=replace(slack, members={})))
    return replace(settings, members=())
