"""A view's times moved to its reader's zone, just before it is rendered. Pure.

Views are built with every time a :class:`~gateway.core.zone.Moment` in the team's
zone (``[gateway] timezone``): the SLA, the digest's week and the scheduler reckon in
it. A member may read another zone (``[[members]] time_zone``,
:meth:`gateway.config.settings.Settings.zone_of`); the renderer is given that zone and
this walk says each instant there, with that zone's name, so no builder of a view has
to know who reads it. A :class:`~gateway.core.zone.Day` (a due date as written) has no
zone and stays as it is; so does text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, is_dataclass, replace
from typing import Any, TypeVar, cast

from gateway.core.i18n import Msg
from gateway.core.zone import Moment, in_zone

T = TypeVar("T")


def in_reader_zone(value: T, timezone: str) -> T:
    """``value`` with every :class:`Moment` in it (in a view's fields, a Msg's
    parameters, a tuple, a list, a mapping) said in ``timezone``; the rest as it is."""
    return cast(T, _moved(value, timezone))


def _moved(value: Any, timezone: str) -> Any:
    if isinstance(value, Moment):  # before str: a Moment is its plain text too
        return in_zone(value.at, timezone)
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, Msg):
        if not value.params:
            return value
        return replace(value, params={k: _moved(v, timezone) for k, v in value.params.items()})
    if is_dataclass(value) and not isinstance(value, type):
        changed = {
            f.name: _moved(getattr(value, f.name), timezone) for f in fields(value) if f.init
        }
        return replace(value, **changed)
    if isinstance(value, tuple):
        return tuple(_moved(v, timezone) for v in value)
    if isinstance(value, list):
        return [_moved(v, timezone) for v in value]
    if isinstance(value, Mapping):
        return {k: _moved(v, timezone) for k, v in value.items()}
    return value
