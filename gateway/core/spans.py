"""How long something took, in words: the one way a duration is written for people.

Days from a day on, hours from an hour, whole minutes under an hour and "< 1 min"
under a minute, so a ticket closed within seconds is not "0.0 h". The board's
median (``span`` in ``templates/web/_macros.html.j2``) and ``catalog stats``
both write it with this.
"""

from __future__ import annotations

from gateway.core.i18n import N_, Msg

MINUTE, HOUR, DAY = 60, 3600, 86400
NONE = "–"  # no duration to show (no ticket closed)


def span(seconds: float | None) -> Msg | str:
    if seconds is None:
        return NONE
    if seconds >= DAY:
        return N_("{n} d", n=round(seconds / DAY, 1))
    if seconds >= HOUR:
        return N_("{n} h", n=round(seconds / HOUR, 1))
    if seconds >= MINUTE:
        return N_("{n} min", n=int(seconds // MINUTE))
    return N_("< 1 min")
