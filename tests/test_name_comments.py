"""A display name is shown without its RFC 5322 comments, as mail clients show it:
``Taro (the boss) Yamada <t@x>`` is from "Taro Yamada". The stdlib's parser moved
the comment to the end of the name ("Taro Yamada (the boss)"), and every notice, page
and greeting showed it. Parentheses that are text are kept: inside a quoted string, in
an encoded word, and a comment that is the only name there is (``t@x (Taro)``, the
old style, or ``(Taro) <t@x>``) still names the sender."""

from __future__ import annotations

import pytest

from gateway.pipeline.parse.message import parse_message


def _from(value: str, *more: str) -> bytes:
    head = "\r\n".join((f"From: {value}", "To: support@example.test", "Subject: x", *more))
    return f"{head}\r\n\r\nbody\r\n".encode()


@pytest.mark.parametrize(
    ("value", "name"),
    [
        ("Taro (the boss) Yamada <taro@x.test>", "Taro Yamada"),
        ("(CEO) Taro Yamada <taro@x.test>", "Taro Yamada"),
        ("Taro Yamada (the boss) <taro@x.test>", "Taro Yamada"),
        ("Taro (a (nested) one) Yamada <taro@x.test>", "Taro Yamada"),
        (r"Taro (a \) bracket) Yamada <taro@x.test>", "Taro Yamada"),
        ('"Yamada, Taro" (sales) <taro@x.test>', "Yamada, Taro"),
        ("Taro Yamada <taro@x.test> (home)", "Taro Yamada"),
        ("Hanako (ops@x.test) Sato <taro@x.test>", "Hanako Sato"),
        ("Yamada (Sales, Tokyo <HQ>) Taro <taro@x.test>", "Yamada Taro"),
        ("=?utf-8?b?5bGx55Sw?= (=?utf-8?b?6YOo6ZW3?=) <taro@x.test>", "山田"),
        # parentheses that are text, not comments
        ('"Taro (the boss) Yamada" <taro@x.test>', "Taro (the boss) Yamada"),
        ("=?utf-8?q?Taro_(boss)?= <taro@x.test>", "Taro (boss)"),
        ("taro@x.test (Taro Yamada)", "Taro Yamada"),
        ("(Taro Yamada) <taro@x.test>", "Taro Yamada"),
        ("Taro Yamada <taro@x.test>", "Taro Yamada"),
    ],
)
def test_comments_are_not_part_of_the_name(value: str, name: str) -> None:
    sender = parse_message(_from(value)).from_
    assert sender is not None
    assert (sender.name, sender.email) == (name, "taro@x.test")


def test_each_mailbox_of_a_list_loses_its_own_comments() -> None:
    msg = parse_message(
        _from("a@x.test", "Cc: Taro (sales) Yamada <taro@x.test>, Hanako (ops) Sato <h@x.test>")
    )
    assert [(a.name, a.email) for a in msg.cc] == [
        ("Taro Yamada", "taro@x.test"),
        ("Hanako Sato", "h@x.test"),
    ]


def test_deeply_nested_comments_are_read_in_one_pass() -> None:
    """The stdlib recurses on nested comments; a name's are taken out before it reads."""
    deep = "(" * 5000 + "x" + ")" * 5000
    sender = parse_message(_from(f"Taro {deep} Yamada <taro@x.test>")).from_
    assert sender is not None and (sender.name, sender.email) == ("Taro Yamada", "taro@x.test")
