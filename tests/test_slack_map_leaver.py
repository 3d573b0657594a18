"""A ``[chat.slack.members]`` line linking a Slack user to someone taken out of
``[[members]]`` (they left the team, or changed address) stops every start, as a catalog
naming them does; the refusal says why such a line is there and what to do with it, as
the catalog's refusal does, instead of only that the address is no member's."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.config import config_error

TOKENS = {
    "SLACK_BOT_TOKEN": "xoxb-1234567890123456789012345",
    "SLACK_APP_TOKEN": "xapp-1234567890123456789012345",
}


def test_a_slack_link_to_one_who_left_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in TOKENS.items():
        monkeypatch.setenv(name, value)
    error = str(
        config_error(
            tmp_path,
            '[[members]]\nemail = "tanaka@example.test"',
            '[chat.slack]\nchannel = "C0123ABCD"',
            '[chat.slack.members]\nU0SATO123 = "sato@example.test"',
        )
    )
    assert "chat.slack.members.U0SATO123" in error and "sato@example.test" in error
    assert "left the team" in error and "new address" in error
