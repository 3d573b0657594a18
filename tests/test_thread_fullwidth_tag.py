"""A subject tag typed with a Japanese input method left on, ［＃１２］, is the tag [#12].

A Japanese customer who writes a new mail about their request (not a reply) types its
number as the acknowledgement shows it, and with the input method on it comes out
full-width: ［＃１２］追加の情報です. `/merge ＃１２`, the merge box and the list's search
box read that as ticket 12; the subject tag did not, so the mail opened a ticket of its
own, not even linked to #12, and the title kept ［＃１２］. The tag is now read in either
width (and the team's prefix too: ［ＨＥＬＰ＃１２］), and taken off the title as [#12] is;
the rest of the title stays as it was written (ＶＰＮ is not made VPN).
"""

from __future__ import annotations

import pytest

from gateway.pipeline.thread import base_subject, subject_tag
from gateway.runtime.app import App
from tests.support.mails import mail
from tests.support.pipeline import deliver, show


@pytest.mark.parametrize(
    ("subject", "prefix", "number"),
    [
        ("［＃１２］追加の情報です", "", 12),
        ("Ｒｅ：［＃１２］ＶＰＮ接続", "", 12),
        ("[＃12] 追加", "", 12),
        ("［ＨＥＬＰ＃１２］追加", "HELP", 12),
        ("［ｈｅｌｐ＃１２］追加", "HELP", 12),
        ("［＃１２］追加", "HELP", None),  # the team's prefix is part of its tag
        ("＃１２の件", "", None),  # no brackets: a number in words, as before
    ],
)
def test_a_full_width_tag_names_its_ticket(subject: str, prefix: str, number: int | None) -> None:
    assert subject_tag(subject, prefix) == number


def test_the_title_loses_the_tag_and_keeps_its_own_width() -> None:
    assert base_subject("Ｒｅ：［＃１２］ ＶＰＮ接続不可") == "ＶＰＮ接続不可"


def test_a_new_mail_of_the_requester_with_a_full_width_tag_joins_their_ticket(app: App) -> None:
    """Unproven (no trusted DKIM): kept on the ticket, marked unverified, as an ASCII
    tag's mail is; a stranger's opens a new ticket linked to it."""
    sender = "山田 <yamada@customer.test>"
    first = deliver(
        app, mail(subject="VPNに接続できません", body="自宅からです。\n", sender=sender)
    )
    assert first.ticket_id == 1
    again = deliver(
        app, mail(subject="［＃１］追加の情報です", body="会社からも同じです。\n", sender=sender)
    )
    assert again.ticket_id == 1, again.reason
    other = deliver(
        app,
        mail(
            subject="［＃１］同じ症状です", body="私もです。\n", sender="佐藤 <sato@customer.test>"
        ),
    )
    assert other.ticket_id not in (None, 1), other.reason
    t = show(app, other.ticket_id)
    assert t["subject"] == "同じ症状です"
    assert t["linked_ticket"] == 1
