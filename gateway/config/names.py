"""Names a config file holds that must be names of a kind: a time zone the system has,
an authserv-id, a domain name, a member's address that is not the gateway's own. Each
refusal names the key, and a time zone the one most likely meant, since its spelling
(``Asia/Tokyo``) is easy to get almost right."""

from __future__ import annotations

import re
from collections.abc import Iterable

from gateway.config.sections import Section, list_of
from gateway.core.domains import BadDomain, ascii_domain
from gateway.core.errors import ConfigError
from gateway.core.i18n import N_, Msg
from gateway.core.spelling import meant
from gateway.core.tokens import is_own_address


def zone(s: Section, key: str, default: str) -> str:
    """An IANA zone name at ``key`` (the team's, a member's): one the system has and
    that is a place's clock (:func:`not_a_place`)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # only here: keeps start-up lean

    tz = s.str(key, default)
    if tz == "" and default == "":
        return tz
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(s.path, s.key(key), unknown_zone(tz)) from None
    if (why := not_a_place(tz)) is not None:
        raise ConfigError(s.path, s.key(key), why)
    return tz


def unknown_zone(tz: str) -> Msg:
    """A zone name the system does not have, with the one most likely meant
    (``Asia/Tokio``, ``asia/tokyo``: ``Asia/Tokyo``; the names are case-sensitive)."""
    from zoneinfo import available_timezones

    if (offset := _offset_said(tz)) is not None:  # never "did you mean 'UTC'?": hours away
        return offset
    zones = {z.lower(): z for z in available_timezones()}
    near = meant(tz.lower(), sorted(zones)) if tz.lower() not in zones else tz.lower()
    if near is not None:
        return N_("unknown time zone {tz!r}: did you mean {known!r}?", tz=tz, known=zones[near])
    named = _abbreviated(tz.upper(), zones.values()) if 2 <= len(tz) <= 6 else []
    if 0 < len(named) <= ABBREVIATED:  # "JST": Asia/Tokyo; "CST" is too many to name
        known = ", ".join(repr(z) for z in named)
        return N_("unknown time zone {tz!r}: write the zone's name ({known})", tz=tz, known=known)
    return N_("unknown time zone {tz!r}", tz=tz)


ABBREVIATED = 3  # zones an abbreviation is answered with, at most

# "+09:00", "UTC+9", "GMT-05:00", "+0900": an offset from UTC, as a date is written with one
_OFFSET = re.compile(r"(?:utc|gmt)?\s*([+\-\u2212])\s*(\d{1,2})(?::?(\d{2}))?", re.IGNORECASE)


def _offset_said(tz: str) -> Msg | None:
    """What to write instead of an offset (``tz``), or None when it is not one. The
    nearest name by spelling is hours away ("UTC+9": 'UTC', "GMT+9": 'GMT+0'); the
    zone of that offset all year is ``Etc/GMT-9`` (POSIX reverses the sign), where the
    database has one (whole hours, -12 to +14)."""
    m = _OFFSET.fullmatch(tz.strip())
    if m is None:
        return None
    sign = 1 if m[1] == "+" else -1
    hours, minutes = int(m[2]), int(m[3] or 0)
    if hours == 0 and minutes == 0:
        fixed: str | None = "UTC"
    elif minutes == 0 and -12 <= sign * hours <= 14:
        fixed = f"Etc/GMT{'-' if sign > 0 else '+'}{hours}"
    else:
        fixed = None
    if fixed is None:
        return N_(
            "{tz!r} is an offset from UTC, not a time zone: write the zone of the team's "
            "place ('Asia/Tokyo', 'Asia/Kolkata'), which keeps its summer time if it has one",
            tz=tz,
        )
    return N_(
        "{tz!r} is an offset from UTC, not a time zone: write the zone of the team's place "
        "('Asia/Tokyo', 'Europe/London'), which keeps its summer time if it has one; the "
        "same offset all year is {fixed!r}",
        tz=tz,
        fixed=fixed,
    )


# Files of the zone database that are no place's clock, though ZoneInfo reads them: a team
# that names one gets times that are off, or that change without anyone editing the file.
NOT_A_PLACE: dict[str, Msg] = {
    # UTC-5 all year: New York and Toronto say EST only in winter, EDT in summer
    "EST": N_(
        "'EST' is UTC-5 all year, without the summer time of the places that say EST in "
        "winter: write the place's zone ('America/New_York', 'America/Toronto')"
    ),
    # UTC-7 all year: Denver says MST in winter only (Phoenix all year: America/Phoenix)
    "MST": N_(
        "'MST' is UTC-7 all year, without the summer time of the places that say MST in "
        "winter: write the place's zone ('America/Denver', or 'America/Phoenix')"
    ),
    # the host's own setting: the team's clock would move with the machine
    "localtime": N_(
        "'localtime' is whatever this machine is set to, and changes with the host: write "
        "the team's zone ('Asia/Tokyo')"
    ),
    # a placeholder a system is installed with, no clock at all ("-00")
    "Factory": N_("'Factory' is a placeholder with no clock: write the team's zone ('Asia/Tokyo')"),
}


def not_a_place(tz: str) -> Msg | None:
    """Why ``tz``, a zone the system has, is no team's clock (:data:`NOT_A_PLACE`), or
    None."""
    return NOT_A_PLACE.get(tz)


def _abbreviated(abbreviation: str, zones: Iterable[str]) -> list[str]:
    """The zones (Area/City, not the old aliases) whose clocks are called
    ``abbreviation`` in winter or in summer: "JST" is Asia/Tokyo's."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    seasons = (datetime(2026, 1, 15, tzinfo=UTC), datetime(2026, 7, 15, tzinfo=UTC))
    return sorted(
        z
        for z in zones
        if "/" in z
        and not z.startswith(("Etc/", "SystemV/", "US/", "posix/", "right/"))
        and any(t.astimezone(ZoneInfo(z)).tzname() == abbreviation for t in seasons)
    )


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
    """Domain names (lower case): ``example.com``, never an address or a pattern. One
    written in Unicode (``例え.jp``) is kept in its IDNA2008 form, as a member's address
    is (:func:`gateway.core.domains.ascii_domain`), so the two are compared alike."""
    found = []
    for value in list_of(s, key):
        if not isinstance(value, str):
            raise ConfigError(s.path, s.key(key), N_("not a domain name: {value!r}", value=value))
        try:
            wire = ascii_domain(value)
        except BadDomain as exc:
            why = N_("not a domain name: {value!r}: {why}", value=value, why=exc.message)
            raise ConfigError(s.path, s.key(key), why) from None
        if not re.fullmatch(r"[a-z0-9](?:[a-z0-9-]{0,62}\.)*[a-z0-9-]{1,63}", wire):
            raise ConfigError(s.path, s.key(key), N_("not a domain name: {value!r}", value=value))
        found.append(wire)
    return tuple(found)


def not_ours(
    src: str, members: list[tuple[str, str]], address: str, aliases: tuple[str, ...]
) -> None:
    """A member at one of the gateway's own addresses (the shared support mailbox as a
    manager): mail to it comes back to the gateway, which drops it as its own, so that
    member would never get an alert, a notice or a digest."""
    for key, address_of_member in members:
        for where, own in (("gateway.address", (address,)), ("smtp.aliases", aliases)):
            if is_own_address(address_of_member, own):
                problem = N_(
                    "is one of the gateway's own addresses ({where}): mail to it comes back "
                    "to the gateway and is dropped; a member needs a mailbox of their own",
                    where=where,
                )
                raise ConfigError(src, key, problem)
