"""The ``/merge`` and ``/cc`` reply commands (#19), carried out for any door.

The runner's command stage decides the grammar (:mod:`gateway.pipeline.commands`)
and hands the two #19 actions here, so it needs no knowledge of merges or
watchers beyond "apply it, say what changed"; the CLI and the web page call
:mod:`gateway.tickets.merge` and :mod:`gateway.tickets.watchers` directly.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from gateway.config.settings import Settings
from gateway.core.i18n import N_, Msg
from gateway.pipeline.merging import Merge
from gateway.pipeline.watching import Op, Watch
from gateway.tickets import merge, watchers
from store.models import Ticket


def apply(
    session: Session,
    settings: Settings,
    ticket: Ticket,
    action: Merge | Watch,
    now: datetime,
    *,
    actor: str,
    channel: str,
    by_requester: bool,
) -> None:
    """Carry out ``action`` on ``ticket``; raises :class:`~gateway.core.errors.Refusal`."""
    if isinstance(action, Merge):
        merge.merge(
            session,
            ticket,
            action.target,
            now,
            actor=actor,
            channel=channel,
            tag=tag(settings, action.target),
            max_watchers=settings.limits.max_watchers,
        )
        return
    watchers.change_watcher(
        session,
        settings,
        ticket,
        action.op,
        action.address,
        now,
        actor=actor,
        channel=channel,
        by_requester=by_requester,
    )


def said(action: Merge | Watch) -> Msg:
    """What an applied command changed, in words for its transcript."""
    if isinstance(action, Merge):
        return N_(
            "merged into #{target} (this ticket is closed as a duplicate)", target=action.target
        )
    if action.op == Op.ADD:
        return N_("{address} now watches this ticket", address=action.address)
    return N_("{address} no longer watches this ticket", address=action.address)


def tag(settings: Settings, ticket_id: int) -> str:
    """A ticket's subject tag, as people see it (``[#42]``, or with the team's prefix)."""
    return f"[{settings.gateway.tag_prefix}#{ticket_id}]"
