"""The Slack member map in use (``[chat.slack.members]``: Slack user id → a member's
address), re-read on SIGHUP as the catalog is.

A team links a colleague's Slack account far more often than it changes anything
else in the configuration, and a restart for it drops every SMTP session and Slack
connection. So the daemon's SIGHUP (``systemctl reload``) reads the configuration
file again, checked as at start: a file that no longer loads (a broken line, a map
naming an address that is no ``[[members]]`` entry) is refused, logged with its key,
and the map in use kept. Only the map is taken; other changes (a new ``[[members]]``
entry among them) wait for the next start, and the log says so.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from gateway.config.load import DEFAULTS, load_settings
from gateway.config.settings import Settings
from gateway.core.counted import counted
from gateway.core.errors import ConfigError

log = logging.getLogger("gateway.config")


class SlackMembers:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings  # as the daemon started: its [[members]], its source
        self._table: Mapping[str, str] = _map_of(settings)

    def email(self, user_id: str) -> str:
        """The member address the map links ``user_id`` to; "" when it links none."""
        return self._table.get(user_id, "")

    def reload(self) -> bool:
        """Take the map of the configuration file as it is now; False when refused."""
        source = self._settings.source
        if source == DEFAULTS:  # no file to read again
            return False
        try:
            new = load_settings(Path(source))
        except ConfigError as exc:
            log.error(
                "configuration reload refused: %s; keeping the slack member map in use (%s)",
                exc,
                counted(len(self._table), "user"),
            )
            return False
        table = _map_of(new)
        running = self._settings
        for user, email in sorted(table.items()):
            if running.member(email) is None:  # checked against the file's [[members]]
                log.warning(
                    "slack user %s is linked to %s, a [[members]] entry this daemon was "
                    "not started with: a member from the next start",
                    user,
                    email,
                )
        if _without_map(new) != _without_map(running):
            log.warning(
                "%s: changes other than [chat.slack.members] take effect at the next start",
                source,
            )
        self._table = table
        log.info("slack member map reloaded from %s: %s", source, counted(len(table), "user"))
        return True


def _map_of(settings: Settings) -> Mapping[str, str]:
    slack = settings.chat.slack
    return dict(slack.members) if slack is not None else {}


def _without_map(settings: Settings) -> Settings:
    slack = settings.chat.slack
    if slack is None:
        return settings
    return replace(settings, chat=replace(settings.chat, slack=replace(slack, members={})))
