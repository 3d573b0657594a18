"""Names a config file holds that must be names of a kind: a time zone the system has,
an authserv-id, a domain name. Each refusal names the key, and a time zone the one
most likely meant, since its spelling (``Asia/Tokyo``) is easy to get almost right."""

from __future__ import annotations

import re

from gateway.config.sections import Section, list_of
from gateway.core.errors import ConfigError
from gateway.core.i18n import N_, Msg
from gateway.core.spelling import meant


def unknown_zone(tz: str) -> Msg:
    """A zone name the system does not have, with the one most likely meant
    (``Asia/Tokio``, ``asia/tokyo``: ``Asia/Tokyo``; the names are case-sensitive)."""
    from zoneinfo import available_timezones

    zones = {z.lower(): z for z in available_timezones()}
    near = meant(tz.lower(), sorted(zones)) if tz.lower() not in zones else tz.lower()
    if near is None:
        return N_("unknown time zone {tz!r}", tz=tz)
    return N_("unknown time zone {tz!r}: did you mean {known!r}?", tz=tz, known=zones[near])


def authserv_ids(s: Section) -> tuple[str, ...]:
    """Host-like names only: an id with spaces or ';' could never match a header anyway."""
    ids = []
    for value in list_of(s, "trusted_authserv_ids"):
        if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9.-]*", value):
            raise ConfigError(
                s.path,
                s.key("trusted_authserv_ids"),
                N_(
                    "not an authserv-id (a host name such as 'mx.example.com'): {value!r}",
                    value=value,
                ),
            )
        ids.append(value.lower())
    return tuple(ids)


def domains(s: Section, key: str) -> tuple[str, ...]:
    """Domain names (lower case): ``example.com``, never an address or a pattern."""
    found = []
    for value in list_of(s, key):
        if not isinstance(value, str) or not re.fullmatch(
            r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)*[A-Za-z0-9-]{1,63}", value
        ):
            raise ConfigError(s.path, s.key(key), N_("not a domain name: {value!r}", value=value))
        found.append(value.lower())
    return tuple(found)
