"""The Slack member map in use (``[chat.slack.members]``: Slack user id → a member's
address), re-read on SIGHUP as the catalog is.

A team links a colleague's Slack account far more often than it changes anything
else in the configuration, and a restart for it drops every SMTP session and Slack
connection. So the daemon's SIGHUP (``systemctl reload``) reads the configuration
file again, checked as at start: a file that no longer loads (a broken line, a map
naming an address that is no ``[[members]]`` entry) is refused, logged with its key,
and the map in use kept. Only the map is taken; other changes (a new ``[[members]]``
entry among them) wait for the next start, and the log says so
(:func:`gateway.config.team_changes.tell_what_waits`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from gateway.config.settings import Settings
from gateway.config.team_changes import reread
from gateway.core.counted import counted

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
        new = reread(self._settings)
        if new is None:
            return False
        self.take(new)
        return True

    def take(self, new: Settings) -> None:
        """Take the map of ``new``, the configuration file read again and checked
        (:func:`gateway.config.team_changes.reread`); what else changed in it is told by
        :func:`gateway.config.team_changes.tell_what_waits`."""
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
        if table or self._table or new.chat.slack is not None:  # a team with no Slack: quiet
            log.info(
                "slack member map reloaded from %s: %s",
                running.source,
                counted(len(table), "user"),
            )
        self._table = table


def _map_of(settings: Settings) -> Mapping[str, str]:
    slack = settings.chat.slack
    return dict(slack.members) if slack is not None else {}
