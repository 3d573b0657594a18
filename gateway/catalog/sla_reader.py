"""An entry's ``sla:`` and ``priority:`` in the catalog YAML, with every problem's line.

``sla`` keeps its old shape (``{first_response: 4h, resolve: 2d}``) and may add
a block per priority level beside it::

    sla:
      first_response: 4h
      resolve: 2d
      urgent: {first_response: 30m, resolve: 4h}
      low: {resolve: 5d}

A level's block replaces only what it names; the rest is the entry's own target
(:meth:`gateway.catalog.model.Entry.sla_for`). ``priority:`` is the level of the
entry's tickets when the mail marks none. ``calendar:`` names the calendar its waits and
deadlines count in (:mod:`gateway.core.calendars`).
"""

from __future__ import annotations

from typing import Any, Protocol

from gateway.catalog.nodes import scalar, shown
from gateway.core import priority as levels
from gateway.core.business_hours import Wait
from gateway.core.calendars import ALWAYS
from gateway.core.i18n import N_, Msg

_TARGETS = ("first_response", "resolve")
Targets = tuple[Wait | None, Wait | None]


class Reporter(Protocol):
    def bad(self, node: Any, message: str | Msg) -> None: ...

    def bad_in_entry(self, node: Any, key: str, problem: str | Msg) -> None: ...

    def mapping(self, node: Any, what: str, *, quiet: bool = False) -> dict[str, Any]: ...

    def wait(self, pair: Any, within: str = "") -> Wait | None: ...


def read_sla(r: Reporter, pair: Any) -> tuple[Targets, dict[str, Targets]]:
    """The entry's own targets and those per priority level (``pair``: key and value
    nodes of ``sla``, or None)."""
    if pair is None:
        return (None, None), {}
    sla = r.mapping(pair[1], "sla")
    per_level: dict[str, Targets] = {}
    for key, value in sla.values():
        if key.value in _TARGETS:
            continue
        if levels.parse(str(key.value)) is None or str(key.value) != str(key.value).lower():
            r.bad(key, N_("unknown key {key!r} in sla ({known})", key=key.value, known=_known()))
            continue
        block = r.mapping(value, "sla." + str(key.value))
        for k, _ in block.values():
            if k.value not in _TARGETS:
                r.bad(k, N_("unknown key {key!r} in sla ({known})", key=k.value, known=_known()))
        per_level[str(key.value)] = _targets(r, block, f"sla.{key.value}")
    return _targets(r, sla, "sla"), per_level


def read_priority(r: Reporter, pair: Any) -> str | None:
    """The entry's default level, or None (and a problem) when it is not one."""
    if pair is None:
        return None
    value = scalar(pair[1])
    level = levels.parse(value) if isinstance(value, str) else None
    if level is None:
        r.bad(
            pair[1],
            N_(
                "priority must be one of {known}, not {value!r}",
                known=", ".join(levels.LEVELS),
                value=shown(pair[1]),
            ),
        )
        return None
    return level.value


def read_calendar(r: Reporter, pair: Any, known: frozenset[str] | None) -> str | None:
    """The calendar the entry names, or None for the default (absent, or a problem).
    ``known``: the config's calendar names (``always`` is always one); None checks no
    name (a catalog read as text, without the config)."""
    if pair is None:
        return None
    value = scalar(pair[1])
    if not isinstance(value, str):
        r.bad_in_entry(
            pair[1],
            "calendar",
            N_("must be a calendar's name, not {value!r}", value=shown(pair[1])),
        )
        return None
    if known is not None and value not in known | {ALWAYS}:
        names = ", ".join(sorted(known | {ALWAYS}))
        r.bad_in_entry(
            pair[1],
            "calendar",
            N_("no calendar {name!r} in the config (there are: {names})", name=value, names=names),
        )
        return None
    return value


def _targets(r: Reporter, m: dict[str, Any], within: str) -> Targets:
    """``within``: where the block is (``sla``, ``sla.urgent``), for a problem's key."""
    return r.wait(m.get("first_response"), within), r.wait(m.get("resolve"), within)


def _known() -> str:
    return ", ".join((*_TARGETS, *levels.LEVELS))
