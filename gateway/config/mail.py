"""The ``[mail]`` section: which automatic mails this team sends, and how member
notices are gathered (``gateway.tickets.to_members``)."""

from __future__ import annotations

from datetime import timedelta

from gateway.config.sections import Section, list_of
from gateway.config.settings import MailSettings
from gateway.config.units import parse_duration
from gateway.core.errors import ConfigError
from gateway.core.i18n import N_
from gateway.core.switches import SWITCHABLE

KEYS = {"off", "coalesce"}


def read_mail(s: Section) -> MailSettings:
    s.unknown(KEYS)
    off = []
    for kind in list_of(s, "off"):
        if not isinstance(kind, str) or kind not in SWITCHABLE:  # [{}] is no kind either
            problem = N_(
                "{kind!r} is not a mail kind that can be turned off ({kinds})",
                kind=kind,
                kinds=", ".join(SWITCHABLE),
            )
            raise ConfigError(s.path, s.key("off"), problem)
        off.append(str(kind))
    coalesce = parse_duration(s.data.get("coalesce", "5m"), path=s.path, key=s.key("coalesce"))
    if not timedelta(0) <= coalesce <= timedelta(hours=1):
        raise ConfigError(s.path, s.key("coalesce"), N_("must be from 0s (off) to 1h"))
    return MailSettings(off=tuple(off), coalesce=coalesce)
