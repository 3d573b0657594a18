"""The value syntaxes of the config file: sizes, durations, weekly times.

``"25MB"`` and ``"25MiB"``, ``"2h30m"``, ``"mon 09:00"``: written once here,
so the settings reader, the catalog (SLA durations) and the schedule rules
read them the same way, and every error names the file and the key.
"""

from __future__ import annotations

import re
from datetime import timedelta

from gateway.core.business_hours import Wait, WorkingDays
from gateway.core.errors import ConfigError
from gateway.core.i18n import N_, Msg

_SIZE_UNITS = {
    "": 1,
    "B": 1,
    "KB": 10**3,
    "MB": 10**6,
    "GB": 10**9,
    "KIB": 2**10,
    "MIB": 2**20,
    "GIB": 2**30,
}
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# No setting means more than a century, and a bigger one would overflow timedelta (or a
# datetime it is added to, or a thread's wait) far from the file that said it.
MAX_DURATION = timedelta(days=36500)
MAX_SECONDS = int(MAX_DURATION.total_seconds())
MAX_WORKING_DAYS = 2600  # ten years of five-day weeks: the business-hours walk's horizon
MAX_SIZE = 2**53  # a float counts bytes exactly up to here; no message or file is near it


def parse_size(text: str | int, *, path: str = "", key: str = "") -> int:
    """``"25MB"`` is 25 000 000 bytes, ``"25MiB"`` is 25 × 2^20 (DESIGN.md). A bare
    number is bytes, held to the same bounds as a written size: ``-5`` was taken as it
    was and made a listener that refused every mail."""
    if isinstance(text, int) and not isinstance(text, bool):
        if text < 0:
            raise ConfigError(
                path, key, N_("not a size: {text!r} (use e.g. '25MB' or '25MiB')", text=text)
            )
        if text > MAX_SIZE:
            raise ConfigError(path, key, N_("{text!r} is too big", text=text))
        return text
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*", str(text))
    unit = m.group(2).upper() if m else ""
    if not m or unit not in _SIZE_UNITS:
        raise ConfigError(
            path, key, N_("not a size: {text!r} (use e.g. '25MB' or '25MiB')", text=text)
        )
    value = float(m.group(1)) * _SIZE_UNITS[unit]
    if not value <= MAX_SIZE:  # also inf, from hundreds of digits
        raise ConfigError(path, key, N_("{text!r} is too big", text=text))
    return int(value)


def parse_duration(text: str | int, *, path: str = "", key: str = "") -> timedelta:
    """``"14d"``, ``"2h30m"``, ``"90s"``, at most ``MAX_DURATION``. A number alone is
    refused: read as seconds, ``pending_close_after = 7`` (meant: a week) closed every
    pending ticket at the next sweep, and ``-5`` was minus five seconds."""
    if isinstance(text, int) and not isinstance(text, bool):
        raise ConfigError(
            path,
            key,
            N_(
                "a number alone is not a duration: {text!r} (write its unit: '{n}d', '{n}h', "
                "'{n}m' or '{n}s')",
                text=text,
                n=abs(text),
            ),
        )
    parts = re.findall(r"(\d+)\s*([smhdw])", str(text).strip().lower())
    rebuilt = "".join(f"{n}{u}" for n, u in parts)
    if not parts or rebuilt != re.sub(r"\s+", "", str(text).strip().lower()):
        raise ConfigError(
            path, key, N_("not a duration: {text!r} (use e.g. '14d' or '2h30m')", text=text)
        )
    if any(len(n) > 12 for n, _ in parts):  # int() of thousands of digits is refused
        return _bounded(MAX_SECONDS + 1, text, path, key)
    return _bounded(sum(int(n) * _DURATION_UNITS[u] for n, u in parts), text, path, key)


def parse_working_days(text: object, *, path: str = "", key: str = "") -> WorkingDays | None:
    """``"2bd"`` (business days: the team's working days), or None for anything else
    (a duration, read by :func:`parse_duration`). A working day is a unit of its own,
    not 24 hours nor a working day's hours: ``"3d"`` stays 72 real hours. A phrase
    (``"3 business days"``) is refused with the unit to write, as ``"30 days"`` is."""
    if not isinstance(text, str):
        return None
    value = text.strip().lower()
    if re.fullmatch(r"\d+\s*(business|working)\s*days?", value):
        raise ConfigError(
            path, key, N_("not a duration: {text!r} (working days are written '3bd')", text=text)
        )
    m = re.fullmatch(r"(\d{1,12})\s*bd", value)
    if m is None:
        return None
    days = int(m.group(1))
    if not 1 <= days <= MAX_WORKING_DAYS:
        raise ConfigError(
            path, key, N_("must be from 1bd to {n}bd, not {text!r}", n=MAX_WORKING_DAYS, text=text)
        )
    return WorkingDays(days)


def parse_wait(text: object, *, path: str = "", key: str = "") -> Wait:
    """A wait: working days (``"2bd"``, :func:`parse_working_days`) or a duration
    (``"3d"``, :func:`parse_duration`). The one reader of every wait a team writes: the
    config's ``[schedule]`` and a catalog entry's ``stale_after``, ``auto_close_after``
    and SLA targets, so a value means the same in both files. Whether working days are
    allowed (a ``[business_hours]`` calendar) is the caller's to say."""
    days = parse_working_days(text, path=path, key=key)
    if days is not None:
        return days
    if not isinstance(text, str | int) or isinstance(text, bool):
        raise ConfigError(
            path, key, N_("not a duration: {text!r} (use e.g. '14d' or '2h30m')", text=text)
        )
    return parse_duration(text, path=path, key=key)


def needs_calendar(value: object) -> Msg:
    """Why working days are refused to a team without ``[business_hours]``: the config's
    ``[schedule]`` and the catalog say it in the same words."""
    return N_(
        "{value!r} counts working days, which need a [business_hours] table; "
        "without one write days on the calendar ('3d')",
        value=value,
    )


def _bounded(seconds: int, text: str | int, path: str, key: str) -> timedelta:
    if seconds > MAX_SECONDS:
        raise ConfigError(
            path, key, N_("{text!r} is too long: at most 36500d (100 years)", text=text)
        )
    return timedelta(seconds=seconds)


def parse_weekly(text: str, *, path: str = "", key: str = "") -> tuple[int, int, int] | None:
    """``"mon 09:00"`` → (weekday 0=Monday, hour, minute); ``"off"`` → None."""
    value = text.strip().lower()
    if value == "off":
        return None
    m = re.fullmatch(r"([a-z]{3,})\s+(\d{1,2}):(\d{2})", value)
    # a day's name or its start ("tue", "tues", "tuesday"), not a word that starts like
    # one ("monkey", "sunshine": a typo or a paste read as a day)
    day = next((name[:3] for name in _DAY_NAMES if m and name.startswith(m[1])), None)
    if not m or day is None or int(m.group(2)) > 23 or int(m.group(3)) > 59:
        raise ConfigError(
            path,
            key,
            N_("not a weekly time: {text!r} (use e.g. 'mon 09:00' or 'off')", text=text),
        )
    return WEEKDAYS.index(day), int(m.group(2)), int(m.group(3))
