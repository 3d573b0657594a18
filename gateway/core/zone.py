"""A stored time as the team reads it: in ``[gateway] timezone``, with the zone's
name, the way the mails and ``tickets show`` print it. Pages print times through
this too, so a member never meets a bare UTC time and takes it for local. Pure."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

FORMAT = "%Y-%m-%d %H:%M %Z"  # 2026-03-02 10:00 JST


@lru_cache(maxsize=16)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_time(value: str | datetime | None, timezone: str) -> str:
    """``value`` (ISO text or a datetime; a naive one is UTC, as the store keeps
    times) in ``timezone``; "" for none or for text that is not a time."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(_zone(timezone)).strftime(FORMAT)
