"""``/close 完了``: what the mails and the pages call a closed ticket (「現在の状態: 完了」,
the state column of the board), which a Japanese member writes after ``/close`` as they
write ``/close 解決``. It was refused as an unknown close reason '完了'. The state's name
says no reason, so it is the default one, resolved; any other word is still refused."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from gateway.core.model import CloseReason, TicketState
from gateway.pipeline import commands as c

CTX = c.CommandContext(
    c.Role.MEMBER, ("ops@example.test",), ("other",), None, datetime(2026, 3, 2, tzinfo=UTC), "UTC"
)


def decided(line: str, role: c.Role = c.Role.MEMBER) -> c.Action | c.Refused:
    [cmd] = c.read_commands(line, 20, role).commands
    return c.decide(cmd, replace(CTX, role=role))


@pytest.mark.parametrize(
    "line", ["/close 完了", "／ｃｌｏｓｅ　完了。", "/close closed", "/close Closed"]
)
@pytest.mark.parametrize("role", [c.Role.MEMBER, c.Role.REQUESTER])
def test_the_closed_states_name_is_the_default_reason(line: str, role: c.Role) -> None:
    assert decided(line, role) == c.SetState(TicketState.CLOSED, CloseReason.RESOLVED)


@pytest.mark.parametrize("line", ["/close 完了しました", "/close 完", "/close 終了"])
def test_other_words_are_still_refused(line: str) -> None:
    assert isinstance(decided(line), c.Refused)
