"""The first event of an iCalendar invite (RFC 5545), read for a ticket's text.

A calendar invite from Outlook, Google or Apple Calendar may be a mail's only
content (``text/calendar`` alone, or the only part of a multipart): its ticket
showed nothing. This reader takes what a person needs from it — the method
(REQUEST, CANCEL, REPLY), summary, start and end, location, organizer and
description — and nothing else. One pass over the lines, each searched once:
folded lines are joined, text escapes undone, parameters split outside quotes.
Nothing the calendar says about sizes is trusted; values are cut at
:data:`MAX_VALUE` characters and at most :data:`MAX_LINES` lines are read.

A time is UTC (``…Z``), in a zone (``TZID=``; an IANA name, else the standard
offset its ``VTIMEZONE`` gives, as Outlook names zones "Tokyo Standard Time"),
floating (in the team's zone), or a date alone (an all-day event). Pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

__all__ = ["Event", "read_event"]

MAX_LINES = 20_000  # unfolded lines read; an invite has a few dozen
MAX_VALUE = 10_000  # characters kept of one value (a description may be long)
_DATE_TIME = re.compile(r"(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})?(Z)?)?")
_OFFSET = re.compile(r"([+-])(\d{2})(\d{2})")
_ESCAPES = {"n": "\n", "N": "\n", ",": ",", ";": ";", "\\": "\\"}


@dataclass(frozen=True, slots=True)
class Event:
    """What a ticket shows of an invite; times aware (UTC), or a date alone."""

    method: str  # REQUEST, CANCEL, REPLY, PUBLISH… ("" when not said)
    summary: str
    start: datetime | date | None
    end: datetime | date | None
    location: str
    organizer: str  # "Name <address>", the address, or the name
    description: str


@dataclass(frozen=True, slots=True)
class _Line:
    name: str
    params: dict[str, str]
    value: str


def read_event(text: str, default_zone: str) -> Event | None:
    """The first VEVENT of ``text`` (None without one); a floating time is read in
    ``default_zone``, the team's."""
    method, zones, event = "", dict[str, tzinfo](), dict[str, _Line]()
    where: list[str] = []  # the open components, innermost last
    zone_id = ""
    for line in _lines(text):
        if line.name == "BEGIN":
            where.append(line.value.upper())
        elif line.name == "END":
            if where and where[-1] == "VEVENT" and event:
                break
            if where:
                where.pop()
        elif not where or where == ["VCALENDAR"]:
            method = line.value.upper()[:20] if line.name == "METHOD" else method
        elif where[-1] == "VEVENT":  # not its alarms' (VALARM) lines
            event.setdefault(line.name, line)
        elif where[-1] == "VTIMEZONE" and line.name == "TZID":
            zone_id = line.value
        elif where[-1] == "STANDARD" and line.name == "TZOFFSETTO" and zone_id:
            offset = _offset(line.value)
            if offset is not None:
                zones.setdefault(zone_id, offset)
    if not event:
        return None
    floating = _zone(default_zone) or UTC
    return Event(
        method=method,
        summary=_text(event.get("SUMMARY")),
        start=_when(event.get("DTSTART"), zones, floating),
        end=_when(event.get("DTEND"), zones, floating),
        location=_text(event.get("LOCATION")),
        organizer=_organizer(event.get("ORGANIZER")),
        description=_text(event.get("DESCRIPTION")),
    )


def _lines(text: str) -> list[_Line]:
    """Content lines, folds joined (a line starting with a space or tab continues
    the one before, RFC 5545 3.1), at most MAX_LINES of them."""
    out: list[_Line] = []
    current: list[str] = []
    size = 0  # of current, so a thousand folds cost no more than one long line
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if raw[:1] in (" ", "\t") and current:
            if size < MAX_VALUE * 2:
                current.append(raw[1:])
                size += len(raw)
            continue
        size = len(raw)
        if current:
            out.append(_split("".join(current)))
            if len(out) >= MAX_LINES:
                return out
        current = [raw] if raw.strip() else []
    if current:
        out.append(_split("".join(current)))
    return out


def _split(line: str) -> _Line:
    """``NAME;P1=v;P2="a:b":value``: the colon and semicolons outside quotes split."""
    cuts: list[int] = []
    quoted = False
    colon = len(line)
    for i, c in enumerate(line[:MAX_VALUE]):  # a name and parameters longer are none
        if c == '"':
            quoted = not quoted
        elif not quoted and c == ";":
            cuts.append(i)
        elif not quoted and c == ":":
            colon = i
            break
    head = line[:colon]
    pieces = [head[a + 1 : b] for a, b in zip([-1, *cuts], [*cuts, len(head)], strict=True)]
    params: dict[str, str] = {}
    for piece in pieces[1:]:
        key, _, value = piece.partition("=")
        params.setdefault(key.strip().upper(), value.strip().strip('"'))
    return _Line(pieces[0].strip().upper(), params, line[colon + 1 :][:MAX_VALUE])


def _text(line: _Line | None) -> str:
    """A TEXT value with its escapes undone (``\\n``, ``\\,``, ``\\;``, ``\\\\``)."""
    if line is None:
        return ""
    value, out, i = line.value, [], 0
    while i < len(value):
        c = value[i]
        if c == "\\" and i + 1 < len(value):
            out.append(_ESCAPES.get(value[i + 1], value[i + 1]))
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out).strip()


def _organizer(line: _Line | None) -> str:
    if line is None:
        return ""
    name = line.params.get("CN", "").strip()
    value = line.value.strip()
    address = value[7:] if value.lower().startswith("mailto:") else value
    if name and address and name != address:
        return f"{name} <{address}>"
    return name or address


def _when(line: _Line | None, zones: dict[str, tzinfo], floating: tzinfo) -> datetime | date | None:
    """A DATE-TIME as an aware UTC time, or a DATE as a date; None if unreadable."""
    if line is None:
        return None
    m = _DATE_TIME.fullmatch(line.value.strip())
    if m is None:
        return None
    year, month, day, hour, minute, second, utc = m.groups()
    try:
        if hour is None:
            return date(int(year), int(month), int(day))
        zone: tzinfo = UTC
        if not utc:
            tzid = line.params.get("TZID", "")
            zone = _zone(tzid) or zones.get(tzid) or floating  # the real rules first
        at = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second or 0), tzinfo=zone
        )
        return at.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def _zone(name: str) -> tzinfo | None:
    if not name or len(name) > 100 or ".." in name or name.startswith("/"):
        return None
    try:
        return ZoneInfo(name.strip())
    except (ValueError, OSError, KeyError):
        return None


def _offset(text: str) -> tzinfo | None:
    m = _OFFSET.fullmatch(text.strip())
    if m is None:
        return None
    sign, hours, minutes = m.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    try:
        return timezone(-delta if sign == "-" else delta)
    except ValueError:
        return None
