"""The state machine table and the requester-reply rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gateway.core.errors import InvalidTransition
from gateway.core.model import CloseReason, TicketState
from gateway.tickets.states import ALLOWED, ReplyEffect, check, on_requester_reply

S = TicketState
NOW = datetime(2026, 3, 2, tzinfo=UTC)
WINDOW = timedelta(days=14)


@pytest.mark.parametrize("current", list(S))
@pytest.mark.parametrize("target", list(S))
def test_check_follows_table(current: TicketState, target: TicketState) -> None:
    if (current, target) in ALLOWED:
        check(current, target)
    else:
        with pytest.raises(InvalidTransition):
            check(current, target)


def test_nothing_goes_back_to_new() -> None:
    assert not any(target == S.NEW for (_, target) in ALLOWED)


def test_reason_only_with_closed() -> None:
    check(S.OPEN, S.CLOSED, CloseReason.SPAM)
    with pytest.raises(InvalidTransition):
        check(S.OPEN, S.PENDING, CloseReason.SPAM)


@pytest.mark.parametrize(
    ("state", "closed_ago", "automated", "effect", "target"),
    [
        (S.NEW, None, False, ReplyEffect.APPEND, None),
        (S.OPEN, None, False, ReplyEffect.APPEND, None),
        (S.PENDING, None, False, ReplyEffect.REOPEN, S.OPEN),
        (S.CLOSED, timedelta(days=3), False, ReplyEffect.REOPEN, S.OPEN),
        (S.CLOSED, timedelta(days=15), False, ReplyEffect.NEW_LINKED, None),
        (S.PENDING, None, True, ReplyEffect.APPEND, None),  # auto-reply changes nothing
        (S.CLOSED, timedelta(days=3), True, ReplyEffect.APPEND, None),
    ],
)
def test_requester_reply(
    state: TicketState,
    closed_ago: timedelta | None,
    automated: bool,
    effect: ReplyEffect,
    target: TicketState | None,
) -> None:
    closed_at = NOW - closed_ago if closed_ago else None
    decision = on_requester_reply(state, closed_at, NOW, WINDOW, automated=automated)
    assert (decision.effect, decision.target) == (effect, target)
