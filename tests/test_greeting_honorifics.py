"""A Japanese name that carries its honorific already is greeted with one, not two.

Web forms' mailers write the sender's name with 様 (「山田太郎様」), an address book a
department with 御中: the acknowledgement greeted 「山田太郎様 様」 and 「情報システム部 御中
様」, which no Japanese writer sends a customer. The greeting says the name without the
honorific it ends with, then its own (様 to a customer, さん to a member); the ticket keeps
the name as it came.
"""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

import pytest

from gateway.notify.view_parts import Person
from gateway.runtime.app import App
from tests.support.mails import mail
from tests.support.pipeline import deliver, outbox, show, text_of


@pytest.mark.parametrize(
    ("name", "greeted"),
    [
        ("山田太郎様", "山田太郎"),
        ("山田 太郎 様", "山田 太郎"),
        ("山田　太郎　様", "山田　太郎"),  # a full-width space before it
        ("佐藤さま", "佐藤"),
        ("鈴木さん", "鈴木"),
        ("株式会社テスト 情報システム部 御中", "株式会社テスト 情報システム部"),
        ("営業部各位", "営業部"),
        ("山田太郎", "山田太郎"),
        ("様", "様"),  # nothing before it: the name as it is
        ("Sama Yamada", "Sama Yamada"),
    ],
)
def test_the_greeted_name_leaves_its_honorific_to_the_greeting(name: str, greeted: str) -> None:
    assert Person("a@customer.test", name).greeted == greeted


@pytest.mark.parametrize(
    ("sender", "greeting"),
    [
        ("山田太郎様 <yamada@customer.test>", "山田太郎 様"),
        ("情報システム部 御中 <is@customer.test>", "情報システム部 様"),
        ("山田 太郎 <taro@customer.test>", "山田 太郎 様"),
    ],
)
def test_the_acknowledgement_says_one_honorific(app: App, sender: str, greeting: str) -> None:
    out = deliver(
        app, mail(subject="VPNに接続できません", body="つながりません。\n", sender=sender)
    )
    [ack] = outbox(app, "acknowledgement")
    assert text_of(ack).split("\n")[0] == greeting
    msg = email.message_from_bytes(ack.raw, policy=email.policy.default)
    html = msg.get_body(preferencelist=("html",))
    assert isinstance(html, EmailMessage)
    assert f"<p>{greeting}</p>" in str(html.get_content())
    assert out.ticket_id is not None
    assert show(app, out.ticket_id)["messages"][0]["from_name"] == sender.split(" <")[0]
