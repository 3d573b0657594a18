"""``/assign`` by a member's name as a Japanese member writes it: with the honorific
after it (「/assign 佐藤さん」, 「/assign 山田様」), as one never names a colleague bare in
a mail. It was refused as an unknown member '佐藤さん'. The honorific is not part of the
name: it is read without it, and a name that is not a member's stays refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gateway.pipeline import commands as c

MEMBERS = ("sato@example.test", "yamada@example.test", "kun@example.test")
NAMES = {
    "sato@example.test": "佐藤 一郎",
    "yamada@example.test": "山田 花子",
    "kun@example.test": "Lee Kun",
}
CTX = c.CommandContext(
    c.Role.MEMBER,
    MEMBERS,
    ("other",),
    None,
    datetime(2026, 3, 2, tzinfo=UTC),
    "Asia/Tokyo",
    member_names=NAMES,
)


def assigned(line: str) -> c.Action | c.Refused:
    [cmd] = c.read_commands(line, 20, c.Role.MEMBER).commands
    return c.decide(cmd, CTX)


@pytest.mark.parametrize(
    ("line", "member"),
    [
        ("/assign 佐藤さん", "sato@example.test"),
        ("/assign 佐藤様", "sato@example.test"),
        ("/assign 佐藤 一郎 さん", "sato@example.test"),
        ("/assign 佐藤一郎様。", "sato@example.test"),
        ("/assign 山田さま", "yamada@example.test"),
        ("／ａｓｓｉｇｎ　山田さん", "yamada@example.test"),
        ("/assign 山田くん", "yamada@example.test"),
        ("/assign 山田氏", "yamada@example.test"),
        # a name that ends as an honorific does is read as written first
        ("/assign Kun", "kun@example.test"),
    ],
)
def test_a_name_with_its_honorific_names_the_member(line: str, member: str) -> None:
    assert assigned(line) == c.Assign(member)


@pytest.mark.parametrize("line", ["/assign 鈴木さん", "/assign さん", "/assign 様"])
def test_a_name_that_is_no_members_is_still_refused(line: str) -> None:
    refused = assigned(line)
    assert isinstance(refused, c.Refused)
    assert refused.reason.startswith("unknown member")
