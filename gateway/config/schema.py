"""Every configuration table and the keys it takes, in one map.

The readers refuse a key they do not know (``Section.unknown``) with their own
sets; this module gathers those same sets by the table's name as the TOML file
writes it, so that a check of the manual (``tests/test_readme_config.py``) can
compare what the README shows with what the reader takes, and a key added to a
reader without a line of documentation fails that check.
"""

from __future__ import annotations

from collections.abc import Mapping

from gateway.config import (
    chat,
    hours,
    imap,
    load,
    locate,
    mail,
    members,
    outbound,
    retention,
    schedule,
    smtp,
    web,
    work,
)

# table name as written in the file → the keys it takes
TABLES: Mapping[str, frozenset[str]] = {
    "gateway": frozenset(locate.GATEWAY_KEYS),
    "database": frozenset(locate.DATABASE_KEYS),
    "catalog": frozenset(load.CATALOG_KEYS),
    "smtp": frozenset(smtp.KEYS),
    "imap": frozenset(imap.KEYS),  # [[imap]], one table per folder
    "outbound": frozenset(outbound.KEYS),
    "members": frozenset(members.KEYS),  # [[members]]
    "schedule": frozenset(schedule.KEYS),
    "health": frozenset(load.HEALTH_KEYS),
    "actions": frozenset(load.ACTIONS_KEYS),
    "logging": frozenset(load.LOGGING_KEYS),
    "chat": frozenset(chat.KEYS - {"slack", "teams", "webhook"}),
    "chat.slack": frozenset(chat.SLACK_KEYS - {"channels", "channel_locales", "members"}),
    "chat.teams": frozenset(chat.TEAMS_KEYS),
    "chat.webhook": frozenset(chat.WEBHOOK_KEYS),
    "web": frozenset(web.KEYS),
    "limits": frozenset(load.LIMITS_KEYS),
    "mail": frozenset(mail.KEYS),
    "priority": frozenset(work.MARKED_LEVELS),
    "answers": frozenset(work.ANSWERS_KEYS),
    "retention": frozenset(retention.KEYS),
    "business_hours": frozenset(hours.KEYS - {"calendars"}),  # a table's, below
    "business_hours.calendars": frozenset(hours.NAMED_KEYS),  # [[business_hours.calendars]]
}

# tables whose keys are the team's own names (entry ids, channel ids, user ids)
MAPS = frozenset({"chat.slack.channels", "chat.slack.channel_locales", "chat.slack.members"})
