"""A ``[[members]]`` table: one person of the team, their role, language and time zone."""

from __future__ import annotations

import unicodedata

from gateway.config.names import zone
from gateway.config.sections import Section, email
from gateway.config.settings import Member
from gateway.core.errors import ConfigError
from gateway.core.i18n import N_

KEYS = {"email", "name", "role", "locale", "time_zone"}


def _one_line(s: Section, key: str) -> str:
    """A text printed in one line of mails, pages and the digest (a member's name): a
    line break or a terminal's escape in it broke that line, or the reader's terminal."""
    text = s.str(key, "")
    if any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in text):
        raise ConfigError(s.path, s.key(key), N_("one line of text, without control characters"))
    return text


def read_member(s: Section) -> Member:
    s.unknown(KEYS)
    if "email" not in s.data:
        raise ConfigError(s.path, s.key("email"), N_("is required"))
    return Member(
        email=email(s, "email", ""),
        name=_one_line(s, "name"),
        role=s.choice("role", "ops", ("ops", "manager")),
        locale=s.choice("locale", "", ("", "ja", "en")),
        time_zone=zone(s, "time_zone", ""),  # "": the team's
    )
